# One UDP datagram from the client to each of four destinations behind
# f1; the second is answered (the answer goes back to the chosen source,
# 10.199.3.1, and is de-NATed to the client).
from flows import *


def steps(a):
    c = a.client_ip
    return [C(udp(c, '10.199.2.2', 5001, 53)),
            C(udp(c, '10.199.3.2', 5002, 53)),
            S(udp('10.199.3.2', '10.199.3.1', 53, 5002)),
            C(udp(c, '198.51.100.7', 5003, 53)),
            C(udp(c, '203.0.113.7', 5004, 53))]
