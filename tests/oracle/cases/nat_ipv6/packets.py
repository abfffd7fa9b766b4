# IPv6 through DNAT and MASQUERADE: a TCP handshake to the router's port
# 8080, a UDP query and an echo to the server; the server answers the
# MASQUERADE address.
from flows import *


def steps(a):
    c, s, fc, fs = a.client_ip6, a.server_ip6, a.fw_client_ip6, \
        a.fw_server_ip6
    f = TcpFlow(c, fc, 40000, 8080, opts=False,
                server_view=(fs, 40000, s, 80))
    return [C(f.syn()), S(f.synack()), C(f.ack()),
            C(ip_header(c, s) / UDP(sport=5000, dport=53) / Raw(b'hello')),
            S(ip_header(s, fs) / UDP(sport=53, dport=5000) / Raw(b'hello')),
            C(icmp6_echo(c, s, 0x0f0f, 1)),
            S(icmp6_echo(s, fs, 0x0f0f, 1, reply=True))]
