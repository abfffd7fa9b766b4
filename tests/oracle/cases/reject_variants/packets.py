# One UDP datagram per REJECT variant, then an ICMP port unreachable from
# the client quoting a datagram (REJECT never answers an ICMP error).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    out = [C(udp(c, s, 45200 + i, 90 + i)) for i in range(6)]
    q = udp(s, c, 53, 45299)
    out.append(C(icmp_error(c, s, q, 3, 3)))
    return out
