# Both ends send a SYN, then both a SYN/ACK, then the server's ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42090, 80, opts=False)
    c0, s0 = f.nxt['c'], f.nxt['s']
    return [C(f.raw('c', 'S', seq=c0, ack=0)),
            S(f.raw('s', 'S', seq=s0, ack=0)), snap('s2'),
            C(f.raw('c', 'SA', seq=c0, ack=s0 + 1)), snap('sr'),
            S(f.raw('s', 'SA', seq=s0, ack=c0 + 1)),
            S(f.raw('s', 'A', seq=s0 + 1, ack=c0 + 1))]
