# Flow 41000: request, reply within 2 s (still 30 s), another request
# within 2 s (30 s), then one after 2.2 s (stream: 120 s + ASSURED).
# Flow 41001 starts with the first; its first reply comes only after
# 2.2 s: that packet is still "no reply yet" -> 30 s, not assured.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [
        C(udp(c, s, 41000, 53)), snap('request'),
        C(udp(c, s, 41001, 53)),
        S(udp(s, c, 53, 41000, b'answer')), snap('reply'),
        C(udp(c, s, 41000, 53, b'again')), snap('early'),
        wait(2.2),
        S(udp(s, c, 53, 41001, b'late')), snap('late_reply'),
        C(udp(c, s, 41000, 53, b'stream')), snap('stream'),
    ]
