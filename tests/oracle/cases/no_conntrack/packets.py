from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 44000, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()), C(f.data('c', 10)),
            S(f.ack('s')),
            # A packet conntrack would call INVALID: forwarded anyway.
            C(f.raw('c', 'SF'))]
