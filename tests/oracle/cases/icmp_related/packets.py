# A UDP datagram to a closed port; the server answers port unreachable
# (RELATED, forwarded; the UDP entry stays UNREPLIED and is not
# refreshed). Then a port unreachable quoting a flow nobody sent
# (INVALID, conntrack stat `error`).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    q = udp(c, s, 42000, 5353)
    ghost = udp(c, s, 42999, 5353)
    return [
        C(q),
        S(icmp_error(s, c, q, 3, 3)),
        S(icmp_error(s, c, ghost, 3, 3)),
    ]
