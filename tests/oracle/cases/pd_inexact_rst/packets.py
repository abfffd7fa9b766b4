# packetdrill conntrack_inexact_rst.pkt as a FORWARD flow: after data both
# ways the server sends FIN, the client ACKs it (CLOSE_WAIT), the client
# resets (unread data: CLOSE), then a spurious RST from the server with a
# sequence number inside already-sent data: not INVALID, conntrack is
# already closing.
from flows import *

C0, S0 = 1000000, 5000000


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 41001, 8080, isn_c=C0, isn_s=S0,
                win=65535)
    d = b'd' * 1000
    out = [C(f.syn()),
           S(f.raw('s', 'SA', seq=S0, ack=C0 + 1, opts=[('MSS', 1460)])),
           C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1))]
    out += [S(f.raw('s', 'A', seq=S0 + 1 + i * 1000, ack=C0 + 1, payload=d))
            for i in range(3)]
    out += [C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1 + (i + 1) * 1000))
            for i in range(3)]
    out += [C(f.raw('c', 'PA', seq=C0 + 1, ack=S0 + 3001, payload=d)),
            S(f.raw('s', 'FA', seq=S0 + 3001, ack=C0 + 1001)),
            C(f.raw('c', 'A', seq=C0 + 1001, ack=S0 + 3002)),
            snap('close_wait'),
            C(f.raw('c', 'RA', seq=C0 + 1001, ack=S0 + 3002)),
            S(f.raw('s', 'R', seq=S0 + 2001, ack=0, win=0))]
    return out
