# Query, answer, then after 2.2 s the server sends again and the client
# answers.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(udp(c, s, 43010, 53)), S(udp(s, c, 53, 43010)),
            snap('replied'), wait(2.2),
            S(udp(s, c, 53, 43010)), C(udp(c, s, 43010, 53))]
