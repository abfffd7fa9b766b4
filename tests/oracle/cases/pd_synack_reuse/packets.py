# packetdrill conntrack_synack_reuse.pkt as a FORWARD flow (the packetdrill
# local socket listens, so it is the server here): handshake, 100 bytes
# from the client, then the client reuses the tuple with a new ISN; the
# server's challenge ACK passes, the client's exact RST closes, its SYN
# again reopens and the server's SYN/ACK gives SYN_RECV.
from flows import *

C0, S0, C1, S1 = 1000000, 5000000, 2000, 7000000
SYN_O = [('MSS', 1000), ('NOP', None), ('WScale', 7),
         ('Timestamp', (1, 0)), ('NOP', None), ('NOP', None)]
SA_O = [('MSS', 1460), ('NOP', None), ('NOP', None), ('Timestamp', (100, 1)),
        ('NOP', None), ('WScale', 8)]


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 41004, 8080)
    return [C(f.raw('c', 'S', seq=C0, ack=0, win=32792, opts=SYN_O)),
            S(f.raw('s', 'SA', seq=S0, ack=C0 + 1, win=65535, opts=SA_O)),
            C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1, win=257)),
            C(f.raw('c', 'PA', seq=C0 + 1, ack=S0 + 1, win=257,
                    payload=b'p' * 100)),
            S(f.raw('s', 'A', seq=S0 + 1, ack=C0 + 101, win=256)),
            C(f.raw('c', 'S', seq=C1, ack=0, win=32792, opts=SYN_O)),
            snap('syn_ignored'),
            S(f.raw('s', 'A', seq=S0 + 1, ack=C0 + 101, win=256)),
            C(f.raw('c', 'RA', seq=C0 + 101, ack=S0 + 1, win=257)),
            snap('rst'),
            C(f.raw('c', 'S', seq=C1, ack=0, win=32792,
                    opts=[('MSS', 1000), ('NOP', None), ('WScale', 0),
                          ('Timestamp', (233, 0)), ('NOP', None),
                          ('NOP', None)])),
            S(f.raw('s', 'SA', seq=S1, ack=C1 + 1, win=65535, opts=SA_O))]
