# A datagram to port 53 (four LOG rules, then the ACCEPT policy) and one
# to 54 (LOG then DROP in a user chain).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 45300, 53)), C(udp(c, s, 45301, 54))]
