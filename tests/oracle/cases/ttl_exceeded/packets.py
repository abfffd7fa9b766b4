# A UDP datagram with TTL 1 (no connection: the ICMP error quotes a flow
# conntrack never confirmed), then a TCP connection whose data segment
# arrives with TTL 1 (the ICMP error is RELATED to it).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    u = ip_header(c, s)
    u.ttl = 1
    f = TcpFlow(c, s, 47500, 80)
    data = f.data(n=20)
    data.ttl = 1
    return [C(u / UDP(sport=47501, dport=53) / Raw(b'query')),
            C(f.syn()), S(f.synack()), C(f.ack()),
            C(data),
            wait(0.2)]
