# Four SYNs from the client on new ports (none answered, all stay
# SYN_SENT), then one from the server side's address.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(TcpFlow(c, s, 46000 + i, 80, opts=False).syn())
            for i in range(4)] + \
        [S(TcpFlow(s, c, 46100, 80, opts=False).syn())]
