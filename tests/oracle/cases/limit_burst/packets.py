# Six datagrams back to back (2 ms apart), a pause of 0.6 s (one token
# refilled at 2/s), two more.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 44100 + i, 7)) for i in range(6)] + \
        [wait(0.6), C(udp(c, s, 44106, 7)), C(udp(c, s, 44107, 7))]
