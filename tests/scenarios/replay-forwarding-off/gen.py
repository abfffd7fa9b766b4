#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-forwarding-off: two SYNs to the router's own
addresses (one per interface), then a SYN from the client subnet to a
server behind the router and the server's SYN-ACK. No TCP options:
every packet is 40 bytes of IP in a 54-byte Ethernet frame."""
from scapy.all import Ether, IP, TCP, wrpcap

T0 = 1764064800.0


def seg(t, src, dst, sport, dport, flags, seq, ack):
    p = (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') /
         IP(src=src, dst=dst, ttl=64, id=1) /
         TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
             window=64240))
    p.time = T0 + t
    return p


wrpcap('capture.pcap', [
    seg(0.000, '10.0.0.7', '10.0.0.1', 40001, 22, 'S', 100, 0),
    seg(0.100, '10.0.0.7', '192.168.5.1', 40002, 22, 'S', 200, 0),
    seg(0.500, '10.0.0.7', '192.168.5.9', 40000, 443, 'S', 300, 0),
    seg(0.600, '192.168.5.9', '10.0.0.7', 443, 40000, 'SA', 900, 301),
])

# expected/dropped (-w): the input frames that were dropped, unchanged,
# in the capture's link type (Ethernet), with nanosecond timestamps:
# packets 3 and 4 (forwarding off).
from decimal import Decimal
from scapy.all import PcapWriter, rdpcap

w = PcapWriter('expected/dropped', linktype=1, nano=True, snaplen=262144,
               sync=True)
for t, p in zip(('0.5', '0.6'), rdpcap('capture.pcap')[2:]):
    p.time = Decimal(1764064800) + Decimal(t)
    w.write(p)
w.close()
