# Twelve UDP datagrams to an ip6tables REJECT, back to back; a pause of
# 0.3 s; six more.
from flows import *


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    out = [C(udp(c, s, 46000 + i, 9)) for i in range(12)]
    out.append(wait(0.3))
    out += [C(udp(c, s, 46100 + i, 9)) for i in range(6)]
    return out
