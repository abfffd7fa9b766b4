# A UDP query and its answer, both through the zone-7 template.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 45100, 53)), S(udp(s, c, 53, 45100))]
