# Two mid-stream ACKs of an unknown connection (client, then server),
# then a handshake on another port.
from flows import *


def steps(a):
    g = TcpFlow(a.client_ip, a.server_ip, 47601, 80, opts=False)
    f = TcpFlow(a.client_ip, a.server_ip, 47600, 80)
    return [C(g.ack()), S(g.ack('s')),
            C(f.syn()), S(f.synack()), C(f.ack())]
