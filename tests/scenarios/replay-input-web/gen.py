#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap: one HTTP exchange to the host 10.0.0.10, then a SYN to
port 22. No TCP options, so every length is plain: SYN/ACK/FIN 40 bytes
of IP, the request 50, the response 60."""
from scapy.all import Ether, IP, TCP, Raw, wrpcap

T0 = 1764064800.0
C, S = '10.0.0.7', '10.0.0.10'
CM, SM = '02:00:00:00:00:07', '02:00:00:00:00:0a'


def pkt(t, src, dst, sport, dport, flags, seq, ack, data=b''):
    up = src == C or src == '10.0.0.8'
    p = (Ether(src=CM if up else SM, dst=SM if up else CM) /
         IP(src=src, dst=dst, ttl=64, id=1) /
         TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
             window=64240))
    if data:
        p = p / Raw(data)
    p.time = T0 + t
    return p


pkts = [
    pkt(0.000, C, S, 40000, 80, 'S', 1000, 0),
    pkt(0.001, S, C, 80, 40000, 'SA', 5000, 1001),
    pkt(0.002, C, S, 40000, 80, 'A', 1001, 5001),
    pkt(0.003, C, S, 40000, 80, 'PA', 1001, 5001, b'GET / HTTP'),
    pkt(0.004, S, C, 80, 40000, 'PA', 5001, 1011, b'HTTP/1.1 200 OK\r\n\r\n!'),
    pkt(0.005, C, S, 40000, 80, 'FA', 1011, 5021),
    pkt(0.006, S, C, 80, 40000, 'FA', 5021, 1012),
    pkt(0.007, C, S, 40000, 80, 'A', 1012, 5022),
    pkt(1.000, '10.0.0.8', S, 40001, 22, 'S', 7000, 0),
]
wrpcap('capture.pcap', pkts)
