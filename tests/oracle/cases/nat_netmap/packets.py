# A TCP handshake and a UDP query to 10.199.9.2, answered by the server
# to the mapped client address 10.199.3.2.
from flows import *


def steps(a):
    mapped_client, mapped_server = '10.199.3.2', '10.199.9.2'
    f = TcpFlow(a.client_ip, mapped_server, 40000, 80, opts=False,
                server_view=(mapped_client, 40000, a.server_ip, 80))
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(udp(a.client_ip, mapped_server, 5000, 53)),
            S(udp(a.server_ip, mapped_client, 53, 5000))]
