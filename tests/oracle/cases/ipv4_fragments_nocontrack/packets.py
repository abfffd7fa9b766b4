# The same datagram as ipv4_fragments, as two fragments.
from flows import *
from scapy.layers.inet import fragment


def steps(a):
    p = ip_header(a.client_ip, a.server_ip, df=False) / \
        UDP(sport=46401, dport=53) / Raw(b'f' * 1400)
    return [C(x) for x in fragment(p, fragsize=1000)]
