# SYN (untracked), SYN/ACK (tracked: INVALID), ACK (untracked), the
# server's ACK (loose pickup: NEW), the client's ACK (untracked).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 45600, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()), S(f.ack('s')),
            C(f.ack())]
