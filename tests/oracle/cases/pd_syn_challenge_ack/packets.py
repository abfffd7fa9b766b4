# packetdrill conntrack_syn_challenge_ack.pkt as a FORWARD flow: the
# client's SYN meets a server that still has an old incarnation and answers
# with a challenge ACK (seq/ack of the old connection); the client resets
# with seq = that ACK, sends its SYN again, and the handshake completes.
from flows import *

C0, S0 = 1000000, 5000000
OLD_SEQ, OLD_ACK = 145824453, (1000000 + 643160523) & 0xffffffff


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 41002, 8080, isn_c=C0, isn_s=S0,
                win=65535)
    return [C(f.syn()),
            S(f.raw('s', 'A', seq=OLD_SEQ, ack=OLD_ACK, win=240)),
            snap('challenge'),
            C(f.raw('c', 'R', seq=OLD_ACK, ack=0, win=0)),
            snap('rst'),
            C(f.resend_syn()),
            S(f.raw('s', 'SA', seq=S0, ack=C0 + 1, win=250,
                    opts=[('MSS', 1460), ('NOP', None), ('NOP', None),
                          ('Timestamp', (1, 1)), ('NOP', None),
                          ('WScale', 0)])),
            C(f.raw('c', 'A', seq=C0 + 1, ack=S0 + 1, win=256))]
