# traceroute's probes through the router: a UDP datagram and an ICMP echo
# with TTL 1 (they die at the fw, which answers ICMP time exceeded), then
# the same UDP flow with TTL 2 (forwarded, TTL 1 on the other side).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    u1 = udp(c, s, 45300, 33434)
    u1.ttl = 1
    e1 = icmp_echo(c, s, ident=0x7711)
    e1.ttl = 1
    u2 = udp(c, s, 45300, 33435)
    u2.ttl = 2
    return [C(u1), C(e1), C(u2)]
