# Handshake, close by the client (FIN, ACK, FIN, ACK) -> TIME_WAIT; then a
# SYN from the server's port 80 to the client's port.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 46900, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(f.fin('c')), S(f.ack('s')), S(f.fin('s')), C(f.ack()),
            snap('tw'),
            S(f.raw('s', 'S', seq=9000000, ack=0,
                    opts=[('MSS', 1460), ('SAckOK', b''),
                          ('Timestamp', (1000, 0)), ('NOP', None),
                          ('WScale', 7)]))]
