#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for policy_overload (README.md): 198.51.100.66 completes
three TCP handshakes with 10.0.0.10:80 (ports 2001-2003 at +0.0, +0.1,
+0.2 s: SYN, the server's SYN-ACK 10 ms later, the ACK 10 ms after),
sends a fourth SYN (port 2004) at +0.5 s, and 198.51.100.7 completes a
handshake at +1.0 s. No TCP options, no data: 54-byte frames."""
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


def handshake(t, c, sport):
    return [seg(t, c, S, sport, 80, 'S', 100, 0),
            seg(t + 0.01, S, c, 80, sport, 'SA', 900, 101),
            seg(t + 0.02, c, S, sport, 80, 'A', 101, 901)]


pkts = []
for i in range(3):
    pkts += handshake(0.1 * i, '198.51.100.66', 2001 + i)
pkts += [seg(0.5, '198.51.100.66', S, 2004, 80, 'S', 100, 0)]
pkts += handshake(1.0, '198.51.100.7', 1007)
pkts.sort(key=lambda p: p.time)
wrpcap('capture.pcap', pkts)
