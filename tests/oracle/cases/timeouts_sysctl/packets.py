# A TCP connection opened and closed, a UDP flow answered and used again
# after 2.1 s (stream).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 47700, 80)
    c, s = a.client_ip, a.server_ip
    return [C(f.syn()), snap('syn'), S(f.synack()), C(f.ack()), snap('est'),
            C(udp(c, s, 47701, 53)), snap('udp'), S(udp(s, c, 53, 47701)),
            wait(2.1), C(udp(c, s, 47701, 53)),
            C(f.fin('c')), S(f.ack('s')), S(f.fin('s')), C(f.ack())]
