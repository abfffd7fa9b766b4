# A SYN from the client (iprange), a bare FIN (not conntrack-checked here:
# no conntrack; --tcp-flags rule drops it), UDP from the server (source
# mask, negated destination, interfaces), UDP from the client to 53, an
# ACK from the client (policy).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    f = TcpFlow(c, s, 46800, 80)
    return [C(f.syn()), C(f.raw('c', 'F', ack=0)),
            S(udp(s, c, 53, 46801)), C(udp(c, s, 46802, 53)),
            C(f.ack())]
