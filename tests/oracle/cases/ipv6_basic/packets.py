# IPv6 through FORWARD: a TCP handshake and an echo; then a neighbour
# solicitation from the client for the fw's own address (UNTRACKED in
# INPUT, and the fw's advertisement UNTRACKED in OUTPUT).
from flows import *
from netns import MAC


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    f = TcpFlow(c, s, 47000, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(icmp6_echo(c, s, 0x0f0f, 1)),
            S(icmp6_echo(s, c, 0x0f0f, 1, reply=True)),
            C(icmp6_ns(c, a.fw_client_ip6, MAC['c0']))]
