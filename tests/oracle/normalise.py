# SPDX-License-Identifier: GPL-2.0-or-later
"""Normalisation of kernel and ctfw outputs before they are compared.

This module is the one place where "what is compared" is decided;
docs/oracle.md describes the same rules for humans. Each function takes
the raw text of one tool's output (kernel side or ctfw side: the same
function for both) and returns a comparable value.

Not compared (and why) -- keep in sync with docs/oracle.md:
- conntrack `id=`: a kernel pointer hash, random per boot (the ICMP
  tuple's `id=`, right after `code=`, is kept and compared);
- conntrack `use=`: a reference count, transiently >1 while the kernel
  works on an entry; not behaviour;
- conntrack `delta-time=`, `[start=...]`: wall-clock based;
- entry order: the kernel lists in hash order (random seed) -> sorted;
- `conntrack -S` per-CPU split: which CPU counted is scheduling -> summed;
- `iptables-save` `#` lines (version, date);
- the netns inode in `table full in netns N`: ctfw models one machine
  (init-netns wording), the kernel oracle runs in a child namespace;
- kernel log timestamps and record levels (kmsg header), `[ts]` prefixes;
- IP checksum/TTL of emitted packets are compared, but L4 checksums of
  kernel-made packets are not (veth checksum offload leaves them partial
  in the capture).
"""
import math
import re

_WS = re.compile(r'\s+')


# --------------------------------------------------------------------------
# conntrack -L (-o extended or plain)

_CT_DROP = re.compile(r' (?:id|use|delta-time)=\d+| \[start=[^\]]*\]'
                      r'| \[stop=[^\]]*\]')
_CT_L3 = re.compile(r'^(ipv4|ipv6)\s+\d+\s+')
_CT_ICMP_ID = re.compile(r'(code=\d+) id=(\d+)')


def ct_entry(line):
    """One conntrack line -> (key, timeout or None).

    key = the line with the l3 prefix removed, spaces collapsed, id/use/
    delta-time dropped and the timeout replaced by 'T'."""
    # An ICMP tuple's `id=N` follows its `code=N`: it is part of the tuple
    # and compared; only the conntrack id (and use, delta-time) is dropped.
    line = _CT_ICMP_ID.sub(r'\1 icmp-id=\2', line.strip())
    line = _CT_DROP.sub('', line)
    line = line.replace(' icmp-id=', ' id=')
    line = _CT_L3.sub('', line)
    line = _WS.sub(' ', line)
    f = line.split(' ')
    timeout = None
    # proto name, proto number, then the timeout (absent for offloaded).
    if len(f) > 2 and f[2].isdigit():
        timeout = int(f[2])
        f[2] = 'T'
    return ' '.join(f), timeout


def ct_entries(text):
    """conntrack -L output -> sorted list of (key, timeout)."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith('conntrack v'):
            continue
        out.append(ct_entry(line))
    return sorted(out)


def ct_compare(kernel_text, ctfw_text, slack):
    """Compare two conntrack listings. Timeouts agree when
    |kernel - ctfw| <= slack seconds. Returns a list of difference
    strings (empty = equal)."""
    k, c = ct_entries(kernel_text), ct_entries(ctfw_text)
    diffs = []
    kk = [e[0] for e in k]
    ck = [e[0] for e in c]
    if kk != ck:
        for e in sorted(set(kk) - set(ck)):
            diffs.append(f'kernel only: {e}')
        for e in sorted(set(ck) - set(kk)):
            diffs.append(f'ctfw only:   {e}')
        if not diffs:
            diffs.append(f'entry multiplicity differs: {kk} vs {ck}')
        return diffs
    for (key, kt), (_, ct) in zip(k, c):
        if (kt is None) != (ct is None) or \
                (kt is not None and abs(kt - ct) > slack):
            diffs.append(f'timeout {kt} (kernel) vs {ct} (ctfw): {key}')
    return diffs


def ct_match(pattern, kernel_text, slack):
    """An expected entry (conntrack -L syntax, timeout = the value the
    reference gives right after the packet) is present when an entry with
    the same key exists whose timeout t satisfies
    expected - slack <= t <= expected (time only decreases)."""
    pkey, pt = ct_entry(pattern)
    found = []
    for key, t in ct_entries(kernel_text):
        if key != pkey:
            continue
        found.append(t)
        if pt is None or t is None or pt - slack <= t <= pt:
            return True, ''
    if found:
        return False, f'entry present with timeout {found}, expected ' \
                      f'{pt} (slack {slack})'
    return False, 'no such entry'


def slack_for(elapsed):
    """Timeout tolerance for an observation taken `elapsed` seconds after
    the packet that set it: whole seconds elapsed plus one for the
    truncation of the displayed value (jiffies -> seconds)."""
    return int(math.ceil(max(0.0, elapsed))) + 1


# --------------------------------------------------------------------------
# conntrack -S / -C

def stats_sum(text):
    """conntrack -S text -> {name: total over CPUs}."""
    tot = {}
    for line in text.splitlines():
        for name, val in re.findall(r'(\w+)=(\d+)', line):
            if name == 'cpu':
                continue
            tot[name] = tot.get(name, 0) + int(val)
    return tot


def stats_text(text):
    tot = stats_sum(text)
    return ' '.join(f'{k}={v}' for k, v in sorted(tot.items()))


def count(text):
    text = text.strip()
    return int(text) if text.isdigit() else None


# --------------------------------------------------------------------------
# iptables-save -c

def save_lines(text):
    """iptables-save -c text -> list of lines (comments dropped, spaces
    collapsed). Counters are kept: they are compared exactly."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        out.append(_WS.sub(' ', line))
    return out


