# To the host: the first fragment of a UDP datagram whose rest never
# comes (the queue expires after net.ipv4.ipfrag_time = 2 s), then a
# datagram in two fragments that completes.
from flows import *
from scapy.layers.inet import fragment


def steps(a):
    c, h = a.client_ip, a.host_ip
    lost = fragment(ip_header(c, h, df=False) / UDP(sport=47600, dport=9) /
                    Raw(b'l' * 1200), fragsize=800)
    whole = fragment(ip_header(c, h, df=False) / UDP(sport=47601, dport=9) /
                     Raw(b'w' * 1200), fragsize=800)
    return [C(lost[0]), wait(3.0), C(whole[0]), C(whole[1]), wait(0.3)]
