# As tcp_window_strict, with be_liberal=1.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42041, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(f.raw('c', 'PA', seq=f.nxt['c'] + 900000, payload=b'w' * 100)),
            C(f.raw('c', 'A', ack=f.nxt['s'] + 900000)),
            C(f.ack())]