# --------------------------------------------------------------------------
# kernel log

_TS = re.compile(r'^(?:<\d+>)?\s*(?:\[\s*\d+\.\d+\]\s*)?(?:kernel:\s*)?')
_NETNS = re.compile(r'table full in netns \d+, dropping packet')


def log_line(line):
    """One kernel log message -> comparable text. Keeps the trailing space
    the LOG target prints; removes timestamps and the netns inode."""
    line = line.rstrip('\n')
    line = _TS.sub('', line, count=1)
    return _NETNS.sub('table full, dropping packet', line)


def log_lines(lines):
    return [log_line(x) for x in lines if x.strip()]


# --------------------------------------------------------------------------
# packets (captures, verdicts)

def pkt_summary(data, linktype=1):
    """A frame -> one stable line: L3/L4 addresses, flags, lengths, TTL,
    ICMP type/code and quoted tuple. Uses scapy."""
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import IP, TCP, UDP, ICMP, IPerror, TCPerror, \
        UDPerror
    from scapy.layers.inet6 import IPv6
    if linktype == 1:
        p = Ether(data)
    else:
        # LINKTYPE_RAW: IPv4 or IPv6 by the version nibble.
        p = IPv6(data) if data and data[0] >> 4 == 6 else IP(data)
    ip = p.getlayer(IP) or p.getlayer(IPv6)
    if ip is None:
        return 'non-IP ' + p.summary()
    if ip.version == 4:
        head = f'IP len={ip.len} ttl={ip.ttl} {ip.src} > {ip.dst}'
    else:
        head = f'IP6 plen={ip.plen} hlim={ip.hlim} {ip.src} > {ip.dst}'
    if p.haslayer(ICMP):
        i = p[ICMP]
        s = f'{head} icmp type={i.type} code={i.code}'
        if p.haslayer(IPerror):
            q = p[IPerror]
            s += f' quoting {q.src} > {q.dst} proto={q.proto}'
            if p.haslayer(TCPerror):
                s += f' {p[TCPerror].sport}>{p[TCPerror].dport}'
            elif p.haslayer(UDPerror):
                s += f' {p[UDPerror].sport}>{p[UDPerror].dport}'
        elif i.type in (0, 8):
            s += f' id={i.id} seq={i.seq}'
        return s
    if p.haslayer(TCP):
        t = p[TCP]
        return (f'{head} tcp {t.sport}>{t.dport} [{t.flags}] seq={t.seq} '
                f'ack={t.ack} win={t.window} payload={len(t.payload)}')
    if p.haslayer(UDP):
        u = p[UDP]
        return f'{head} udp {u.sport}>{u.dport} payload={len(u.payload)}'
    if ip.version == 6 and ip.nh == 58:
        b = bytes(ip.payload)
        s = f'{head} icmp6 type={b[0]} code={b[1]}'
        if b[0] in (128, 129) and len(b) >= 8:
            s += (f' id={int.from_bytes(b[4:6], "big")} '
                  f'seq={int.from_bytes(b[6:8], "big")}')
        elif b[0] in (135, 136) and len(b) >= 24:
            import ipaddress
            s += f' target={ipaddress.IPv6Address(b[8:24])}'
        return s
    return f'{head} proto={ip.proto if ip.version == 4 else ip.nh}'


