# With loose pickup off: an ACK, a PSH/ACK with 50 bytes and the server's
# ACK of a connection conntrack never saw open; then a new SYN.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42050, 80, opts=False)
    g = TcpFlow(a.client_ip, a.server_ip, 42051, 80, opts=False)
    return [C(f.ack()), C(f.data('c', 50)), S(f.ack('s')), C(g.syn())]
