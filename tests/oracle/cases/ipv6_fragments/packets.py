# A 1400-byte UDP datagram over IPv6 as two fragments.
from flows import *
from scapy.layers.inet6 import IPv6ExtHdrFragment, fragment6


def steps(a):
    p = IPv6(src=a.client_ip6, dst=a.server_ip6, hlim=64) / \
        IPv6ExtHdrFragment(id=0x4711) / UDP(sport=47500, dport=53) / \
        Raw(b'6' * 1400)
    return [C(x) for x in fragment6(p, 1000)]
