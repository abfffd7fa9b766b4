# Datagram 0x71 (port 47801): first fragment, 3 s, last fragment: the
# queue expired after 2 s. Datagram 0x72 (port 47802): both fragments
# 1 s apart: reassembled.
from flows import *
from frag6 import udp6_bytes, frag6


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    d1 = udp6_bytes(c, s, 47801, 53, b't' * 992)
    d2 = udp6_bytes(c, s, 47802, 53, b'u' * 992)
    return [C(frag6(c, s, 0x71, d1, 0, 800, True)),
            wait(3),
            C(frag6(c, s, 0x71, d1, 800, 200, False)),
            C(frag6(c, s, 0x72, d2, 0, 800, True)),
            wait(1),
            C(frag6(c, s, 0x72, d2, 800, 200, False))]
