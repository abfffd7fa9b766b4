# Flow 1: handshake, client RST, client SYN (new ISN) -> new entry.
# Flow 2: handshake, client RST, client ACK, client SYN -> ignored.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42080, 80, opts=False)
    g = TcpFlow(a.client_ip, a.server_ip, 42081, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()), C(f.rst('c')),
            C(f.raw('c', 'S', seq=3000000, ack=0)),
            C(g.syn()), S(g.synack()), C(g.ack()), C(g.rst('c')),
            C(g.ack()),
            C(g.raw('c', 'S', seq=3000000, ack=0))]
