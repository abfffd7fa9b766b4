# The §3.9 trace: handshake, data, acknowledged, FIN from the client,
# FIN from the server, last ACK, then a new SYN on the same ports
# (reopen from TIME_WAIT: CLOSE_INIT is set, so a fresh entry).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 40000, 80)
    return [
        C(f.syn()), snap('syn'),
        S(f.synack()), snap('synack'),
        C(f.ack()), snap('ack'),
        C(f.data('c', 100)), snap('data'),
        S(f.ack('s')), snap('dataack'),
        C(f.fin('c')), snap('fin1'),
        S(f.ack('s')), snap('finack1'),
        S(f.fin('s')), snap('fin2'),
        C(f.ack('c')), snap('timewait'),
        C(TcpFlow(a.client_ip, a.server_ip, 40000, 80,
                  isn_c=9000000).syn()), snap('reopen'),
    ]
