#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-loopback: `ping -c 1 127.0.0.1` as
`tcpdump -i lo` sees it (Ethernet with zero addresses): the request and
the reply, each once."""
from scapy.all import Ether, IP, ICMP, Raw, wrpcap

T0 = 1764064800.0


def icmp(t, typ):
    p = (Ether(src='00:00:00:00:00:00', dst='00:00:00:00:00:00') /
         IP(src='127.0.0.1', dst='127.0.0.1', ttl=64, id=1) /
         ICMP(type=typ, id=7, seq=1) / Raw(bytes(range(56))))
    p.time = T0 + t
    return p


wrpcap('capture.pcap', [icmp(0.0, 8), icmp(0.0001, 0)])
