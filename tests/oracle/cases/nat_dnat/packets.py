# A TCP connection to the router's port 8080 forwarded to the server's
# port 80; a UDP query to 5353 forwarded into 53-54 (the first port of the
# range: DNAT tries ports from the range start); a connection to the server
# itself, untranslated (null bindings).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.fw_client_ip, 40001, 8080,
                server_view=(a.client_ip, 40001, a.server_ip, 80))
    g = TcpFlow(a.client_ip, a.server_ip, 40002, 22)
    return [C(f.syn()), S(f.synack()), C(f.ack()), C(f.data(n=10)),
            C(udp(a.client_ip, a.fw_client_ip, 6000, 5353)),
            S(udp(a.server_ip, a.client_ip, 53, 6000)),
            C(g.syn()), S(g.synack()), C(g.ack())]
