#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""replay-reject: capture.pcap (what the router received) and
expected/accepted (the REJECT answers the kernel sends, built here by
hand from the kernel's rules, see README.md; never from ctfw's output).

Client 10.0.0.7 on eth0 (router 10.0.0.1), server 192.168.5.9 behind
eth1 (router 192.168.5.1). No TCP options; UDP carries 5 bytes."""
from decimal import Decimal
from scapy.all import Ether, IP, TCP, UDP, ICMP, Raw, wrpcap, PcapWriter

T0 = Decimal(1764064800)
C, R0, S = '10.0.0.7', '10.0.0.1', '192.168.5.9'


def tcp(src, dst, sport, dport, flags, seq, ack, ttl=64):
    return (IP(src=src, dst=dst, ttl=ttl, id=1) /
            TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                window=64240))


def udp(src, dst, sport, dport, ttl=64):
    return IP(src=src, dst=dst, ttl=ttl, id=1) / UDP(sport=sport,
                                                      dport=dport) / \
        Raw(b'hello')


def frame(t, ip):
    p = Ether(src='02:00:00:00:00:07', dst='02:00:00:00:00:01') / ip
    p.time = T0 + Decimal(t)
    return p


inp = [
    ('0.000', tcp(C, R0, 40000, 23, 'S', 1000, 0)),
    ('0.100', udp(C, R0, 40001, 69)),
    ('0.200', tcp(C, S, 40002, 81, 'S', 2000, 0)),
    ('0.300', udp(C, S, 40003, 82)),
    ('0.400', tcp(C, R0, 40004, 23, 'A', 3000, 7000)),
    ('0.500', tcp(C, R0, 40005, 23, 'R', 4000, 0)),
]
wrpcap('capture.pcap', [frame(t, ip) for t, ip in inp])


# nf_send_reset(): tos 0, id 0, DF, TTL 64, addresses and ports swapped,
# 20-byte TCP header, window 0; seq = offending ack and RST alone when
# the offending segment had ACK, else seq 0, ack = seq + SYN + FIN +
# payload length, RST|ACK.
def rst(src, dst, sport, dport, seq, ack, flags):
    return (IP(src=src, dst=dst, tos=0, id=0, flags='DF', ttl=64) /
            TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
                window=0))


# icmp_send(): tos (tos & 0x1e) | 0xc0, TTL 64, no DF; id 0 here (the
# kernel's ip_select_ident() value is not reproducible); the quote is
# the offending IP packet as the skb held it (TTL already decreased by
# ip_forward() for a forwarded packet).
def unreach(src, quoted):
    return (IP(src=src, dst=C, tos=0xc0, id=0, flags=0, ttl=64) /
            ICMP(type=3, code=3) / Raw(bytes(quoted)))


out = [
    ('0.000', rst(R0, C, 23, 40000, 0, 1001, 'RA')),
    ('0.100', unreach(R0, udp(C, R0, 40001, 69))),
    ('0.200', rst(S, C, 81, 40002, 0, 2001, 'RA')),
    ('0.300', unreach(R0, udp(C, S, 40003, 82, ttl=63))),
    ('0.400', rst(R0, C, 23, 40004, 7000, 0, 'R')),
]
w = PcapWriter('expected/accepted', linktype=101, nano=True, snaplen=262144,
               sync=True)
for t, ip in out:
    ip = IP(bytes(ip))
    ip.time = T0 + Decimal(t)
    w.write(ip)
w.close()
