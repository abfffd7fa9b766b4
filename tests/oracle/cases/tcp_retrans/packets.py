# Handshake, 100 bytes from the client, then the identical segment 4 more
# times (nobody acknowledges it). The reference's "1st-3rd identical copy
# -> 249, 4th -> 199" counts the first transmission as the 1st.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 42060, 80, opts=False)
    out = [C(f.syn()), S(f.synack()), C(f.ack())]
    seq = f.nxt['c']
    d = C(f.data('c', 100))
    out += [d, snap('data')]
    for i in range(1, 5):
        out += [C(f.raw('c', 'PA', seq=seq, payload=b'x' * 100)),
                snap(f'copy{i}')]
    return out
