# Injected client (no address): a ping answered by the host's kernel, a
# SYN to 22 where nobody listens (the host's TCP answers RST/ACK: the
# entry dies at once, §3.8), a SYN to 23 rejected by the ruleset.
from flows import *


def steps(a):
    c, h = a.client_ip, a.host_ip
    return [C(icmp_echo(c, h, 0x0e0e, 1)), snap('ping'),
            C(TcpFlow(c, h, 46000, 22).syn()), snap('closed'),
            C(TcpFlow(c, h, 46001, 23).syn())]
