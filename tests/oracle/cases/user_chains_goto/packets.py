# Echo request client->server: A, goto B, RETURN -> back in FORWARD after
# the jump to A (A's LOG rule skipped) -> ACCEPT. Echo reply: accepted in
# A. Echo request server->client: goto B, DROP. A second request from the
# client: ACCEPT again.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(icmp_echo(c, s, 0x0c01, 1)),
            S(icmp_echo(s, c, 0x0c01, 1, reply=True)),
            S(icmp_echo(s, c, 0x0c02, 1)),
            C(icmp_echo(c, s, 0x0c01, 2))]
