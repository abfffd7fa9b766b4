# From a client in the second subnet of f0 (10.199.5.2): a datagram to a
# REJECTed port, one with TTL 1, and one to an unREJECTed port (passes);
# then the same two errors for the usual client 10.199.1.2.
from flows import *


def steps(a):
    s = a.server_ip
    out = []
    for c in ('10.199.5.2', a.client_ip):
        out.append(C(udp(c, s, 46000, 9)))
        u = ip_header(c, s)
        u.ttl = 1
        out.append(C(u / UDP(sport=46001, dport=53) / Raw(b'query')))
    out.append(C(udp('10.199.5.2', s, 46002, 53)))
    out.append(wait(0.2))
    return out
