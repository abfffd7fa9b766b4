# One packet per LOG rule: a SYN with options (port 80), a UDP datagram,
# an echo request, a SYN to 443 (sequence and options logged).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(TcpFlow(c, s, 40600, 80).syn()),
            C(udp(c, s, 40601, 53)),
            C(icmp_echo(c, s, 0x0c0c, 7)),
            C(TcpFlow(c, s, 40602, 443).syn())]
