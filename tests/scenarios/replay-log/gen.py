#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""capture.pcap for replay-log: a SYN to the router's ssh, then through
the router a SYN to 80 (DSCP EF), a DNS-sized UDP datagram, a ping and a
SYN to 443. No TCP options; IP ids 1..5."""
from scapy.all import Ether, IP, TCP, UDP, ICMP, Raw, wrpcap

T0 = 1764064800.0
C, R0, S = '10.0.0.7', '10.0.0.1', '192.168.5.9'


def frame(t, ip):
    p = Ether(src='02:00:00:00:00:07', dst='02:00:00:00:00:01') / ip
    p.time = T0 + t
    return p


def syn(dst, sport, dport, ident, seq, tos=0):
    return (IP(src=C, dst=dst, ttl=64, id=ident, flags='DF', tos=tos) /
            TCP(sport=sport, dport=dport, flags='S', seq=seq,
                window=64240))


wrpcap('capture.pcap', [
    frame(0.0, syn(R0, 40000, 22, 1, 1000)),
    frame(0.1, syn(S, 40001, 80, 2, 2000, tos=0xb8)),
    frame(0.2, IP(src=C, dst=S, ttl=64, id=3, flags='DF') /
          UDP(sport=40002, dport=53) / Raw(b'hello')),
    frame(0.3, IP(src=C, dst=S, ttl=64, id=4) /
          ICMP(type=8, id=0x0c0c, seq=7) / Raw(b'\x00' * 56)),
    frame(0.4, syn(S, 40003, 443, 5, 5000)),
])

# expected/accepted: what left the router (docs/replay.md, --accepted):
# the four forwarded packets as ip_forward() sends them, TTL 63 and the
# IPv4 header checksum recomputed (an incremental update gives the same
# 16 bits); the SYN to the router's own ssh (packet 1) is delivered
# locally and never leaves. LINKTYPE_RAW, nanosecond timestamps.
from decimal import Decimal
from scapy.all import PcapWriter, rdpcap

w = PcapWriter('expected/accepted', linktype=101, nano=True,
               snaplen=262144, sync=True)
for i, p in enumerate(rdpcap('capture.pcap')[1:], 1):
    ip = p[IP].copy()
    ip.ttl = 63
    del ip.chksum
    ip = IP(bytes(ip))
    ip.time = Decimal(1764064800) + Decimal(i) / 10
    w.write(ip)
w.close()
