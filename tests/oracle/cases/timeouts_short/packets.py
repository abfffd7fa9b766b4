# Short per-namespace timeouts instead of long waits: a UDP flow (2 s)
# and a lone SYN (SYN_SENT 2 s) expire; an ICMP echo (icmp 10 s) stays.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [
        C(udp(c, s, 43000, 53)),
        C(TcpFlow(c, s, 43001, 80).syn()),
        C(icmp_echo(c, s, 0x0d0d, 1)),
        snap('fresh'),
        wait(2.6),
        snap('expired'),
    ]
