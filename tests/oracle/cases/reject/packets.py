# A SYN to port 81 (answered with a RST) and a UDP datagram to port 82
# (answered with ICMP port unreachable), both made by the fw's kernel.
from flows import *


def steps(a):
    return [C(TcpFlow(a.client_ip, a.server_ip, 40500, 81).syn()),
            C(udp(a.client_ip, a.server_ip, 40501, 82))]
