# A DNS-like query and its answer through FORWARD.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 47400, 53)), S(udp(s, c, 53, 47400))]
