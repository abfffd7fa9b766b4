# Three datagrams from the client, the last 2.2 s after the first; no reply.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 43000, 53)), C(udp(c, s, 43000, 53)), wait(2.2),
            C(udp(c, s, 43000, 53))]
