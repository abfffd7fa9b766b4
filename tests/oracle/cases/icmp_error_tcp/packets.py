# Handshake; a fragmentation-needed error (3/4) from the server about the
# client's ACK; a time-exceeded (11/0) from the client about the server's
# SYN/ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 47000, 80, opts=False)
    syn, sa = f.syn(), f.synack()
    ack = f.ack()
    return [C(syn), S(sa), C(ack),
            S(icmp_error(a.server_ip, a.client_ip, ack, 3, 4)),
            C(icmp_error(a.client_ip, a.server_ip, sa, 11, 0))]
