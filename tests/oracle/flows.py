# SPDX-License-Identifier: GPL-2.0-or-later
"""Packet builders for oracle cases (scapy), so a case's packets.py reads
as the conversation it describes.

    from flows import *
    def steps(a):                  # a = netns.Addr
        f = TcpFlow(a.client_ip, a.server_ip, 40000, 80)
        return [C(f.syn()), snap('syn'), S(f.synack()), ...]

C(pkt)/S(pkt) inject from the client/server side, wait(s) sleeps on the
real clock (the kernel's timeouts run on it), snap(name) records
`conntrack -L` at that point (ctfw is then run on the capture prefix up to
there), run(...) starts a program in a namespace (host topology).

IP ids are deterministic (a counter per flow), so the LOG line `ID=` field
and the per-packet matching of captures are reproducible.
"""
from scapy.layers.inet import IP, TCP, UDP, ICMP
from scapy.layers.inet6 import (IPv6, ICMPv6EchoRequest, ICMPv6EchoReply,
                                ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr)
from scapy.packet import Raw

from netns import Burst, Pkt, Run, Snap, Wait

__all__ = ['C', 'S', 'burst', 'udp_flows', 'wait', 'snap', 'run',
           'TcpFlow', 'udp', 'icmp_echo', 'icmp_error', 'http_server',
           'curl', 'ip_header', 'icmp6_echo', 'icmp6_ns', 'IPv6', 'IP',
           'TCP', 'UDP', 'ICMP', 'Raw']

_ip_id = [0x1000]


def reset():
    _ip_id[0] = 0x1000


def next_id():
    _ip_id[0] = (_ip_id[0] + 1) & 0xffff
    return _ip_id[0]


def ip_header(src, dst, df=True):
    """IPv4 (deterministic id, DF) or IPv6 header, by address family."""
    if ':' in src:
        return IPv6(src=src, dst=dst, hlim=64)
    return IP(src=src, dst=dst, id=next_id(), flags='DF' if df else 0,
              ttl=64)


def C(pkt, gap=None):
    return Pkt('client', pkt, gap)


def S(pkt, gap=None):
    return Pkt('server', pkt, gap)


def burst(side, packets):
    """Send ready-made IP packets (bytes) back to back from a side."""
    return Burst(side, packets)


def udp_flows(src, dst, sports, dport, payload=b'x'):
    """Many one-packet UDP flows as raw IP bytes, fast: one template whose
    source port is patched (UDP checksum 0 = none, valid for IPv4; the IP
    header, and so its checksum, is the same for all)."""
    t = bytearray(bytes(IP(src=src, dst=dst, id=next_id(), flags='DF',
                           ttl=64) /
                        UDP(sport=1, dport=dport, chksum=0) / Raw(payload)))
    out = []
    for sp in sports:
        t[20:22] = sp.to_bytes(2, 'big')
        out.append(bytes(t))
    return out


def wait(seconds):
    return Wait(seconds)


def snap(name):
    return Snap(name)


def run(role, argv, **kw):
    return Run(role, argv, **kw)


SYN_OPTS = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1000, 0)),
            ('NOP', None), ('WScale', 7)]


