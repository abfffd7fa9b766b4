# Two handshakes (no TCP options); the client resets the first with RST
# (seq = its next sequence), the server resets the second with RST/ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42000, 80, opts=False)
    g = TcpFlow(a.client_ip, a.server_ip, 42001, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()), C(f.rst('c')),
            C(g.syn()), S(g.synack()), C(g.ack()), S(g.rst('s', 'RA'))]
