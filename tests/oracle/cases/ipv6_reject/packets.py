# ip6tables REJECT in FORWARD: a SYN answered with a reset, a datagram
# with the default port unreachable, another with admin prohibited.
from flows import *


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    return [C(TcpFlow(c, s, 47100, 81).syn()),
            C(udp(c, s, 46000, 9)),
            C(udp(c, s, 46001, 10))]
