# Datagram 0x61 (port 47701): fragment 0-799, then 504-903 (overlaps
# 504-799), then the last fragment 800-999 - the queue died at the
# overlap, so the last fragment starts a new queue that never completes.
# Datagram 0x62 (port 47702): fragment 0-799 twice (duplicate), then
# 800-999: reassembled.
from flows import *
from frag6 import udp6_bytes, frag6


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    d1 = udp6_bytes(c, s, 47701, 53, b'o' * 992)
    d2 = udp6_bytes(c, s, 47702, 53, b'd' * 992)
    return [C(frag6(c, s, 0x61, d1, 0, 800, True)),
            C(frag6(c, s, 0x61, d1, 504, 400, True)),
            C(frag6(c, s, 0x61, d1, 800, 200, False)),
            C(frag6(c, s, 0x62, d2, 0, 800, True)),
            C(frag6(c, s, 0x62, d2, 0, 800, True)),
            C(frag6(c, s, 0x62, d2, 800, 200, False))]
