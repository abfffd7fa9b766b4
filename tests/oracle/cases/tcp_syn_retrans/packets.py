# SYN, the same SYN 1.2 s later, SYN/ACK, ACK, then the SYN once more
# (the entry is ESTABLISHED: ignored, accepted).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42070, 80)
    return [C(f.syn()), wait(1.2), C(f.resend_syn()), snap('resent'),
            S(f.synack()), C(f.ack()),
            C(f.raw('c', 'S', seq=f.nxt['c'] - 1))]
