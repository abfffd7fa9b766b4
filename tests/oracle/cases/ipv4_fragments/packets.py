# A 1400-byte UDP datagram sent as two fragments (1000 + 408 bytes of IP
# payload).
from flows import *
from scapy.layers.inet import fragment


def steps(a):
    p = ip_header(a.client_ip, a.server_ip, df=False) / \
        UDP(sport=46400, dport=53) / Raw(b'f' * 1400)
    return [C(x) for x in fragment(p, fragsize=1000)]
