# A TCP connection to port 80 (SYN, SYN/ACK, ACK, ACK from the server) and
# one UDP datagram (not marked).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 45000, 80)
    return [C(f.syn()), S(f.synack()), C(f.ack()), S(f.ack('s')),
            C(udp(a.client_ip, a.server_ip, 45001, 53))]
