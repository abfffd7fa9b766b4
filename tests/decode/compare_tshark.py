#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare `ctfw decode` with tshark, field by field, packet by packet.

Captures: the ones tests/decode/gen_captures.py generates (into a temp
dir, needs scapy) and every capture under $CTFW_CORPUS/pcaps/ (skipped
with a message when absent). One TAP point per capture file; a failing
point names the packets and fields that disagree.

Compared, for every packet: the VLAN IDs (802.1Q and 802.1ad), the
cooked-capture packet type and interface index, whether there is an IP
packet, the IP family,
source and destination addresses, the IPv4 protocol / IPv6 next header of
the fixed header, the L4 protocol reached, ports (TCP, UDP, UDP-Lite,
SCTP, DCCP), TCP flags, raw sequence and acknowledgement numbers, ICMP and
ICMPv6 type and code, the GRE protocol type, and for ICMP errors the
quoted packet's addresses, protocol, ports and TCP sequence number.

Normalisations, each with its reason (anything else that differs is a
failure; nothing is hidden):

N1 Reassembly off. ctfw decodes each packet on its own, so tshark runs
   with ip/ipv6 defragmentation and TCP desegmentation disabled.
N2 First occurrence. tshark repeats fields for every layer that has
   them (`-E occurrence=a`); ctfw's outer packet is compared with the
   first occurrence only.
N3 ICMP errors. tshark dissects the quoted packet with the same field
   names: its addresses are the second ip.src/ipv6.src occurrence, its
   ports and TCP sequence the first (the outer packet has none). They
   are compared with ctfw's `inner [...]`.
N4 Tunnels. ctfw does not decode inside GRE, IP-in-IP (4, 41) or other
   encapsulations (they are generic payload for netfilter's outer
   packet); tshark does. Past a tunnel, tshark's inner layers are
   ignored; the outer packet and the GRE protocol type are compared.
N5 Partial headers. tshark shows the fields of a header it could read
   only partly (ports from the first 4 bytes of a cut TCP header);
   ctfw's contract (ctfw/pkt.h) is that a header is known only when its
   fixed part was captured, and it says so with a named event
   (l4_truncated, l4_bad_hlen, frag_bad, icmp_inner_truncated,
   ip_truncated, ip6_ext_truncated, ip6_ext_bad). When ctfw reports one
   of these, fields that tshark has and ctfw lacks are not a
   disagreement; fields that both have must agree.
N6 Lengths the kernel rejects. For an IPv4 total length below the
   header length (ip_bad_totlen) ctfw carries on with the bytes on the
   wire, as tshark's TSO support does for a length of 0; for other bad
   lengths tshark stops at the IP layer. With ip_bad_totlen reported,
   missing tshark L4 fields are not a disagreement (fields both have
   must still agree).
N7 Heuristic payload dissectors. tshark may decode application
   payload as more protocols (e.g. DNS over TCP, ESP in UDP); only the
   L4 protocol right after the outer IP header (and its extension
   headers) is compared.
N8 Headers tshark refuses. With IHL < 5, or a total length below the
   header length other than 0, tshark's IPv4 dissector adds no ip.*
   field at all; ctfw keeps the fixed fields it read and reports
   ip_bad_hlen / ip_bad_totlen. Such packets are compared no further.
N9 Bad TCP data offset. With a data offset below 5 words (or past the
   IP length) tshark shows ports and sequence but stops before the
   flags and acknowledgement; ctfw keeps the whole 20-byte fixed header
   and reports l4_bad_hlen. Fields only ctfw has are then accepted.
