# The client side of gen.pcap, made by `ctfw gen` (see case.ini), injected
# back to back; the host answers with its own TCP stack (nothing listens:
# RSTs) and the ruleset's REJECTs. Then a ping.
import os

from flows import *
from scapy.utils import rdpcap

HERE = os.path.dirname(os.path.abspath(__file__))


def steps(a):
    out = []
    for p in rdpcap(os.path.join(HERE, 'gen.pcap')):
        if IP in p and p[IP].src == '10.199.1.2':
            out.append(C(IP(bytes(p[IP]))))
    out.append(C(icmp_echo(a.client_ip, a.host_ip, 0x0b0b, 1)))
    out.append(wait(0.3))
    return out
