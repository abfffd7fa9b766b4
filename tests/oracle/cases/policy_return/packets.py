# UDP to 53 (RETURN -> policy ACCEPT), to 55 (user chain, falls off,
# policy ACCEPT), to 54 (DROP).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 44400, 53)), C(udp(c, s, 44401, 55)),
            C(udp(c, s, 44402, 54))]
