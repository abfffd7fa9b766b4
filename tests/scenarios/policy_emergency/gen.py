#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_emergency (README.md): four UDP exchanges to
10.0.0.10:53 that become ASSURED (request, reply 10 ms later, a second
request 2.5 s after the first), from 198.51.100.1 to .4, 0.1 s apart;
then a fifth client, .5, at +20 s. Every frame is 62 bytes (20-byte
payload)."""
from scapy.all import Ether, IP, UDP, Raw, wrpcap

T0 = 1764064800.0
S = '10.0.0.10'


def dgram(t, src, dst, sport, dport):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:0a') /
         IP(src=src, dst=dst, ttl=64, id=1) /
         UDP(sport=sport, dport=dport) / Raw(b'q' * 20))
    p.time = T0 + t
    return p


def exchange(t, c, sport, second=2.5):
    return [dgram(t, c, S, sport, 53), dgram(t + 0.01, S, c, 53, sport),
            dgram(t + second, c, S, sport, 53)]


pkts = []
for i in range(4):
    pkts += exchange(0.1 * i, f'198.51.100.{i + 1}', 1001 + i)
pkts += exchange(20.0, '198.51.100.5', 1005, second=0.02)
pkts.sort(key=lambda p: p.time)
wrpcap('capture.pcap', pkts)