"""
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get('CTFW_SRC',
                     os.path.dirname(os.path.dirname(os.path.dirname(
                         os.path.abspath(__file__)))))
CTFW = os.environ.get('CTFW', os.path.join(SRC, 'build', 'cli', 'ctfw'))
CORPUS = os.environ.get('CTFW_CORPUS',
                        os.path.join(os.path.dirname(SRC), 'shared',
                                     'corpus'))

FIELDS = ['frame.number', 'frame.protocols',
          'ip.src', 'ip.dst', 'ip.proto', 'ipv6.src', 'ipv6.dst',
          'ipv6.nxt',
          'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw',
          'tcp.seq',
          'tcp.ack_raw', 'udp.srcport', 'udp.dstport', 'sctp.srcport',
          'sctp.dstport', 'dccp.srcport', 'dccp.dstport',
          'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code',
          'gre.proto', 'vlan.id', 'ieee8021ad.id', 'sll.pkttype',
          'sll.ifindex']

TSHARK_PREFS = ['-o', 'ip.defragment:FALSE',
                '-o', 'ipv6.defragment:FALSE',
                '-o', 'tcp.desegment_tcp_streams:FALSE']

# tshark protocol names (frame.protocols) of IPv6 extension headers,
# skipped to reach the L4 protocol.
IP6_EXT = {'ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr',
           'ipv6.dstopts', 'ah', 'ipv6.shim6', 'ipv6.mobility'}
L4_NUM = {'tcp': 6, 'udp': 17, 'udplite': 136, 'icmp': 1, 'icmpv6': 58,
          'sctp': 132, 'dccp': 33, 'gre': 47, 'esp': 50, 'ah': 51}
CTFW_PROTO = {'tcp': 6, 'udp': 17, 'udplite': 136, 'icmp': 1, 'icmp6': 58,
              'sctp': 132, 'dccp': 33, 'gre': 47, 'esp': 50, 'ah': 51}
PORT_FIELD = {6: 'tcp', 17: 'udp', 136: 'udp', 132: 'sctp', 33: 'dccp'}
TUNNEL_PROTOS = {4, 41, 47}
PARTIAL_EVENTS = {'l4_truncated', 'l4_bad_hlen', 'frag_bad',
                  'icmp_inner_truncated', 'ip_truncated',
                  'ip6_ext_truncated', 'ip6_ext_bad'}
FLAG_BITS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, '.': 0x10,
             'U': 0x20, 'E': 0x40, 'W': 0x80}


def norm_addr(a):
    """A bracketed/ported address of ctfw, or tshark's, as ip_address."""
    return ipaddress.ip_address(a)


def split_hostport(tok, family):
    if family == 6:
        m = re.fullmatch(r'\[(.*)\]:(\d+)', tok)
        if m:
            return m.group(1), int(m.group(2))
        return tok, None
    m = re.fullmatch(r'([\d.]+):(\d+)', tok)
    if m:
        return m.group(1), int(m.group(2))
    return tok, None


def parse_ip_part(text):
    """Family, addresses, ports, protocol and L4 fields of one packet
    (outer or quoted) as ctfw prints it (docs/decode-format.md)."""
    r = {}
    m = re.search(r'(?:^| )IPv([46]) (\S+) > (\S+) (?:proto (\d+)|(\w+))',
                  text)
    if not m:
        return r
    fam = int(m.group(1))
    r['family'] = fam
    r['src'], r['sport'] = split_hostport(m.group(2), fam)
    r['dst'], r['dport'] = split_hostport(m.group(3), fam)
    r['proto'] = (int(m.group(4)) if m.group(4)
                  else CTFW_PROTO.get(m.group(5)))
    m = re.search(r' tcp \[([^\]]*)\] seq (\d+) ack (\d+)', text)
    if m:
        flags = 0 if m.group(1) == 'none' else sum(
            FLAG_BITS[c] for c in m.group(1))
        r['flags'], r['seq'], r['ack'] = flags, int(m.group(2)), \
            int(m.group(3))
    m = re.search(r' tcp seq (\d+)', text)     # quoted TCP: seq only
    if m:
        r['seq'] = int(m.group(1))
    m = re.search(r' icmp6? type (\d+) code (\d+)', text)
    if m:
        r['icmp'] = (int(m.group(1)), int(m.group(2)))
    m = re.search(r' gre proto 0x([0-9a-f]{4})', text)
    if m:
        r['gre'] = int(m.group(1), 16)
    m = re.search(r' nh (\d+)', text)
    if m:
        r['nh'] = int(m.group(1))
    return r


def parse_ctfw_line(line):
    m = re.match(r'(\d+) \d+\.\d+ (.*)$', line)
    if not m:
        return None
    num, rest = int(m.group(1)), m.group(2)
    events = set()
    me = re.search(r' events (\S+)$', rest)
    if me:
        events = set(me.group(1).split(','))
        rest = rest[:me.start()]
    inner = None
    mi = re.search(r' inner \[(.*? iplen \d+)\]', rest)
    if mi:
        inner = parse_ip_part(mi.group(1))
        rest = rest[:mi.start()] + rest[mi.end():]
    r = parse_ip_part(rest)
    mv = re.match(r'\S+(?: if (\d+))?(?: (in|bcast|mcast|otherhost|out)|'
                  r' pkttype (\d+))?(?: vlan ([\d,]+))?', rest)
    dirs = {'in': 0, 'bcast': 1, 'mcast': 2, 'otherhost': 3, 'out': 4}
    r['ifindex'] = int(mv.group(1)) if mv.group(1) else None
    r['pkttype'] = (dirs[mv.group(2)] if mv.group(2) else
                    int(mv.group(3)) if mv.group(3) else None)
    r['vlan'] = [int(v) for v in mv.group(4).split(',')] if mv.group(4) \
        else []
    r['num'] = num
    r['events'] = events
    r['inner'] = inner
    return r


