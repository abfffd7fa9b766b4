# Handshake and a FIN through NOTRACK in both directions (the fw's raw
# PREROUTING sees both sides), then an ICMP port unreachable from the
# server about the client's segment.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 45500, 80, opts=False)
    syn = f.syn()
    return [C(syn), S(f.synack()), C(f.ack()), C(f.fin('c')),
            S(icmp_error(a.server_ip, a.client_ip, syn, 3, 3))]
