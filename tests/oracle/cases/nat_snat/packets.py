# A TCP connection through SNAT (handshake, data both ways, close), a UDP
# query answered, and a UDP datagram without checksum (its checksum stays
# 0 after the rewrite). The server's packets go to the SNAT address.
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 40000, 80, opts=False,
                server_view=(a.fw_server_ip, 40000, a.server_ip, 80))
    out = [C(f.syn()), S(f.synack()), C(f.ack()), C(f.data(n=20)),
           S(f.data('s', n=30)), C(f.ack()), C(f.fin()), S(f.fin('s')),
           C(f.ack())]
    out += [C(udp(a.client_ip, a.server_ip, 5000, 53)),
            S(udp(a.server_ip, a.fw_server_ip, 53, 5000))]
    out += [C(ip_header(a.client_ip, a.server_ip) /
              UDP(sport=5001, dport=53, chksum=0) / Raw(b'zero'))]
    return out
