# SPDX-License-Identifier: GPL-2.0-or-later
"""Frames for the policy_* scenarios' gen.py scripts (how their small
checked-in captures were made): one client-side MAC pair, IP id 1, TTL 64,
times from one base, the server 10.0.0.10."""
from scapy.all import Ether, IP, UDP, TCP, Raw, wrpcap

T0 = 1764064800.0
S = '10.0.0.10'


def _frame(t, l3):
    p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:0a') / l3
    p.time = T0 + t
    return p


def dgram(t, src, dst, sport, dport):
    """A UDP datagram with 20 bytes of payload (a 62-byte frame)."""
    return _frame(t, IP(src=src, dst=dst, ttl=64, id=1) /
                  UDP(sport=sport, dport=dport) / Raw(b'q' * 20))


def seg(t, src, dst, sport, dport, flags, seq, ack, data=b''):
    """A TCP segment without options (54 bytes plus its data)."""
    p = IP(src=src, dst=dst, ttl=64, id=1) / \
        TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
            window=64240)
    if data:
        p = p / Raw(data)
    return _frame(t, p)


def exchange(t, c, sport, second=2.5):
    """Request, the reply 10 ms later, a second request: ASSURED."""
    return [dgram(t, c, S, sport, 53), dgram(t + 0.01, S, c, 53, sport),
            dgram(t + second, c, S, sport, 53)]


def handshake(t, c, sport):
    """SYN, the server's SYN-ACK 10 ms later, the ACK 10 ms after."""
    return [seg(t, c, S, sport, 80, 'S', 100, 0),
            seg(t + 0.01, S, c, 80, sport, 'SA', 900, 101),
            seg(t + 0.02, c, S, sport, 80, 'A', 101, 901)]


def write(pkts, path='capture.pcap'):
    pkts.sort(key=lambda p: p.time)
    wrpcap(path, pkts)
