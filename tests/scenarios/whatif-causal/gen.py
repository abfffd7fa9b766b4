#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for whatif-causal (and whatif-table): four complete
handshakes to 10.0.0.10:80 (clients .1 to .4, 0.1 s apart), a fifth
client .21 whose handshake completes at +1.0 s, and a SYN from .22 to
port 22 at +1.1 s that nobody answers. No TCP options; 54-byte frames."""
from scapy.all import Ether, IP, TCP, wrpcap

T0 = 1764064800.0
S = '10.0.0.10'


def seg(t, src, dst, sport, dport, flags, seq, ack):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:0a') /
         IP(src=src, dst=dst, ttl=64, id=1) /
         TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
             window=64240))
    p.time = T0 + t
    return p


def handshake(t, c):
    return [seg(t, c, S, 40000, 80, 'S', 100, 0),
            seg(t + 0.001, S, c, 80, 40000, 'SA', 900, 101),
            seg(t + 0.002, c, S, 40000, 80, 'A', 101, 901)]


pkts = []
for i in range(4):
    pkts += handshake(0.1 * i, f'10.0.0.{i + 1}')
pkts += handshake(1.0, '10.0.0.21')
pkts += [seg(1.1, '10.0.0.22', S, 40001, 22, 'S', 100, 0)]
wrpcap('capture.pcap', pkts)
