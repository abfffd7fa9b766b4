# packetdrill conntrack_ack_loss_stall.pkt as a FORWARD flow (the local
# socket listens: server): 46 segments of 1460 bytes from the client, each
# acknowledged; then the first segment again (its ACK was lost for the
# sender). Packets 1-3 handshake, 4-95 data/ACK pairs, 96 the
# retransmission, 97 the server's ACK.
from flows import *

C0, S0 = 1000000, 5000000
SEG = 1460


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 41005, 8080)
    out = [C(f.raw('c', 'S', seq=C0, ack=0, win=32792, opts=[('MSS', 1000)])),
           S(f.raw('s', 'SA', seq=S0, ack=C0 + 1, win=65535,
                   opts=[('MSS', 1460)])),
           C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1, win=65535))]
    for i in range(46):
        out += [C(f.raw('c', 'PA', seq=C0 + 1 + i * SEG, ack=S0 + 1, win=257,
                        payload=b's' * SEG), gap=0.0005),
                S(f.raw('s', 'A', seq=S0 + 1, ack=C0 + 1 + (i + 1) * SEG,
                        win=65535), gap=0.0005)]
    out += [C(f.raw('c', 'PA', seq=C0 + 1, ack=S0 + 1, win=257,
                    payload=b's' * SEG)),
            S(f.raw('s', 'A', seq=S0 + 1, ack=C0 + 1 + 46 * SEG, win=65535))]
    return out
