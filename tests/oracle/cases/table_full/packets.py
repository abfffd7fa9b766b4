# nf_conntrack_max = 4: four handshakes fill the table with ASSURED
# entries (early drop cannot evict them), two more SYNs are dropped by
# conntrack before the filter table sees them.
from flows import *


def steps(a):
    out = []
    for i in range(4):
        f = TcpFlow(a.client_ip, a.server_ip, 40400 + i, 80)
        out += [C(f.syn()), S(f.synack()), C(f.ack())]
    out.append(snap('full'))
    for i in range(4, 6):
        out.append(C(TcpFlow(a.client_ip, a.server_ip, 40400 + i, 80).syn()))
    return out
