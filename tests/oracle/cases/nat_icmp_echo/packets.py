# Two echo requests answered (to the SNAT address, same id), then a
# second client pinging with the same id.
from flows import *


def steps(a):
    return [C(icmp_echo(a.client_ip, a.server_ip, seq=1)),
            S(icmp_echo(a.server_ip, a.fw_server_ip, seq=1, reply=True)),
            C(icmp_echo(a.client_ip, a.server_ip, seq=2)),
            S(icmp_echo(a.server_ip, a.fw_server_ip, seq=2, reply=True)),
            C(icmp_echo('10.199.1.3', a.server_ip, seq=1))]
