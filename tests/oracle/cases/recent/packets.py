# Four SYNs to port 22 from the client (new source ports), then one from
# the server side's address (a different source).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(TcpFlow(c, s, 44200 + i, 22, opts=False).syn())
            for i in range(4)] + \
        [S(TcpFlow(s, c, 44300, 22, opts=False).syn())]
