# packetdrill conntrack_rst_invalid.pkt as a FORWARD flow: the local
# (connecting) socket is the client, the remote peer the server. The server
# sends 3000 bytes, the client acknowledges them; RSTs with seq before the
# client's highest ACK, far beyond the window, and inside the window but
# not exact are INVALID; the RST with the exact next sequence closes.
from flows import *

C0, S0 = 1000000, 5000000


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 41000, 8080, isn_c=C0, isn_s=S0,
                win=65535)
    d = b'd' * 1000
    out = [C(f.syn()),
           S(f.raw('s', 'SA', seq=S0, ack=C0 + 1, opts=[('MSS', 1460)])),
           C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1))]
    out += [S(f.raw('s', 'A', seq=S0 + 1 + i * 1000, ack=C0 + 1, payload=d))
            for i in range(3)]
    out += [C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1 + (i + 1) * 1000))
            for i in range(3)]
    out += [S(f.raw('s', 'R', seq=S0, ack=0, win=0)),
            S(f.raw('s', 'R', seq=S0 + 1000000, ack=0, win=0)),
            S(f.raw('s', 'R', seq=S0 + 42, ack=0, win=0)),
            snap('rsts'),
            C(f.raw('c', 'PA', seq=C0 + 1, ack=S0 + 3001, payload=d)),
            S(f.raw('s', 'A', seq=S0 + 3001, ack=C0 + 1001)),
            S(f.raw('s', 'RA', seq=S0 + 3000, ack=C0 + 1001, win=0)),
            S(f.raw('s', 'RA', seq=S0 + 3001, ack=C0 + 1001, win=0))]
    return out
