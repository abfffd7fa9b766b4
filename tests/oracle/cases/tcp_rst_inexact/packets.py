# Handshake, 100 bytes from the client acknowledged by the server, then a
# RST from the client 50 bytes beyond its next sequence (inside the
# server's window, but not the exact value).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42010, 80, opts=False)
    pkts = [C(f.syn()), S(f.synack()), C(f.ack()), C(f.data('c', 100)),
            S(f.ack('s'))]
    return pkts + [C(f.rst('c', seq=f.nxt['c'] + 50))]
