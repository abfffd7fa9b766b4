# From a client in the second IPv6 subnet of f0 (fd00:199:5::2), then
# from the usual client: a datagram to a REJECTed port and one with hop
# limit 1; then one that passes.
from flows import *


def steps(a):
    s = a.server_ip6
    out = []
    for c in ('fd00:199:5::2', a.client_ip6):
        out.append(C(udp(c, s, 46000, 9)))
        out.append(C(IPv6(src=c, dst=s, hlim=1) /
                     UDP(sport=46001, dport=53) / Raw(b'query')))
    out.append(C(udp('fd00:199:5::2', s, 46002, 53)))
    out.append(wait(0.2))
    return out
