# A DNS query and answer (untracked), then a datagram to port 54.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 47300, 53)), S(udp(s, c, 53, 47300)),
            C(udp(c, s, 47301, 54))]
