#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-router: a handshake through the router, a SYN
from the server side, and a SYN to an address the router has no route
for. No TCP options: every packet is 40 bytes of IP."""
from scapy.all import Ether, IP, TCP, wrpcap

T0 = 1764064800.0


def syn(t, src, dst, sport, dport, flags, seq, ack):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') /
         IP(src=src, dst=dst, ttl=64, id=1) /
         TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
             window=64240))
    p.time = T0 + t
    return p


wrpcap('capture.pcap', [
    syn(0.000, '10.0.0.7', '192.168.5.9', 40000, 443, 'S', 100, 0),
    syn(0.001, '192.168.5.9', '10.0.0.7', 443, 40000, 'SA', 900, 101),
    syn(0.002, '10.0.0.7', '192.168.5.9', 40000, 443, 'A', 101, 901),
    syn(0.500, '192.168.5.9', '10.0.0.7', 40000, 22, 'S', 300, 0),
    syn(0.600, '10.0.0.7', '8.8.8.8', 40001, 80, 'S', 500, 0),
])
