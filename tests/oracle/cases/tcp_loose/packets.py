# Mid-stream pickup (nf_conntrack_tcp_loose=1): an ACK of a connection
# conntrack never saw open, the server's ACK, the client's next ACK.
# A FIN/ACK cannot start a pickup (class fin): INVALID, no entry.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 45000, 80)
    g = TcpFlow(a.client_ip, a.server_ip, 45001, 80)
    return [C(f.ack()), snap('first'),
            S(f.ack('s')), snap('reply'),
            C(f.data('c', 10)), snap('assured'),
            C(g.fin('c'))]
