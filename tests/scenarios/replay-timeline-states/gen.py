#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-timeline-states: one connection in each of
several conntrack states (README.md), to 10.0.0.10. No TCP options."""
from scapy.all import Ether, IP, TCP, UDP, ICMP, wrpcap

T0 = 1764064800.0
S = '10.0.0.10'


def ip(t, src, dst, l4):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:0a') /
         IP(src=src, dst=dst, ttl=64, id=1) / l4)
    p.time = T0 + t
    return p


def tcp(t, src, dst, sport, dport, flags, seq, ack):
    return ip(t, src, dst, TCP(sport=sport, dport=dport, flags=flags,
                               seq=seq, ack=ack, window=64240))


c1, c2, c3, c4, c5, c6 = (f'10.0.0.{i}' for i in range(1, 7))
wrpcap('capture.pcap', [
    # .1: SYN, SYN-ACK, no final ACK.
    tcp(0.0, c1, S, 40000, 80, 'S', 100, 0),
    tcp(0.001, S, c1, 80, 40000, 'SA', 900, 101),
    # .2: a DNS query nobody answers.
    ip(0.1, c2, S, UDP(sport=5000, dport=53) / (b'q' * 12)),
    # .3: a DNS query and its answer.
    ip(0.2, c3, S, UDP(sport=5001, dport=53) / (b'q' * 12)),
    ip(0.201, S, c3, UDP(sport=53, dport=5001) / (b'a' * 12)),
    # .4: a ping nobody answers.
    ip(0.3, c4, S, ICMP(type=8, id=7, seq=1)),
    # .5: a handshake, then the server closes first.
    tcp(0.6, c5, S, 40000, 80, 'S', 100, 0),
    tcp(0.601, S, c5, 80, 40000, 'SA', 900, 101),
    tcp(0.602, c5, S, 40000, 80, 'A', 101, 901),
    tcp(0.7, S, c5, 80, 40000, 'FA', 901, 101),
    tcp(0.701, c5, S, 40000, 80, 'FA', 101, 902),
    tcp(0.702, S, c5, 80, 40000, 'A', 902, 102),
    # .6: a SYN to port 22, dropped by the policy.
    tcp(0.8, c6, S, 40001, 22, 'S', 100, 0),
])
