# nf_conntrack_max = 20000: 20000 one-packet UDP flows (non-assured,
# [UNREPLIED]) fill the table, then 100 more new flows arrive. With the
# host's 262144 buckets each of them finds a non-assured entry in its
# 8-bucket window most of the time (about 70 %): early drop evicts it
# (all eligible entries of that chain) and the packet is accepted;
# otherwise it is dropped with "table full".
from flows import *


def steps(a):
    return [burst('client', udp_flows(a.client_ip, a.server_ip,
                                      range(20000, 40000), 9000)),
            snap('full'),
            burst('client', udp_flows(a.client_ip, a.server_ip,
                                      range(50000, 50100), 9001))]
