# Handshake; the server advertises a zero window; then it opens it again.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 46600, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            S(f.ack('s', win=0)), snap('zero'), S(f.ack('s'))]
