# A handshake and a datagram through FORWARD, which has no rule at all.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 45400, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(udp(a.client_ip, a.server_ip, 45401, 53))]
