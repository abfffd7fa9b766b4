# A UDP datagram of 1600 bytes (8 + 1592) as fragments 0-599, 600-799,
# 800-1599, sent last, first, middle.
from flows import *
from frag6 import udp6_bytes, frag6


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    d = udp6_bytes(c, s, 47600, 53, b'r' * 1592)
    return [C(frag6(c, s, 0x51, d, 800, 800, False)),
            C(frag6(c, s, 0x51, d, 0, 600, True)),
            C(frag6(c, s, 0x51, d, 600, 200, True))]
