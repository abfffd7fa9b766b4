# One UDP datagram (8 + 100 bytes) behind a fragment header with offset
# 0 and M clear.
from flows import *
from frag6 import udp6_bytes, frag6


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    d = udp6_bytes(c, s, 47900, 53, b'a' * 100)
    return [C(frag6(c, s, 0x81, d, 0, len(d), False))]
