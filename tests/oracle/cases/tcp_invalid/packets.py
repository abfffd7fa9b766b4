# Established connection, then four INVALID packets from the client:
# SYN|FIN (flag check), bare FIN (flag check), data 10 MB beyond the
# window (SEQ over upper bound), ACK of data the server never sent
# (ACK over upper bound); a final in-window ACK is still ESTABLISHED.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 40100, 80)
    seq = 1000001
    return [
        C(f.syn()), S(f.synack()), C(f.ack()),
        C(f.raw('c', 'SF')),
        C(f.raw('c', 'F')),
        C(f.raw('c', 'PA', seq=seq + 10000000, payload=b'y' * 100)),
        C(f.raw('c', 'A', ack=5000001 + 10000000)),
        C(f.ack()),
    ]
