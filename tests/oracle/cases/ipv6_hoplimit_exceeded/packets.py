# IPv6 packets with hop limit 1 through FORWARD: a UDP datagram (its
# conntrack never confirmed) and a segment of a tracked TCP connection.
from flows import *


def steps(a):
    c, s = a.client_ip6, a.server_ip6
    f = TcpFlow(c, s, 47700, 80)
    data = f.data(n=20)
    data.hlim = 1
    return [C(IPv6(src=c, dst=s, hlim=1) / UDP(sport=47701, dport=53) /
              Raw(b'query')),
            C(f.syn()), S(f.synack()), C(f.ack()),
            C(data),
            wait(0.2)]
