# Timestamp request and reply; an echo reply nobody asked for; an ICMP
# message of type 42 (both 8-byte ICMP headers, 28 B in all).
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    ts = ICMP(type=13, id=3333, seq=1) / Raw(bytes(12))
    tr = ICMP(type=14, id=3333, seq=1) / Raw(bytes(12))
    return [C(ip_header(c, s, df=False) / ts),
            S(ip_header(s, c, df=False) / tr),
            C(ip_header(c, s, df=False) / ICMP(type=0, id=4444, seq=1)),
            C(ip_header(c, s, df=False) / ICMP(type=42, code=0))]
