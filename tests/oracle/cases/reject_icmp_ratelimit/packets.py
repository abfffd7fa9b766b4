# Twelve UDP datagrams to a REJECTed port, back to back; a pause of
# 1.1 s; three more; then eight TCP SYNs REJECTed with a reset.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    out = [C(udp(c, s, 46000 + i, 9)) for i in range(12)]
    out.append(wait(1.1))
    out += [C(udp(c, s, 46100 + i, 9)) for i in range(3)]
    out += [C(TcpFlow(c, s, 47000 + i, 9).syn()) for i in range(8)]
    return out
