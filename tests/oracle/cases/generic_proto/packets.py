# An ESP packet from the client, one from the server (the same generic
# entry: its reply), a GRE (version 0, IPv4 payload type) packet from the
# client.
from flows import *


def proto(src, dst, number, payload):
    p = ip_header(src, dst)
    p.proto = number
    return p / Raw(payload)


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(proto(c, s, 50, bytes(range(30)))),
            S(proto(s, c, 50, bytes(range(30)))),
            C(proto(c, s, 47, b'\x00\x00\x08\x00' + bytes(20)))]
