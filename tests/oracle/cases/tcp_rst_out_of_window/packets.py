# Handshake and 100 acknowledged bytes; the client sends a RST with a
# sequence 1000 before what the server acknowledged, then one 5 MB beyond
# the window; a normal ACK still passes.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42020, 80, opts=False)
    pkts = [C(f.syn()), S(f.synack()), C(f.ack()), C(f.data('c', 100)),
            S(f.ack('s'))]
    return pkts + [C(f.rst('c', seq=f.nxt['c'] - 1000)),
                   C(f.rst('c', seq=f.nxt['c'] + 5000000)),
                   C(f.ack())]
