# UDP with length 200 but 13 bytes; with length 4; with checksum 0.
from flows import *


def steps(a):
    c, s = a.client_ip, a.server_ip
    return [C(ip_header(c, s) / UDP(sport=46700, dport=53, len=200) /
              Raw(b'hello')),
            C(ip_header(c, s) / UDP(sport=46701, dport=53, len=4) /
              Raw(b'hello')),
            C(ip_header(c, s) / UDP(sport=46702, dport=53, chksum=0) /
              Raw(b'hello'))]
