#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_exempt (README.md): four UDP exchanges to
10.0.0.10:53 that become ASSURED (as policy_adaptive's: 62-byte frames,
198.51.100.1 to .4, 0.1 s apart, second request 2.5 s later); then at
+10 s an ssh session from 198.51.100.9:40000 to 10.0.0.10:22: SYN,
SYN-ACK, ACK, 40 bytes of data, the server's ACK (10 ms apart; 54-byte
frames, the data one 94)."""
from scapy.all import Ether, IP, UDP, TCP, Raw, wrpcap

T0 = 1764064800.0
S = '10.0.0.10'
A = '198.51.100.9'


def dgram(t, src, dst, sport, dport):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:0a') /
         IP(src=src, dst=dst, ttl=64, id=1) /
         UDP(sport=sport, dport=dport) / Raw(b'q' * 20))
    p.time = T0 + t
    return p


def seg(t, src, dst, sport, dport, flags, seq, ack, data=b''):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:0a') /
         IP(src=src, dst=dst, ttl=64, id=1) /
         TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
             window=64240))
    if data:
        p = p / Raw(data)
    p.time = T0 + t
    return p


pkts = []
for i in range(4):
    c = f'198.51.100.{i + 1}'
    t = 0.1 * i
    pkts += [dgram(t, c, S, 1001 + i, 53), dgram(t + 0.01, S, c, 53, 1001 + i),
             dgram(t + 2.5, c, S, 1001 + i, 53)]
pkts += [seg(10.00, A, S, 40000, 22, 'S', 100, 0),
         seg(10.01, S, A, 22, 40000, 'SA', 900, 101),
         seg(10.02, A, S, 40000, 22, 'A', 101, 901),
         seg(10.03, A, S, 40000, 22, 'PA', 101, 901, b's' * 40),
         seg(10.04, S, A, 22, 40000, 'A', 901, 141)]
pkts.sort(key=lambda p: p.time)
wrpcap('capture.pcap', pkts)
