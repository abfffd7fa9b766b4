# Three TCP SYNs from three clients with one source port, then two UDP
# datagrams from two clients with one source port.
from flows import *


def steps(a):
    out = []
    for c in ('10.199.1.2', '10.199.1.3', '10.199.1.4'):
        out.append(C(TcpFlow(c, a.server_ip, 40000, 80, opts=False).syn()))
    for c in ('10.199.1.2', '10.199.1.3'):
        out.append(C(udp(c, a.server_ip, 5000, 53)))
    return out
