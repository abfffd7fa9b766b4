# Handshake through SNAT; a fragmentation-needed error (3/4) from the
# server about the client's ACK as the server received it (from the SNAT
# address, TTL 63); a time-exceeded (11/0) from the client about the
# server's SYN/ACK as the client received it (de-NATed, TTL 63).
from flows import *


def steps(a):
    f = TcpFlow(a.client_ip, a.server_ip, 47000, 80, opts=False,
                server_view=(a.fw_server_ip, 47000, a.server_ip, 80))
    syn, sa, ack = f.syn(), f.synack(), f.ack()
    seen_by_server = ack.copy()
    seen_by_server[IP].src = a.fw_server_ip
    seen_by_server[IP].ttl = 63
    seen_by_client = sa.copy()
    seen_by_client[IP].dst = a.client_ip
    seen_by_client[IP].ttl = 63
    return [C(syn), S(sa), C(ack),
            S(icmp_error(a.server_ip, a.fw_server_ip, seen_by_server, 3, 4)),
            C(icmp_error(a.client_ip, a.server_ip, seen_by_client, 11, 0))]
