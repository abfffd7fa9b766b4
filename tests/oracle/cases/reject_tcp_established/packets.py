# Handshake, then a PSH/ACK with 100 bytes from the client (rejected).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 47400, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(f.raw('c', 'PA', payload=b'x' * 100))]
