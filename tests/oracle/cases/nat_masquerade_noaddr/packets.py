# A TCP handshake from the client to the server behind f1; the server
# answers the masqueraded address, f0's 10.199.1.1.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 40000, 80, opts=False,
                server_view=('10.199.1.1', 40000, a.server_ip, 80))
    return [C(f.syn()), S(f.synack()), C(f.ack())]
