#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the decoder's capture corpus: one small file per case.

Usage: gen_captures.py OUTDIR

Frames are built with scapy (Debian python3-scapy) and written by the
small pcap/pcapng writers below, so that every link type, caplen/wirelen
pair, nanosecond magic and pcapng block is exactly what the test wants.
The files are made at test time (tests/decode/compare_tshark.py) and are
not checked in. Each file name says what it covers.
"""
import os
import struct
import sys

from scapy.all import (ARP, DNS, DNSQR, GRE, ICMP, IP, TCP, UDP, Dot1AD,
                       Dot1Q, Ether, IPOption_Router_Alert, IPOption_RR,
                       IPOption_Timestamp, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, PPP, PPPoE, fragment,
                       raw)
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoReply,
                                ICMPv6EchoRequest, ICMPv6ND_NA,
                                ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
                                ICMPv6PacketTooBig, ICMPv6ParamProblem,
                                ICMPv6TimeExceeded, fragment6)
from scapy.layers.ipsec import AH
from scapy.layers.sctp import SCTP, SCTPChunkInit

LINKTYPE = {'null': 0, 'eth': 1, 'ppp': 9, 'raw12': 12, 'raw': 101,
            'loop': 108, 'sll': 113, 'ipv4': 228, 'ipv6': 229,
            'sll2': 276}

A4, B4 = '192.0.2.1', '198.51.100.2'
A6, B6 = '2001:db8::1', '2001:db8:0:1::2'
MACS = {'src': '02:00:00:00:00:01', 'dst': '02:00:00:00:00:02'}

SYN_OPTS = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1000, 0)),
            ('NOP', None), ('WScale', 7)]


def write_pcap(path, linktype, frames, nano=False, snaplen=65535):
    """frames: bytes, or (bytes, wirelen) for a record cut short."""
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', magic, 2, 4, 0, 0, snaplen,
                            linktype))
        for i, fr in enumerate(frames):
            data, wire = (fr, len(fr)) if isinstance(fr, bytes) else fr
            data = data[:snaplen]
            sub = (123456789 + i) if nano else (123456 + i)
            f.write(struct.pack('<IIII', 1700000000 + i, sub, len(data),
                                wire))
            f.write(data)


def write_pcapng(path, linktype, frames):
    """One section, one interface with if_tsresol 9 (nanoseconds)."""
    def block(btype, body):
        pad = (-len(body)) % 4
        n = 12 + len(body) + pad
        return (struct.pack('<II', btype, n) + body + b'\0' * pad +
                struct.pack('<I', n))
    shb = block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))
    opts = struct.pack('<HHB3x', 9, 1, 9) + struct.pack('<HH', 0, 0)
    idb = block(1, struct.pack('<HHI', linktype, 0, 0) + opts)
    out = [shb, idb]
    for i, fr in enumerate(frames):
        ts = (1700000000 + i) * 10**9 + 987654321
        pad = (-len(fr)) % 4
        body = struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff,
                           len(fr), len(fr)) + fr + b'\0' * pad
        out.append(block(6, body))
    with open(path, 'wb') as f:
        f.write(b''.join(out))


def eth(p):
    if isinstance(p, bytes):
        # Raw bytes (deliberately broken headers): type from the version.
        return raw(Ether(type=0x86dd if p[0] >> 4 == 6 else 0x0800,
                         **MACS) / p)
    return raw(Ether(**MACS) / p)


def tcp_flow4():
    """A handshake with the options Linux sends, data, FIN, RST."""
    return [
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=80, flags='S',
                                 seq=1000, options=SYN_OPTS),
        IP(src=B4, dst=A4) / TCP(sport=80, dport=40000, flags='SA',
                                 seq=5000, ack=1001, options=SYN_OPTS),
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=80, flags='A',
                                 seq=1001, ack=5001,
                                 options=[('NOP', None), ('NOP', None),
                                          ('Timestamp', (1001, 77))]),
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=80, flags='PA',
                                 seq=1001, ack=5001) / (b'GET / HTTP/1.0'
                                                        b'\r\n\r\n'),
        IP(src=B4, dst=A4) / TCP(sport=80, dport=40000, flags='FA',
                                 seq=5001, ack=1019),
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=80, flags='R',
                                 seq=1019, ack=0),
        IP(src=A4, dst=B4) / TCP(sport=40000, dport=80, flags='FSRPAUEC',
                                 seq=4294967295, ack=4294967295),
    ]


def basic4():
    return tcp_flow4() + [
        IP(src=A4, dst=B4) / UDP(sport=5353, dport=53) /
        DNS(qd=DNSQR(qname='example.com')),
        IP(src=A4, dst=B4) / ICMP(type=8, id=77, seq=1) / (b'x' * 32),
        IP(src=B4, dst=A4) / ICMP(type=0, id=77, seq=1) / (b'x' * 32),
        IP(src=A4, dst=B4, proto=89) / (b'\0' * 24),        # OSPF
    ]


def basic6():
    return [
        IPv6(src=A6, dst=B6) / TCP(sport=40001, dport=443, flags='S',
                                   seq=7, options=SYN_OPTS),
        IPv6(src=B6, dst=A6) / TCP(sport=443, dport=40001, flags='SA',
                                   seq=9, ack=8),
        IPv6(src=A6, dst=B6) / UDP(sport=546, dport=547) / b'hello',
        IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=5, seq=6),
        IPv6(src='::ffff:192.0.2.7', dst='::1') / UDP(sport=1, dport=2),
    ]


def cases():
    """(file name, link type name, frames[, writer options])."""
    c = []
    l3 = basic4() + basic6()
    c.append(('eth_basic.pcap', 'eth', [eth(p) for p in l3]))
    # Not IP: ARP, and an LLDP-like unknown ethertype.
    c.append(('eth_not_ip.pcap', 'eth',
              [eth(ARP(psrc=A4, pdst=B4)),
               raw(Ether(type=0x88cc, **MACS) / (b'\0' * 46))]))
    # 802.1Q, 802.1ad QinQ, the pre-standard 0x9100 outer tag, 3 tags.
    v = []
    for p in basic4()[:4] + basic6()[:2]:
        v.append(raw(Ether(**MACS) / Dot1Q(vlan=100) / p))
        v.append(raw(Ether(type=0x88a8, **MACS) / Dot1AD(vlan=200) /
                     Dot1Q(vlan=2001) / p))
        v.append(raw(Ether(type=0x9100, **MACS) /
                     Dot1Q(vlan=300, type=0x8100) /
                     Dot1Q(vlan=301) / p))
    v.append(raw(Ether(**MACS) / Dot1Q(vlan=1) / Dot1Q(vlan=2) /
                 Dot1Q(vlan=3) /
                 basic4()[0]))
    c.append(('eth_vlan_qinq.pcap', 'eth', v))
    # Cooked captures: v1 keeps the direction, v2 also the ifindex.
    sll, sll2 = [], []
    for i, p in enumerate(l3):
        b = raw(p)
        proto = 0x0800 if b[0] >> 4 == 4 else 0x86dd
        pkttype = i % 5
        sll.append(struct.pack('>HHH8sH', pkttype, 1, 6,
                               b'\x02\0\0\0\0\x01\0\0', proto) + b)
        sll2.append(struct.pack('>HHIHBB8s', proto, 0, 2 + i % 3, 1,
                                pkttype, 6, b'\x02\0\0\0\0\x01\0\0') + b)
    c.append(('linux_sll.pcap', 'sll', sll))
    c.append(('linux_sll2.pcap', 'sll2', sll2))
    # Raw IP link types.
    c.append(('raw101.pcap', 'raw', [raw(p) for p in l3]))
    c.append(('raw12.pcap', 'raw12', [raw(p) for p in l3]))
    c.append(('raw228_ipv4.pcap', 'ipv4', [raw(p) for p in basic4()]))
    c.append(('raw229_ipv6.pcap', 'ipv6', [raw(p) for p in basic6()]))
    # BSD loopback: NULL in little-endian host order, every AF_INET6.
    nul, loop = [], []
    for p in basic4():
        nul.append(struct.pack('<I', 2) + raw(p))
        loop.append(struct.pack('>I', 2) + raw(p))
    for af in (24, 28, 30):
        for p in basic6():
            nul.append(struct.pack('<I', af) + raw(p))
            loop.append(struct.pack('>I', af) + raw(p))
    c.append(('null_loopback.pcap', 'null', nul))
    c.append(('loop_openbsd.pcap', 'loop', loop))
    # PPP link and PPPoE sessions.
    ppp = [b'\xff\x03\x00\x21' + raw(p) for p in basic4()]
    ppp += [b'\xff\x03\x00\x57' + raw(p) for p in basic6()]
    ppp.append(b'\x21' + raw(basic4()[0]))   # protocol field compressed
    c.append(('ppp.pcap', 'ppp', ppp))
    pppoe = [raw(Ether(**MACS) / PPPoE(sessionid=0x1234) / PPP(proto=0x21) / p)
             for p in basic4()]
    pppoe += [raw(Ether(**MACS) / PPPoE(sessionid=0x1234) /
                  PPP(proto=0x57) / p)
              for p in basic6()]
    c.append(('eth_pppoe.pcap', 'eth', pppoe))
    # IPv4 options: record route, timestamp, router alert, and broken.
    opt = [
        IP(src=A4, dst=B4, options=[IPOption_RR(routers=['10.0.0.1'])]) /
        UDP(sport=1, dport=2),
        IP(src=A4, dst=B4, options=[IPOption_Timestamp(flg=0)]) /
        TCP(sport=3, dport=4),
        IP(src=A4, dst=B4, options=[IPOption_Router_Alert()]) /
        ICMP(type=8),
        IP(src=A4, dst=B4, options=[b'\x01\x01\x07\x02']) /
        UDP(sport=5, dport=6),                       # RR length 2
        IP(src=A4, dst=B4, options=[b'\x44\x10\x05\x00']) /
        UDP(sport=7, dport=8),                       # TS length > room
    ]
    c.append(('ipv4_options.pcap', 'eth', [eth(p) for p in opt]))
    # IPv4 fragments: UDP and TCP split in 3, plus a lone later one.
    fr = []
    big = IP(src=A4, dst=B4, id=4242) / UDP(sport=1111, dport=2222) / \
        (b'u' * 1200)
    fr += fragment(big, fragsize=512)
    big = IP(src=A4, dst=B4, id=4343) / TCP(sport=3333, dport=4444,
                                             flags='PA') / (b't' * 1000)
    fr += fragment(big, fragsize=400)
    fr.append(IP(src=A4, dst=B4, proto=6, frag=100, flags=0) / (b'z' * 8))
    c.append(('ipv4_fragments.pcap', 'eth', [eth(p) for p in fr]))
    # IPv6 extension headers: the full chain, fragments, ESP, none.
    six = [
        IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrRouting(addresses=['2001:db8::99']) /
        IPv6ExtHdrFragment(offset=0, m=0, id=0xabcdef) /
        AH(spi=1, seq=2, icv=b'\0' * 12, nh=6, payloadlen=4) /
        TCP(sport=1, dport=2, flags='S', options=SYN_OPTS),
        IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() /
        UDP(sport=3, dport=4),
        IPv6(src=A6, dst=B6) / IPv6ExtHdrRouting(type=2,
                                                 addresses=['::2']) /
        ICMPv6EchoRequest(),
        IPv6(src=A6, dst=B6, nh=50) / (b'\0\0\0\x01\0\0\0\x02' + b'e' * 24),
        IPv6(src=A6, dst=B6, nh=59),
        IPv6(src=A6, dst=B6) / IPv6ExtHdrDestOpt(nh=59),
    ]
    big = IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=77) / \
        UDP(sport=5, dport=6) / (b'f' * 1400)
    six += list(fragment6(big, 600))
    c.append(('ipv6_ext_headers.pcap', 'eth', [eth(p) for p in six]))
    # TCP options: each kind, SACK blocks, unknown kinds, malformed.
    to = [
        IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags='A',
                                 options=[('NOP', None), ('NOP', None),
                                          ('SAck', (100, 200, 300, 400,
                                                    500, 600))]),
        IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags='A',
                                 options=[('SAck', (1, 2, 3, 4, 5, 6, 7,
                                                    8))]),
        IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags='S',
                                 options=[('WScale', 14), ('MSS', 536),
                                          ('EOL', None)]),
        IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags='S',
                                 options=[(34, b'\x01' * 8),
                                          ('MSS', 1400)]),  # TFO cookie
        IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags='S',
                                 options=[(2, b'\x05')]),   # MSS len 3
        IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags='S',
                                 dataofs=6) / b'\x08\x20\0\0',  # len 32
    ]
    c.append(('tcp_options.pcap', 'eth', [eth(p) for p in to]))
    # UDP-Lite (136): full and partial coverage, an illegal one.
    ul = []
    for cov in (0, 8, 12, 3):
        hdr = struct.pack('>HHHH', 9000, 9001, cov, 0)
        ul.append(IP(src=A4, dst=B4, proto=136) / (hdr + b'lite'))
        ul.append(IPv6(src=A6, dst=B6, nh=136) / (hdr + b'lite'))
    c.append(('udplite.pcap', 'eth', [eth(p) for p in ul]))
    # ICMP errors quoting TCP and UDP (RFC 792: header + 8 bytes; Linux
    # quotes up to 576 bytes).
    off_tcp = IP(src=B4, dst=A4, ttl=1) / TCP(sport=40000, dport=80,
                                              flags='S', seq=123456789)
    off_udp = IP(src=B4, dst=A4) / UDP(sport=5353, dport=33434) / (b'q' * 20)
    ie = [
        IP(src=A4, dst=B4) / ICMP(type=3, code=3) / raw(off_udp),
        IP(src=A4, dst=B4) / ICMP(type=3, code=4, nexthopmtu=1400) /
        raw(off_tcp)[:28],
        IP(src=A4, dst=B4) / ICMP(type=11, code=0) / raw(off_tcp),
        IP(src=A4, dst=B4) / ICMP(type=5, code=1, gw='10.9.9.9') /
        raw(off_udp)[:28],
        IP(src=A4, dst=B4) / ICMP(type=12, code=0, ptr=20) / raw(off_tcp),
        IP(src=A4, dst=B4) / ICMP(type=4, code=0) / raw(off_udp)[:28],
        IP(src=A4, dst=B4) / ICMP(type=3, code=1) /
        raw(IP(src=B4, dst=A4) / ICMP(type=8, id=9, seq=1)),
        IP(src=A4, dst=B4) / ICMP(type=3, code=3) / raw(off_udp)[:24],
        IP(src=A4, dst=B4) / ICMP(type=13, id=3, seq=4, ts_ori=1, ts_rx=2,
                                  ts_tx=3),  # fixed: default is "now"
    ]
    c.append(('icmp_errors.pcap', 'eth', [eth(p) for p in ie]))
    # ICMPv6 errors (RFC 4443) and neighbour discovery (RFC 4861).
    off6 = IPv6(src=B6, dst=A6) / TCP(sport=443, dport=40001, flags='SA',
                                      seq=99)
    off6u = IPv6(src=B6, dst=A6) / IPv6ExtHdrDestOpt() / \
        UDP(sport=53, dport=40002) / (b'd' * 30)
    i6 = [
        IPv6(src=A6, dst=B6) / ICMPv6DestUnreach(code=4) / raw(off6u),
        IPv6(src=A6, dst=B6) / ICMPv6PacketTooBig(mtu=1280) / raw(off6),
        IPv6(src=A6, dst=B6) / ICMPv6TimeExceeded() / raw(off6),
        IPv6(src=A6, dst=B6) / ICMPv6ParamProblem(code=1, ptr=40) /
        raw(off6),
        IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=1, seq=2),
        IPv6(src=B6, dst=A6) / ICMPv6EchoReply(id=1, seq=2),
        IPv6(src='fe80::1', dst='ff02::1:ff00:2', hlim=255) /
        ICMPv6ND_NS(tgt='2001:db8::2'),
        IPv6(src='fe80::2', dst='fe80::1', hlim=255) /
        ICMPv6ND_NA(tgt='2001:db8::2'),
        IPv6(src='fe80::1', dst='ff02::2', hlim=255) / ICMPv6ND_RS(),
        IPv6(src='fe80::9', dst='ff02::1', hlim=255) / ICMPv6ND_RA(),
    ]
    c.append(('icmpv6.pcap', 'eth', [eth(p) for p in i6]))
    # SCTP, GRE (plain, with key and sequence, PPTP version 1), DCCP.
    other = [
        IP(src=A4, dst=B4) / SCTP(sport=2905, dport=2906) /
        SCTPChunkInit(),
        IPv6(src=A6, dst=B6) / SCTP(sport=36412, dport=36412),
        IP(src=A4, dst=B4) / GRE() / IP(src='10.1.1.1', dst='10.2.2.2') /
        UDP(sport=1, dport=2),
        IP(src=A4, dst=B4) / GRE(key_present=1, seqnum_present=1, key=7,
                                 seqence_number=8, proto=0x86dd) /
        IPv6(src=A6, dst=B6) / UDP(sport=1, dport=2),
        IP(src=A4, dst=B4, proto=47) /
        bytes.fromhex('3001880b0000000000000001'),  # PPTP, no payload
        IP(src=A4, dst=B4, proto=33) /
        bytes.fromhex('c35113890600000000000000' '00000001'),  # DCCP
    ]
    c.append(('sctp_gre_dccp.pcap', 'eth', [eth(p) for p in other]))
    # Snap length 60 applied to full-size packets: wire > cap.
    sn = [eth(p) for p in l3 + ie[:3] + i6[:3] + six[:1]]
    c.append(('snaplen60.pcap', 'eth', [(f[:60], len(f)) for f in sn]))
    c.append(('snaplen34.pcap', 'eth', [(f[:34], len(f)) for f in sn]))
    # Bad values: checksum, header length, total length, trailer, UDP.
    good = IP(src=A4, dst=B4, id=1) / TCP(sport=1, dport=2, flags='S')
    bad = []
    bad.append(raw(IP(src=A4, dst=B4, chksum=0xdead) / UDP(sport=1,
                                                           dport=2)))
    b = bytearray(raw(good))
    b[0] = 0x44                                      # IHL 4
    bad.append(bytes(b))
    bad.append(raw(IP(src=A4, dst=B4, len=10) / UDP(sport=1, dport=2)))
    bad.append(raw(IP(src=A4, dst=B4, len=400) / UDP(sport=1, dport=2)))
    bad.append(raw(good) + b'\xee' * 40)              # trailer
    bad.append(raw(IP(src=A4, dst=B4) / UDP(sport=1, dport=2, len=4)))
    bad.append(raw(IP(src=A4, dst=B4) / UDP(sport=1, dport=2, len=300)))
    bad.append(raw(IP(src=A4, dst=B4) / TCP(sport=1, dport=2,
                                            dataofs=3)))
    bad.append(raw(IP(src=A4, dst=B4) / TCP(sport=1, dport=2,
                                            dataofs=15)))
    bad.append(raw(IPv6(src=A6, dst=B6, plen=200) / UDP(sport=1, dport=2)))
    b = bytearray(raw(good))
    b[0] = 0x75                                      # version 7
    bad.append(bytes(b))
    c.append(('bad_lengths.pcap', 'eth', [eth(p) for p in bad]))
    c.append(('bad_lengths_raw.pcap', 'raw', bad))
    # Nanosecond pcap and pcapng.
    c.append(('nanosecond.pcap', 'eth', [eth(p) for p in tcp_flow4()],
              {'nano': True}))
    c.append(('pcapng_eth.pcapng', 'eth', [eth(p) for p in l3],
              {'pcapng': True}))
    return c


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for case in cases():
        name, lt, frames = case[:3]
        opts = case[3] if len(case) > 3 else {}
        frames = [raw(f) if not isinstance(f, (bytes, tuple)) else f
                  for f in frames]
        path = os.path.join(out, name)
        if opts.get('pcapng'):
            write_pcapng(path, LINKTYPE[lt], frames)
        else:
            write_pcap(path, LINKTYPE[lt], frames,
                       nano=opts.get('nano', False))
        n += 1
    print(f'{n} captures written to {out}')


if __name__ == '__main__':
    main()
