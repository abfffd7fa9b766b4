# SYNs to 80, 443, 8042 (accepted) and 8081 (policy); UDP from port 123,
# from port 514 (--ports), to 5000 (negated range), to 999 (policy).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(TcpFlow(c, s, 44000, 80).syn()),
            C(TcpFlow(c, s, 44001, 443).syn()),
            C(TcpFlow(c, s, 44002, 8042).syn()),
            C(TcpFlow(c, s, 44003, 8081, opts=False).syn()),
            C(udp(c, s, 123, 9999)),
            C(udp(c, s, 514, 9999)),
            C(udp(c, s, 44004, 5000)),
            C(udp(c, s, 44005, 999))]
