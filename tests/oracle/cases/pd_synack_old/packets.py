# packetdrill conntrack_synack_old.pkt as a FORWARD flow: the server
# first answers with a SYN/ACK for an old incarnation (its ack value was
# never sent by the client), the client retransmits its SYN, the server's
# correct SYN/ACK arrives and the client sends one byte of data (ESTABLISHED,
# ASSURED, unacknowledged data: 300 s).
from flows import *

C0 = 1000000
SA_OPTS = [('MSS', 1440), ('NOP', None), ('NOP', None),
           ('Timestamp', (1, 1)), ('NOP', None), ('WScale', 0)]


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 41003, 8080, isn_c=C0,
                win=65535)
    return [C(f.syn()),
            S(f.raw('s', 'SA', seq=145824453,
                    ack=(C0 + 643160523) & 0xffffffff, win=240,
                    opts=SA_OPTS)),
            wait(0.3),
            C(f.resend_syn()),
            snap('retrans'),
            S(f.raw('s', 'SA', seq=145758918, ack=C0 + 1, win=250,
                    opts=SA_OPTS)),
            C(f.raw('c', 'PA', seq=C0 + 1, ack=145758919, win=256,
                    payload=b'x'))]
