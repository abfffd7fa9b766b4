# A SYN to the server's port 80 and a UDP query to its port 53, both
# redirected to the router.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 40000, 80)
    return [C(f.syn()), C(udp(a.client_ip, a.server_ip, 5000, 53))]
