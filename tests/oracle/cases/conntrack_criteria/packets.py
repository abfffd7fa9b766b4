# SYN, SYN/ACK, ACK, client data, server ACK, server data, client ACK,
# client FIN, server FIN/ACK, client ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 47100, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()), C(f.data('c', 50)),
            S(f.ack('s')), S(f.data('s', 80)), C(f.ack()), C(f.fin('c')),
            S(f.fin('s')), C(f.ack())]
