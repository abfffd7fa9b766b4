# Client 1 (10.199.1.2:40000) connects and is answered on the kept port;
# client 2 (10.199.1.3:40000) sends a SYN that leaves with another port.
# The same with UDP port 5000.
from flows import *


def steps(a):
    c2 = '10.199.1.3'
    f = TcpFlow(a.client_ip, a.server_ip, 40000, 80, opts=False,
                server_view=(a.fw_server_ip, 40000, a.server_ip, 80))
    g = TcpFlow(c2, a.server_ip, 40000, 80, opts=False)
    return [C(f.syn()), S(f.synack()), C(f.ack()), C(g.syn()),
            C(udp(a.client_ip, a.server_ip, 5000, 53)),
            S(udp(a.server_ip, a.fw_server_ip, 53, 5000)),
            C(udp(c2, a.server_ip, 5000, 53))]