def pkt_signature(data):
    """Identity of an injected packet as it crosses the router: addresses,
    protocol, IP id and L4 bytes (TTL and IP checksum change on the way,
    L4 bytes do not). Parsed by hand: bursts have thousands of packets."""
    if len(data) < 14:
        return (bytes(data),)
    etype = int.from_bytes(data[12:14], 'big')
    ip = data[14:]
    if etype == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 0x0f) * 4
        tot = int.from_bytes(ip[2:4], 'big')
        return (bytes(ip[12:16]), bytes(ip[16:20]), ip[9],
                int.from_bytes(ip[4:6], 'big'), bytes(ip[ihl:tot]))
    if etype == 0x86dd and len(ip) >= 40:
        plen = int.from_bytes(ip[4:6], 'big')
        return (bytes(ip[8:24]), bytes(ip[24:40]), ip[6], 0,
                bytes(ip[40:40 + plen]))
    return (bytes(data),)


def verdict_lines(text):
    """ctfw --verdicts FILE -> [(n, fate)] (the remaining columns -- hook
    path, rule, reason, ctstate -- have no kernel counterpart here)."""
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0].isdigit():
            out.append((int(f[0]), f[1].upper()))
    return out


# --------------------------------------------------------------------------
# NAT (cases with `nat = yes`): ports chosen at random

def injected_ports(frames):
    """The ports (and ICMP echo ids) the injected packets carry, their
    ICMP quotes included: the values a NAT binding can keep or a rule can
    name. Frames are Ethernet. Parsed by hand."""
    known = set()

    def l4(proto, b):
        if proto in (6, 17, 132, 33, 136) and len(b) >= 4:
            known.add(int.from_bytes(b[0:2], 'big'))
            known.add(int.from_bytes(b[2:4], 'big'))
        elif proto == 1 and len(b) >= 8:
            if b[0] in (0, 8, 13, 14, 15, 16, 17, 18):
                known.add(int.from_bytes(b[4:6], 'big'))
            elif len(b) >= 28:
                ihl = (b[8] & 0x0f) * 4
                l4(b[17], b[8 + ihl:])
    for d in frames:
        if len(d) >= 54 and d[12:14] == b'\x86\xdd':
            ip = d[14:]
            if ip[6] in (6, 17):
                l4(ip[6], ip[40:])
            elif ip[6] == 58 and len(ip) >= 48 and ip[40] in (128, 129):
                known.add(int.from_bytes(ip[44:46], 'big'))
            continue
        if len(d) < 34 or d[12:14] != b'\x08\x00':
            continue
        ip = d[14:]
        ihl = (ip[0] & 0x0f) * 4
        l4(ip[9], ip[ihl:])
    return known


def port_class(p):
    """nf_nat_l4proto_unique_tuple()'s port classes (reference §9)."""
    return '1-511' if p < 512 else '600-1023' if p < 1024 else \
        '1024-65535'


_NAT_CT_PORT = re.compile(r'\b(sport|dport)=(\d+)|(code=\d+ id=)(\d+)')
_NAT_PKT_PORT = re.compile(r'((?:tcp|udp|proto=\d+) )(\d+)>(\d+)|'
                           r'( id=)(\d+)')