class TcpFlow:
    """One TCP connection between client c:sport and server s:dport with
    sequence numbers kept consistent. Methods return IP packets; c2s()
    style direction is chosen by the `frm` argument ('c' or 's')."""

    def __init__(self, c, s, sport, dport, isn_c=1000000, isn_s=5000000,
                 win=64240, opts=True, server_view=None):
        self.ep = {'c': (c, sport), 's': (s, dport)}
        # NAT: the server sees the connection translated, so it answers
        # from and to other addresses/ports than the client used:
        # server_view = (client addr, client port, server addr, server
        # port) as the server sees them (its packets go from the last two
        # to the first two).
        self.sview = server_view
        self.nxt = {'c': isn_c, 's': isn_s}   # next seq each side sends
        self.win = win
        self.opts = opts

    def _pkt(self, frm, flags, seq=None, ack=None, payload=b'', opts=None,
             win=None, ip_flags='DF'):
        to = 's' if frm == 'c' else 'c'
        (src, sport), (dst, dport) = self.ep[frm], self.ep[to]
        if frm == 's' and self.sview:
            dst, dport, src, sport = self.sview
        p = (ip_header(src, dst, df=ip_flags == 'DF') /
             TCP(sport=sport, dport=dport, flags=flags,
                 seq=self.nxt[frm] if seq is None else seq,
                 ack=(self.nxt[to] if 'A' in flags else 0)
                 if ack is None else ack,
                 window=self.win if win is None else win,
                 options=opts or []))
        if payload:
            p = p / Raw(payload)
        return p

    def syn(self, frm='c'):
        p = self._pkt(frm, 'S', opts=SYN_OPTS if self.opts else None)
        self.nxt[frm] += 1
        return p

    def resend_syn(self, frm='c'):
        """Same SYN again (retransmission)."""
        self.nxt[frm] -= 1
        return self.syn(frm)

    def synack(self, frm='s'):
        p = self._pkt(frm, 'SA', opts=SYN_OPTS if self.opts else None)
        self.nxt[frm] += 1
        return p

    def ack(self, frm='c', **kw):
        return self._pkt(frm, 'A', **kw)

    def data(self, frm='c', n=100, flags='PA'):
        p = self._pkt(frm, flags, payload=b'x' * n)
        self.nxt[frm] += n
        return p

    def fin(self, frm='c'):
        p = self._pkt(frm, 'FA')
        self.nxt[frm] += 1
        return p

    def rst(self, frm='c', flags='R', seq=None):
        return self._pkt(frm, flags, seq=seq,
                         ack=None if 'A' in flags else 0)

    def raw(self, frm, flags, **kw):
        """Any packet with explicit fields (state is not advanced)."""
        return self._pkt(frm, flags, **kw)


def udp(src, dst, sport, dport, payload=b'hello'):
    return ip_header(src, dst) / \
        UDP(sport=sport, dport=dport) / Raw(payload)


def icmp_echo(src, dst, ident=0x0b1d, seq=1, reply=False, payload=None):
    payload = payload if payload is not None else bytes(range(56))
    return IP(src=src, dst=dst, id=next_id(), ttl=64) / \
        ICMP(type=0 if reply else 8, id=ident, seq=seq) / Raw(payload)


def icmp6_echo(src, dst, ident=0x0b1d, seq=1, reply=False):
    cls = ICMPv6EchoReply if reply else ICMPv6EchoRequest
    return IPv6(src=src, dst=dst, hlim=64) / \
        cls(id=ident, seq=seq, data=bytes(range(56)))


def icmp6_ns(src, target, src_mac):
    """Neighbour solicitation for `target` to its solicited-node group."""
    import ipaddress
    t = ipaddress.IPv6Address(target).packed
    group = 'ff02::1:ff%02x:%02x%02x' % (t[13], t[14], t[15])
    return IPv6(src=src, dst=group, hlim=255) / ICMPv6ND_NS(tgt=target) / \
        ICMPv6NDOptSrcLLAddr(lladdr=src_mac)


def icmp_error(src, dst, quoted, type_=3, code=3):
    """ICMP error from src to dst quoting the IP packet `quoted` (as sent,
    header + first 8 bytes of payload, as a router would)."""
    inner = bytes(quoted)
    ihl = (inner[0] & 0x0f) * 4
    return IP(src=src, dst=dst, id=next_id(), ttl=64) / \
        ICMP(type=type_, code=code) / Raw(inner[:ihl + 8])


_TINYHTTP = __import__('os').path.join(
    __import__('os').path.dirname(__import__('os').path.abspath(__file__)),
    'tinyhttp.py')


def http_server(role='host', addr='10.199.1.1', port=80):
    """Start tinyhttp.py in a namespace and wait until it listens."""
    return Run(role, ['/usr/bin/python3', _TINYHTTP, addr, str(port)],
               name='http_server', background=True, ready_port=port)


def curl(url, max_time=2, role='client', name='curl'):
    """curl in the client namespace (exit status checked by `run NAME rc`).
    --max-time bounds the case; 28 = timed out."""
    return Run(role, ['curl', '-s', '-o', '/dev/null', '--max-time',
                      str(max_time), url], name=name,
               timeout=max_time + 10)
