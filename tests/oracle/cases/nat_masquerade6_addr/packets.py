# One UDP datagram from the client to each of three destinations behind
# f1; the second is answered at the address MASQUERADE chose.
from flows import *


def steps(a):
    c = a.client_ip6
    return [C(udp(c, 'fd00:199:2::2', 5001, 53)),
            C(udp(c, 'fd00:199:3::2', 5002, 53)),
            S(udp('fd00:199:3::2', 'fd00:199:3::1', 53, 5002)),
            C(udp(c, '2001:db8:7::7', 5003, 53))]
