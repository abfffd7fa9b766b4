# Handshake; 100 bytes 900000 beyond the window; an ACK of server data
# never sent; a normal ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42040, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(f.raw('c', 'PA', seq=f.nxt['c'] + 900000, payload=b'w' * 100)),
            C(f.raw('c', 'A', ack=f.nxt['s'] + 900000)),
            C(f.ack())]
