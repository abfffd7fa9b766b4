# Two pings (same id, seq 1 and 2), each answered.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [
        C(icmp_echo(c, s, 0x0b1d, 1)), snap('request'),
        S(icmp_echo(s, c, 0x0b1d, 1, reply=True)),
        C(icmp_echo(c, s, 0x0b1d, 2)),
        S(icmp_echo(s, c, 0x0b1d, 2, reply=True)),
    ]