def nat_ports_ct(text, known):
    """conntrack -L text with every port/ICMP id that no injected packet
    carried (so NAT chose it at random) replaced by `~CLASS`: compared by
    class, not by value. Returns (text, problems): problems lists
    chosen values given twice for one protocol and address (uniqueness)."""
    seen, problems, out = {}, [], []
    for line in text.splitlines():
        f = _CT_L3.sub('', line.strip()).split()
        proto = f[0] if f else ''
        addrs = [x for x in f if x.startswith(('src=', 'dst='))]

        def sub(m):
            if m.group(2) is not None:
                v = int(m.group(2))
                if v in known:
                    return m.group(0)
                key = (proto, tuple(addrs[2:4]), m.group(1), v)
                seen[key] = seen.get(key, 0) + 1
                return f'{m.group(1)}=~{port_class(v)}'
            v = int(m.group(4))
            if v in known:
                return m.group(0)
            key = (proto, tuple(addrs[2:4]), 'id', v)
            seen[key] = seen.get(key, 0) + 1
            return f'{m.group(3)}~{port_class(v)}'
        out.append(_NAT_CT_PORT.sub(sub, line))
    for key, n in sorted(seen.items(), key=str):
        if n > 1:
            problems.append(f'chosen port {key[3]} used by {n} entries '
                            f'({key[0]} {" ".join(key[1])})')
    return '\n'.join(out) + ('\n' if out else ''), problems


def nat_ports_pkt(summary, known):
    """A packet summary with ports/ids unknown to the injected packets
    replaced by `~CLASS`."""
    def sub(m):
        if m.group(1) is not None:
            a, b = int(m.group(2)), int(m.group(3))
            a = str(a) if a in known else '~' + port_class(a)
            b = str(b) if b in known else '~' + port_class(b)
            return f'{m.group(1)}{a}>{b}'
        v = int(m.group(5))
        return m.group(0) if v in known else f' id=~{port_class(v)}'
    return _NAT_PKT_PORT.sub(sub, summary)


def nat_signature(data):
    """Identity of an injected packet across a NAT router: protocol, IP id
    and IP length (NAT changes addresses, ports and checksums only).
    IPv6 has no id: the L4 bytes NAT leaves alone stand for it (TCP from
    the sequence number on, UDP length and payload, ICMPv6 type, code and
    from the sequence number on), checksums and ports left out."""
    if len(data) >= 54 and data[12:14] == b'\x86\xdd':
        ip = data[14:]
        plen = int.from_bytes(ip[4:6], 'big')
        l4 = bytes(ip[40:40 + plen])
        if ip[6] == 6:
            key = l4[4:16] + l4[18:]
        elif ip[6] == 17:
            key = l4[4:6] + l4[8:]
        elif ip[6] == 58:
            key = l4[0:2] + l4[6:]
        else:
            key = l4
        return (ip[6], plen, key)
    if len(data) < 34 or data[12:14] != b'\x08\x00':
        return None
    ip = data[14:]
    return (ip[9], int.from_bytes(ip[4:6], 'big'),
            int.from_bytes(ip[2:4], 'big'))


def checksum_problems(data, linktype=101):
    """For a packet ctfw rewrote: a wrong IPv4 header checksum or a wrong
    TCP/UDP/ICMP checksum (a UDP checksum of 0 means none and is fine),
    as a list of strings. The kernel's captures cannot be checked so
    (veth offload leaves partial L4 checksums), ctfw's can."""
    from scapy.layers.inet import IP, TCP, UDP, ICMP
    from scapy.layers.inet6 import IPv6
    if linktype != 101 or not data or data[0] >> 4 not in (4, 6):
        return []
    out = []
    if data[0] >> 4 == 4:
        cls = IP
        p = IP(data)
        q = IP(data)
        del q.chksum
        if IP(bytes(q)).chksum != p.chksum:
            out.append('IP header checksum')
    else:
        cls = IPv6
        p = IPv6(data)
    layers = [TCP, UDP, ICMP]
    if cls is IPv6:
        layers = [TCP, UDP]
        l4 = p.payload
        if p.nh == 58 and hasattr(l4, 'cksum'):
            got = l4.cksum
            q = IPv6(data)
            del q.payload.cksum
            if IPv6(bytes(q)).payload.cksum != got:
                out.append('ICMPv6 checksum')
            return out
    for layer in layers:
        if p.haslayer(layer) and not p[layer].underlayer.haslayer('IPerror'):
            got = p[layer].chksum
            if layer is UDP and got == 0 and cls is IP:
                break
            q = cls(data)
            del q[layer].chksum
            if cls(bytes(q))[layer].chksum != got:
                out.append(f'{layer.__name__} checksum')
            break
    return out
