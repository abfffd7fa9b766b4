# One packet per flag combination, each on its own port pair, no options.
from flows import *


def steps(a):
    out = []
    for i, fl in enumerate(['', 'FSRPAU', 'SR', 'SA', 'R', 'FA', 'U']):
        f = TcpFlow(a.client_ip, a.server_ip, 46500 + i, 80, opts=False)
        out.append(C(f.raw('c', fl, ack=0)))
    return out
