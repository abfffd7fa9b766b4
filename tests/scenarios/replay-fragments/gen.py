#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-fragments: UDP datagrams through the router
sent as IPv4 fragments (in order, out of order, one dropped by the
policy, one with a duplicate fragment, one never completed), then a
whole datagram after the incomplete queue expired (ipfrag_time=1)."""
from scapy.all import Ether, IP, UDP, Raw, wrpcap
from scapy.layers.inet import fragment

T0 = 1764064800.0


def dgram(src, dst, sport, dport, ipid, size=1400):
    return (Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') /
            IP(src=src, dst=dst, ttl=64, id=ipid) /
            UDP(sport=sport, dport=dport) / Raw(b'f' * size))


def at(t, p):
    p = p.copy()
    p.time = T0 + t
    return p


C, S = '10.0.0.7', '192.168.5.9'
d1 = fragment(dgram(C, S, 40000, 53, 100), fragsize=1000)   # 2 fragments
d2 = fragment(dgram(S, C, 53, 40000, 200), fragsize=480)    # 3 fragments
d3 = fragment(dgram(C, S, 40001, 22, 300), fragsize=1000)
d4 = fragment(dgram(C, S, 40002, 53, 400), fragsize=1000)
d5 = fragment(dgram(C, S, 40003, 53, 500), fragsize=1000)
assert len(d1) == 2 and len(d2) == 3

wrpcap('capture.pcap', [
    at(0.000, d1[0]), at(0.001, d1[1]),
    at(0.100, d2[2]), at(0.101, d2[0]), at(0.102, d2[1]),
    at(0.200, d3[0]), at(0.201, d3[1]),
    at(0.300, d4[0]), at(0.301, d4[0]), at(0.302, d4[1]),
    at(0.400, d5[0]),
    at(1.500, dgram(C, S, 40004, 53, 600, size=100)),
])
