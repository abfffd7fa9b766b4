# A SYN (no options), the server refuses with RST/ACK; then a bare RST for
# another port pair that conntrack never saw.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42030, 80, opts=False)
    g = TcpFlow(a.client_ip, a.server_ip, 42031, 80, opts=False)
    return [C(f.syn()), snap('syn'), S(f.rst('s', 'RA')), C(g.rst('c'))]
