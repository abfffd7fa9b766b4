#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for whatif-retry: client .1 sends a SYN to
10.0.0.10:80 at +0 s and retransmits it at +1 s; the server answers the
retransmission and the handshake completes (+1.001, +1.002). Client .2
sends a SYN to port 22 at +2 s and the server answers with a RST (+2.001).
No TCP options; 54-byte frames."""
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


c1, c2 = '10.0.0.1', '10.0.0.2'
wrpcap('capture.pcap', [
    seg(0.0, c1, S, 40000, 80, 'S', 100, 0),
    seg(1.0, c1, S, 40000, 80, 'S', 100, 0),
    seg(1.001, S, c1, 80, 40000, 'SA', 900, 101),
    seg(1.002, c1, S, 40000, 80, 'A', 101, 901),
    seg(2.0, c2, S, 40001, 22, 'S', 100, 0),
    seg(2.001, S, c2, 22, 40001, 'RA', 0, 101),
])
