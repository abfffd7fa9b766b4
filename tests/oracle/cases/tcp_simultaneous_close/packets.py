# Handshake; the client's FIN/ACK and the server's FIN/ACK cross (each
# acknowledges only the other's data, not its FIN); then both ACK.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 46300, 80)
    out = [C(f.syn()), S(f.synack()), C(f.ack())]
    cn, sn = f.nxt['c'], f.nxt['s']
    out += [C(f.raw('c', 'FA', seq=cn, ack=sn)), snap('fin1'),
            S(f.raw('s', 'FA', seq=sn, ack=cn)), snap('fin2'),
            C(f.raw('c', 'A', seq=cn + 1, ack=sn + 1)),
            S(f.raw('s', 'A', seq=sn + 1, ack=cn + 1))]
    return out
