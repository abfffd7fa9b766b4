# Handshake, then the server closes first: its FIN, the client's ACK, the
# client's FIN, the server's ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 46200, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            S(f.fin('s')), snap('fw'), C(f.ack()), snap('cw'),
            C(f.fin('c')), snap('la'), S(f.ack('s'))]
