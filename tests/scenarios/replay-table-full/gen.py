#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-table-full: four complete handshakes to
10.0.0.10:80 (clients .1 to .4, 0.1 s apart), then SYNs from .21 at
+1.0 s and .22 at +1.1 s. No TCP options."""
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


pkts = []
for i in range(4):
    c, t = f'10.0.0.{i + 1}', 0.1 * i
    pkts += [seg(t, c, S, 40000, 80, 'S', 100, 0),
             seg(t + 0.001, S, c, 80, 40000, 'SA', 900, 101),
             seg(t + 0.002, c, S, 40000, 80, 'A', 101, 901)]
pkts += [seg(1.0, '10.0.0.21', S, 40000, 80, 'S', 100, 0),
         seg(1.1, '10.0.0.22', S, 40000, 80, 'S', 100, 0)]
wrpcap('capture.pcap', pkts)
