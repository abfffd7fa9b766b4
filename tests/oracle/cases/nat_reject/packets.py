# A SYN to the forwarded TCP port and a datagram to the forwarded UDP
# port, both REJECTed in FORWARD after DNAT.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.fw_client_ip, 40000, 8080, opts=False)
    return [C(f.syn()), C(udp(a.client_ip, a.fw_client_ip, 6000, 5353))]