def run_ctfw(path):
    p = subprocess.run([CTFW, 'decode', '-r', path], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(f'ctfw exited {p.returncode}: '
                           f'{p.stderr.strip()[-300:]}')
    out = {}
    for line in p.stdout.splitlines():
        rec = parse_ctfw_line(line)
        if rec:
            out[rec['num']] = rec
    return out


def run_tshark(path):
    cmd = ['tshark', '-n', '-r', path, '-T', 'fields', '-E',
           'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t'] + \
        TSHARK_PREFS
    for f in FIELDS:
        cmd += ['-e', f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0 and not p.stdout:
        raise RuntimeError(f'tshark failed: {p.stderr.strip()[-300:]}')
    out = {}
    for line in p.stdout.splitlines():
        vals = line.split('\t')
        vals += [''] * (len(FIELDS) - len(vals))
        rec = {f: (v.split(',') if v else []) for f, v in zip(FIELDS, vals)}
        out[int(rec['frame.number'][0])] = rec
    return out


def tshark_layers(t):
    """Family of the outer IP, the L4 protocol name after it (skipping
    IPv6 extension headers), and whether a second IP header follows."""
    stack = t['frame.protocols'][0].split(':') if t['frame.protocols'] \
        else []
    fam, l4, idx = None, None, None
    for i, p in enumerate(stack):
        if p in ('ip', 'ipv6'):
            fam, idx = (4 if p == 'ip' else 6), i
            break
    if idx is None:
        return None, None, None, stack
    j = idx + 1
    while j < len(stack) and stack[j] in IP6_EXT and fam == 6:
        j += 1
    if j < len(stack):
        l4 = stack[j]
    return fam, l4, idx, stack


def tshark_vlans(t):
    """VLAN IDs in wire order: tshark names an 802.1ad (0x88a8) tag
    ieee8021ad.id and an 802.1Q one vlan.id; frame.protocols gives the
    order of the two kinds."""
    stack = t['frame.protocols'][0].split(':') if t['frame.protocols'] \
        else []
    q = {'vlan': list(t['vlan.id']), 'ieee8021ad': list(t['ieee8021ad.id'])}
    out = []
    for p in stack:
        if p in q and q[p]:
            out.append(int(q[p].pop(0)))
    return out


def first(t, f, conv=str):
    v = t.get(f) or []
    return conv(v[0]) if v else None


def nth(t, f, n, conv=str):
    v = t.get(f) or []
    return conv(v[n]) if len(v) > n else None


NORMALISED = {}


def compare_packet(c, t):
    """List of 'field: ctfw=X tshark=Y' disagreements. Counts in
    NORMALISED the packets where a normalisation (N5, N6, N8, N9) let a
    difference pass, so that the report shows how often it happens."""
    bad = []
    partial = bool(c['events'] & PARTIAL_EVENTS)
    lenient = partial or 'ip_bad_totlen' in c['events']
    # N9: with a TCP data offset < 5, tshark stops after ports and
    # sequence; ctfw keeps the 20-byte fixed header it read.
    lenient_missing = 'l4_bad_hlen' in c['events']

    def differ(what, cv, tv, allow_missing=False):
        if cv == tv:
            return
        if allow_missing and cv is None:
            NORMALISED['N5/N6'] = NORMALISED.get('N5/N6', 0) + 1
            return        # N5/N6: ctfw declares the header unknown
        if allow_missing and tv is None and lenient_missing:
            NORMALISED['N9'] = NORMALISED.get('N9', 0) + 1
            return        # N9: tshark stopped inside a bad header
        bad.append(f'{what}: ctfw={cv} tshark={tv}')

    # Link: VLAN IDs (at most two shown by ctfw, outer first), and the
    # cooked-capture direction and interface index.
    tv = tshark_vlans(t)[:2]
    if tv or c['vlan']:
        differ('vlan', c['vlan'], tv)
    if t['sll.pkttype'] or c['pkttype'] is not None:
        differ('sll.pkttype', c['pkttype'], first(t, 'sll.pkttype', int))
    if t['sll.ifindex'] or c['ifindex'] is not None:
        differ('sll.ifindex', c['ifindex'], first(t, 'sll.ifindex', int))

    fam, l4name, _, stack = tshark_layers(t)
    cfam = c.get('family')
    if (cfam == 4 and fam == 4 and not t['ip.src'] and
            c['events'] & {'ip_bad_hlen', 'ip_bad_totlen'}):
        # N8: tshark refuses the whole header (no ip.* fields at all)
        # when IHL < 5 or the total length < IHL * 4; ctfw keeps the
        # fixed fields and reports the event. Nothing to compare.
        NORMALISED['N8'] = NORMALISED.get('N8', 0) + 1
        return bad

    differ('family', cfam, fam, allow_missing='ip_truncated' in
           c['events'] or 'ip_bad_version' in c['events'])
    if not cfam or fam != cfam:
        return bad
    key = 'ip' if fam == 4 else 'ipv6'
    differ('src', norm_addr(c['src']),
           first(t, key + '.src', norm_addr))
    differ('dst', norm_addr(c['dst']),
           first(t, key + '.dst', norm_addr))
    if fam == 4:
        differ('ip.proto', c['proto'], first(t, 'ip.proto', int))
    else:
        differ('ipv6.nxt', c.get('nh'), first(t, 'ipv6.nxt', int))

    proto = c['proto']
    tl4 = L4_NUM.get(l4name)
    if tl4 is not None:
        differ('l4 proto', proto, tl4, allow_missing=lenient)
    elif proto in PORT_FIELD and fam == 4 and not lenient and \
            l4name not in ('data', '_ws.malformed', '_ws.short', None):
        # tshark reached a protocol ctfw has no number for right after
        # IP, yet ctfw claims a port-carrying L4 header: disagreement.
        bad.append(f'l4 proto: ctfw={proto} tshark={l4name}')

    inner = c['inner']
    # Ports of the outer packet (N2), or of the quoted one (N3).
    if proto in PORT_FIELD and tl4 == proto:
        fld = PORT_FIELD[proto]
        differ('sport', c.get('sport'), first(t, fld + '.srcport', int),
               allow_missing=lenient)
        differ('dport', c.get('dport'), first(t, fld + '.dstport', int),
               allow_missing=lenient)
    if proto == 6 and tl4 == 6:
        tflags = first(t, 'tcp.flags', lambda v: int(v, 16) & 0xff)
        differ('tcp.flags', c.get('flags'), tflags, allow_missing=lenient)
        differ('tcp.seq', c.get('seq'), first(t, 'tcp.seq_raw', int),
               allow_missing=lenient)
        differ('tcp.ack', c.get('ack'), first(t, 'tcp.ack_raw', int),
               allow_missing=lenient)
    if proto in (1, 58) and tl4 == proto:
        f = 'icmp' if proto == 1 else 'icmpv6'
        ti = (first(t, f + '.type', int), first(t, f + '.code', int))
        differ(f, c.get('icmp'), ti if ti[0] is not None else None,
               allow_missing=lenient)
    if proto == 47 and tl4 == 47:
        differ('gre.proto', c.get('gre'),
               first(t, 'gre.proto', lambda v: int(v, 16)),
               allow_missing=lenient)

    if inner and inner.get('family') and proto in (1, 58) and tl4 == proto:
        ikey = 'ip' if inner['family'] == 4 else 'ipv6'
        # The quoted IP header is the next ip/ipv6 occurrence.
        n = 1 if ikey == key else 0
        differ('inner.src', norm_addr(inner['src']),
               nth(t, ikey + '.src', n, norm_addr))
        differ('inner.dst', norm_addr(inner['dst']),
               nth(t, ikey + '.dst', n, norm_addr))
        # L4 of the quoted packet, from the stack after the second IP.
        rest = stack[stack.index(l4name) + 1:] if l4name in stack else []
        iname = None
        for i, p in enumerate(rest):
            if p in ('ip', 'ipv6'):
                for q in rest[i + 1:]:
                    if not (p == 'ipv6' and q in IP6_EXT):
                        iname = q
                        break
                break
        ip_ = L4_NUM.get(iname)
        if ip_ is not None:
            differ('inner.proto', inner['proto'], ip_)
        iproto = inner['proto']
        if iproto in PORT_FIELD and ip_ == iproto:
            fld = PORT_FIELD[iproto]
            # The outer ICMP has no ports: the quoted ones come first.
            differ('inner.sport', inner.get('sport'),
                   first(t, fld + '.srcport', int), allow_missing=True)
            differ('inner.dport', inner.get('dport'),
                   first(t, fld + '.dstport', int), allow_missing=True)
            if iproto == 6:
                # Inside an error tshark does no sequence analysis and
                # shows the absolute number as tcp.seq, not seq_raw.
                tseq = first(t, 'tcp.seq_raw', int)
                if tseq is None:
                    tseq = first(t, 'tcp.seq', int)
                differ('inner.seq', inner.get('seq'), tseq,
                       allow_missing=True)
        if iproto in (1, 58) and ip_ == iproto and inner.get('icmp'):
            f = 'icmp' if iproto == 1 else 'icmpv6'
            differ('inner.icmp', inner.get('icmp'),
                   (nth(t, f + '.type', 1, int), nth(t, f + '.code', 1,
                                                      int)))
    elif proto in (1, 58) and tl4 == proto and not lenient:
        # tshark found a quoted IP packet that ctfw did not (or v.v.).
        key2 = ('ip' if 'ip' in stack[stack.index(l4name) + 1:] else
                'ipv6' if 'ipv6' in stack[stack.index(l4name) + 1:] else
                None)
        if key2 and c['icmp'] and c['icmp'][0] in (
                (3, 4, 5, 11, 12) if proto == 1 else (1, 2, 3, 4)):
            bad.append(f'inner: ctfw=none tshark={key2}')
    return bad


def compare_file(path):
    """(packets compared, [(packet, [problems])])"""
    cw = run_ctfw(path)
    ts = run_tshark(path)
    problems = []
    for num in sorted(set(cw) | set(ts)):
        if num not in cw or num not in ts:
            problems.append((num, ['packet missing on one side']))
            continue
        b = compare_packet(cw[num], ts[num])
        if b:
            problems.append((num, b))
    return len(ts), problems


def generated_dir():
    """Run gen_captures.py with a Python that has scapy."""
    gen = os.path.join(SRC, 'tests', 'decode', 'gen_captures.py')
    out = tempfile.mkdtemp(prefix='ctfw-decode-')
    for py in (sys.executable, '/usr/bin/python3'):
        if not py or not os.path.exists(py):
            continue
        ok = subprocess.run([py, '-c', 'import scapy.all'],
                            capture_output=True).returncode == 0
        if not ok:
            continue
        p = subprocess.run([py, gen, out], capture_output=True, text=True)
        if p.returncode == 0:
            return out, None
        return out, f'gen_captures.py failed: {p.stderr.strip()[-300:]}'
    return out, 'scapy (python3-scapy) not available'


def main():
    n = 0
    total_pkts = total_bad = 0
    if not shutil.which('tshark'):
        print('1..1')
        print('ok 1 # SKIP tshark not installed')
        return 0
    files = []
    gdir, gerr = generated_dir()
    skips = []
    if gerr:
        skips.append(f'generated captures: {gerr}')
    else:
        files += [('generated/' + f, os.path.join(gdir, f))
                  for f in sorted(os.listdir(gdir))]
    pdir = os.path.join(CORPUS, 'pcaps')
    if os.path.isdir(pdir):
        for root, _, names in sorted(os.walk(pdir)):
            for f in sorted(names):
                if f.endswith(('.pcap', '.pcapng', '.cap')):
                    p = os.path.join(root, f)
                    files.append((os.path.relpath(p, pdir), p))
    else:
        skips.append(f'corpus captures: {pdir} absent')
    print(f'1..{len(files) + len(skips)}')
    fails = 0
    for name, path in files:
        n += 1
        try:
            pkts, problems = compare_file(path)
        except (RuntimeError, OSError) as e:
            print(f'not ok {n} - {name}: {e}')
            fails += 1
            continue
        total_pkts += pkts
        total_bad += len(problems)
        if problems:
            fails += 1
            nums = ','.join(str(p) for p, _ in problems[:20])
            print(f'not ok {n} - {name}: {len(problems)} of {pkts} packets '
                  f'disagree (packets {nums})')
            for p, what in problems[:10]:
                print(f'#   packet {p}: ' + '; '.join(what))
        else:
            print(f'ok {n} - {name}: {pkts} packets agree')
    for s in skips:
        n += 1
        print(f'ok {n} # SKIP {s}')
    print(f'# {len(files)} files, {total_pkts} packets compared, '
          f'{total_bad} disagreeing')
    if NORMALISED:
        print('# fields let pass by a documented normalisation: ' +
              ', '.join(f'{k} {v}' for k, v in sorted(NORMALISED.items())))
    shutil.rmtree(gdir, ignore_errors=True)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
