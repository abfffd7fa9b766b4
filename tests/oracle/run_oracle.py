#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ctfw kernel oracle: play each scenario through the real Linux kernel in
private network namespaces, record the kernel's evidence, check the facts
the scenario states, then run `ctfw replay` on the same rules, sysctls,
host model and packets and compare the normalised outputs.

Usage (as root; Debian's python3 has scapy):

    CTFW=build/cli/ctfw /usr/bin/python3 tests/oracle/run_oracle.py [CASE...]
        [--results DIR] [--backend nft|legacy] [--list] [--kernel-only]

Output is TAP: per case one point for the kernel run, one per `[expect]`
line of its case.ini, and one per compared output (SKIPped while `ctfw
replay` lacks the needed options). Evidence goes to
DIR/<case>/ (default $CTFW_BUILD/oracle-results or /tmp/ctfw-oracle-results)
with a kernel-observations.txt per case and one for the whole run.
See tests/oracle/README.md and docs/oracle.md.
"""
import argparse
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import netns       # noqa: E402
import normalise as N  # noqa: E402

CASES_DIR = os.path.join(HERE, 'cases')

# Compared outputs -> the `ctfw replay` options each one needs (issue 5).
BASE_OPTS = ['-R', '-r', '--sysctl', '--iface', '--advance', '-q']
OUTPUT_OPTS = {
    'verdicts': ['--verdicts'],
    'conntrack': ['--conntrack'],
    'stats': ['--conntrack-stats'],
    'count': ['--conntrack'],
    'counters': ['--save-counters'],
    'log': ['--log'],
    'egress': ['--accepted'],
}
# net.core.message_cost (5 s) plus a margin; see main().
RATELIMIT_WINDOW = 5.5

ALL_OUTPUTS = ['verdicts', 'conntrack', 'stats', 'count', 'counters', 'log',
               'egress']


# --------------------------------------------------------------------------
# TAP

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.records = []   # (desc, status, reason, diag) for fidelity.py

    def point(self, ok, desc, directive='', diag=None):
        self.n += 1
        status = ('skip' if directive.upper().startswith('SKIP') else
                  'todo' if directive.upper().startswith('TODO') else
                  'pass' if ok else 'fail')
        self.records.append((desc, status, directive[4:].strip(),
                             list(diag or [])[:30]))
        desc = desc.replace('#', '\\#').replace('\n', ' ')
        line = f'{"ok" if ok else "not ok"} {self.n} - {desc}'
        if directive:
            line += f' # {directive}'
        print(line, flush=True)
        if not ok and not directive:
            self.failed += 1
        for d in (diag or [])[:30]:
            print(f'#   {d}', flush=True)

    def skip(self, desc, why):
        self.point(True, desc, f'SKIP {why}')

    def compared(self, case, point, diffs):
        """One ctfw-vs-kernel comparison. A difference listed under the
        case's [known_difference] is a TAP TODO (counted as skipped, never
        as passed) with its reason; an unlisted one fails."""
        name = f'{case.name}/{point}'
        why = case.known_difference.get(point)
        if why is None:
            self.point(not diffs, name, diag=diffs)
        elif diffs:
            self.point(False, name, f'TODO known difference: {why}', diffs)
        else:
            # The listed difference is gone: say so, so that the entry is
            # removed from case.ini (TAP: an unexpectedly passing TODO).
            self.point(True, name, f'TODO known difference no longer '
                       f'seen, remove it from case.ini: {why}')

    def comment(self, text):
        for line in text.splitlines():
            print(f'# {line}', flush=True)

    def plan(self):
        print(f'1..{self.n}', flush=True)


# --------------------------------------------------------------------------
# Case files

class Case:
    """tests/oracle/cases/<name>/case.ini (format: docs/oracle.md)."""

    def __init__(self, name):
        self.name = name
        # NAME@legacy: case NAME again with iptables-legacy (its case.ini
        # says `backends = nft legacy`), ctfw given --legacy.
        base, _, variant = name.partition('@')
        self.dir = os.path.join(CASES_DIR, base)
        sections = {}
        cur = None
        with open(os.path.join(self.dir, 'case.ini')) as f:
            for raw in f:
                line = raw.rstrip('\n')
                s = line.strip()
                if not s or s.startswith('#') or s.startswith(';'):
                    continue
                m = re.match(r'^\[(\w+)\]$', s)
                if m:
                    cur = m.group(1)
                    sections.setdefault(cur, [])
                    continue
                if cur is None:
                    raise ValueError(f'{name}: line outside a section')
                sections[cur].append(s)
        kv = lambda sec: dict(  # noqa: E731
            (k.strip(), v.strip()) for k, v in
            (x.split('=', 1) for x in sections.get(sec, [])))
        c = kv('case')
        self.purpose = c.get('purpose', '')
        self.topology = c.get('topology', 'router')
        self.rules = os.path.join(self.dir, c.get('rules', 'rules.v4'))
        self.rules6 = (os.path.join(self.dir, c['rules6'])
                       if c.get('rules6') else None)
        self.packets = c.get('packets', 'packets.py')
        self.capture = c.get('capture')
        # corpus_capture = pcaps/suricata-verify/NAME.pcap: a capture of
        # the external corpus (CTFW_CORPUS, default ../shared/corpus),
        # read at test time, never copied into the repository; the case is
        # skipped with a message when it is absent. addr_map = A=client
        # B=server rewrites its addresses into the topology's.
        self.corpus_capture = c.get('corpus_capture')
        self.addr_map = dict(x.split('=', 1) for x in
                             c.get('addr_map', '').split())
        # [known_difference] OUTPUT = reason: a ctfw-vs-kernel difference
        # found and reported, shown as TAP TODO (docs/oracle.md).
        self.known_difference = kv('known_difference')
        self.timing = c.get('timing', 'fast')
        self.backend = variant or c.get('backend', 'nft')
        self.backends = c.get('backends', self.backend).split()
        self.client_stack = c.get('client_stack', 'no') == 'yes'
        # host topology: capture ctfw's input on this interface (lo: the
        # host's own traffic to itself)
        self.host_capture = c.get('host_capture', 'h0')
        self.ipv6 = c.get('ipv6', 'no') == 'yes'
        # nat = yes: packets are matched across the router by protocol,
        # IP id and length (NAT rewrites addresses and ports), and ports
        # no injected packet carried are compared by class
        # (docs/oracle.md, NAT).
        self.nat = c.get('nat', 'no') == 'yes'
        self.compare = c.get('compare', ' '.join(ALL_OUTPUTS)).split()
        if self.topology != 'router' and 'verdicts' in self.compare:
            # Fate of packets delivered to the host is not visible on a
            # wire; see docs/oracle.md.
            self.compare.remove('verdicts')
        default_args = ('--iface f0=10.199.1.1/24 --iface f1=10.199.2.1/24 '
                        '--forward' if self.topology == 'router'
                        else '--iface h0=10.199.1.1/24')
        self.ctfw_args = shlex.split(c.get('ctfw_args', default_args))
        # fw_setup = `ip` commands (arguments after `ip`, separated by
        # ';') run in the fw/host namespace after the topology is built
        # and before the rules are loaded: extra addresses, routes and
        # neighbours, which ctfw_args must then describe to ctfw too.
        self.fw_setup = [shlex.split(x) for x in
                         c.get('fw_setup', '').split(';') if x.strip()]
        # Host topology: packets of the h0 capture ctfw must not read as
        # input because it makes them itself (REJECT answers), as a
        # regular expression on the packet summary line.
        self.input_exclude = c.get('input_exclude')
        self.sysctl = kv('sysctl')
        self.global_sysctl = kv('global')
        self.expect = sections.get('expect', [])
        self._steps = None

    def steps(self):
        if self._steps is not None:
            return self._steps
        if self.corpus_capture:
            self._steps = steps_from_pcap(corpus_path(self.corpus_capture),
                                          self.timing, self.addr_map)
        elif self.capture:
            self._steps = steps_from_pcap(os.path.join(self.dir,
                                                       self.capture),
                                          self.timing)
        else:
            path = os.path.join(self.dir, self.packets)
            spec = importlib.util.spec_from_file_location(
                f'oracle_case_{self.name}', path)
            mod = importlib.util.module_from_spec(spec)
            import flows
            flows.reset()   # IP ids the same whatever ran before
            spec.loader.exec_module(mod)
            self._steps = list(mod.steps(netns.Addr))
        return self._steps

    def snap_names(self):
        return [s.name for s in self.steps() if isinstance(s, netns.Snap)]


# The external corpus root, as for the other suites (tests/run.py sets
# it; default ../shared/corpus beside the source tree).
CORPUS = os.environ.get('CTFW_CORPUS', os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(HERE))), 'shared',
    'corpus'))


def corpus_path(rel):
    return os.path.join(CORPUS, rel)


def steps_from_pcap(path, timing, addr_map=None):
    """A capture as steps: packets whose source lies in the client subnet
    are injected from the client side, the others from the server side;
    timing 'keep' keeps the capture's inter-packet gaps. addr_map
    {capture address: 'client'|'server'} rewrites addresses (checksums
    recomputed); packets of other addresses are left out."""
    import ipaddress
    from scapy.utils import rdpcap
    from scapy.layers.inet import IP, TCP, UDP, ICMP
    from scapy.layers.inet6 import IPv6
    from scapy.packet import Padding
    cnet = ipaddress.ip_network(netns.Addr.client_net)
    new = {'client': netns.Addr.client_ip, 'server': netns.Addr.server_ip}
    steps, prev = [], None
    for p in rdpcap(path):
        ip = p.getlayer(IP) or p.getlayer(IPv6)
        if ip is None:
            continue
        if addr_map:
            if ip.version != 4 or ip.src not in addr_map or \
                    ip.dst not in addr_map:
                continue
            ip = ip.copy()
            pad = ip.getlayer(Padding)
            if pad is not None:     # Ethernet padding is not IP payload
                pad.underlayer.remove_payload()
            ip.src, ip.dst = new[addr_map[ip.src]], new[addr_map[ip.dst]]
            if ip.haslayer(TCP) and ip[TCP].payload:
                # FTP PORT / 227 answers carry the address as "a,b,c,d":
                # rewrite it too when the length stays the same (no
                # sequence number changes), so helpers see the topology.
                data = bytes(ip[TCP].payload)
                for old_a, role in addr_map.items():
                    o = old_a.replace('.', ',').encode()
                    n = new[role].replace('.', ',').encode()
                    if len(o) == len(n):
                        data = data.replace(o, n)
                ip[TCP].remove_payload()
                ip[TCP].add_payload(data)
            del ip.chksum
            # L4 checksums are recomputed for whole datagrams only: a
            # fragment holds part of the payload (ICMP has no
            # pseudo-header, so its checksum survives the new addresses;
            # fragmented TCP/UDP captures cannot be mapped this way).
            if not (ip.flags.MF or ip.frag):
                for L in (TCP, UDP, ICMP):
                    if ip.haslayer(L):
                        del ip[L].chksum
            ip = IP(bytes(ip))
        side = 'client' if ipaddress.ip_address(ip.src) in cnet or \
            ip.src.startswith('fd00:199:1:') else 'server'
        if timing == 'keep' and prev is not None:
            steps.append(netns.Wait(float(p.time - prev)))
        prev = p.time
        steps.append(netns.Pkt(side, ip.copy()))
    return steps


def all_cases():
    names = sorted(d for d in os.listdir(CASES_DIR)
                   if os.path.isfile(os.path.join(CASES_DIR, d, 'case.ini')))
    out = []
    for n in names:
        out.append(n)
        if 'legacy' in Case(n).backends:
            out.append(f'{n}@legacy')
    return out


# --------------------------------------------------------------------------
# Kernel side

class KernelRun:
    """Everything the kernel showed for one case."""

    def __init__(self):
        self.ev = {}
        self.snaps = []        # (name, time, text)
        self.sent = []         # (time, side, frame)
        self.egress = {}       # side -> [frame]
        self.host_pcap = None  # host topology: capture on h0
        self.klog = []         # kernel log messages of this case
        self.klog_all = []
        self.runs = []
        self.t_first = None
        self.fates = None
        self.netns_inode = None


def read_pcap_frames(path):
    from scapy.utils import RawPcapReader
    out = []
    if not os.path.exists(path):
        return out
    for data, meta in RawPcapReader(path):
        out.append((meta.sec + meta.usec / 1e6, data))
    return out


def kernel_run(case, outdir, backend_override=None):
    kr = KernelRun()
    backend = backend_override or case.backend
    case.run_backend = backend   # ctfw then gets --legacy (run_ctfw)
    steps = case.steps()
    rules_text = open(case.rules).read() + \
        (open(case.rules6).read() if case.rules6 else '')
    # The kernel keeps 29 characters of a prefix (iptables cuts longer
    # ones silently), so the lines start with the first 29.
    log_prefixes = set(p[:29] for p in
                       re.findall(r'--log-prefix\s+"?([^"\s]+)',
                                  rules_text))
    with netns.GlobalSysctls() as g, \
            netns.Topology(case.topology, tag=case.name, ipv6=case.ipv6,
                           client_stack=case.client_stack,
                           host_capture=case.host_capture,
                           backend=backend) as topo:
        kr.netns_inode = netns.ns_inode(topo.fw)
        for cmd in case.fw_setup:
            netns.run(['ip'] + cmd, ns=topo.fw)
        if case.fw_setup and case.ipv6:
            # A new IPv6 address joins its solicited-node group: the MLD
            # reports (10 ms apart here, netns._quiet_mld) are over
            # before the rules count anything.
            time.sleep(0.3)
        topo.set_sysctls(case.sysctl)
        topo.load_rules(case.rules)
        if case.rules6:
            topo.load_rules(case.rules6, family=6)
        with netns.KmsgReader() as klog:
            try:
                for k, v in case.global_sysctl.items():
                    g.set(k, v)
                topo.start_captures(outdir)
                topo.play(steps, outdir)
                kr.capture_stats = topo.stop_captures()
                kr.ev.update(topo.collect())
                if case.rules6:
                    # IPv6 counters follow the IPv4 ones in `save`.
                    kr.ev['save'] += netns.run(
                        [topo.save_cmd(6), '-c'], ns=topo.fw,
                        check=False).stdout
            finally:
                g.restore()
            time.sleep(0.05)
            recs = klog.read()
        kr.snaps, kr.sent, kr.runs = topo.snaps, topo.sent, topo.runs
        kr.t_first = topo.t_first
        for side in ('client', 'server'):
            kr.egress[side] = [d for _, d in read_pcap_frames(
                os.path.join(outdir, f'kernel-egress-{side}.pcap'))]
        if case.topology == 'host':
            kr.host_pcap = os.path.join(outdir, 'kernel-host.pcap')
    inode = str(kr.netns_inode)
    kr.klog_all = [m for _, _, _, m in recs]
    for lvl, seq, usec, msg in recs:
        if any(msg.startswith(p) for p in log_prefixes) or \
                (('table full' in msg) and f'netns {inode}' in msg):
            # `net_ratelimit: N callbacks suppressed` is left out: it is
            # printed at the next rate-limited message of any origin, so
            # it belongs to no case (kept in kernel-log-all.txt).
            kr.klog.append(msg)
    if case.topology == 'router':
        kr.fates = kernel_fates(kr.sent, kr.egress, case.nat)
    return kr


def kernel_fates(sent, egress, nat=False):
    """Per injected packet: ACCEPT if it came out on the other side,
    DROP otherwise (router topology). With NAT a packet comes out with
    other addresses and ports: it is then recognised by protocol, IP id
    and length, even when it was sent to the router's own address (the
    translated address of a reply)."""
    pool = {'client': [N.pkt_signature(d) for d in egress['client']],
            'server': [N.pkt_signature(d) for d in egress['server']]}
    npool = {side: [N.nat_signature(d) for d in egress[side]]
             for side in ('client', 'server')} if nat else None
    import socket
    local = {socket.inet_pton(socket.AF_INET, a) for a in
             (netns.Addr.fw_client_ip, netns.Addr.fw_server_ip)} | \
        {socket.inet_pton(socket.AF_INET6, a) for a in
         (netns.Addr.fw_client_ip6, netns.Addr.fw_server_ip6)}
    fates = []
    for _, side, data in sent:
        other = 'server' if side == 'client' else 'client'
        sig = N.pkt_signature(data)
        dst = sig[1] if len(sig) > 1 else b''
        if nat and sig not in pool[other]:
            ns = N.nat_signature(data)
            if ns is not None and ns in npool[other]:
                i = npool[other].index(ns)
                del npool[other][i]
                del pool[other][i]
                fates.append('ACCEPT')
                continue
        if dst in local or (len(dst) == 4 and dst[0] >= 224) or \
                (len(dst) == 16 and dst[0] == 0xff):
            # For the fw itself (or multicast): its fate is not visible
            # on the wire.
            fates.append('LOCAL')
            continue
        if sig in pool[other]:
            i = pool[other].index(sig)
            del pool[other][i]
            if npool:
                del npool[other][i]
            fates.append('ACCEPT')
        else:
            fates.append('DROP')
    return fates


def write_kernel_evidence(case, kr, outdir):
    def w(name, text):
        with open(os.path.join(outdir, name), 'w') as f:
            f.write(text)
    for key, fname in (('conntrack', 'kernel-conntrack.txt'),
                       ('conntrack_id', 'kernel-conntrack-id.txt'),
                       ('stats', 'kernel-conntrack-stats.txt'),
                       ('count', 'kernel-conntrack-count.txt'),
                       ('proc_stat', 'kernel-proc-stat.txt'),
                       ('proc_conntrack', 'kernel-proc-conntrack.txt'),
                       ('save', 'kernel-save-counters.txt'),
                       ('list', 'kernel-list.txt')):
        w(fname, kr.ev.get(key, ''))
    w('kernel-log.txt', ''.join(m + '\n' for m in kr.klog))
    w('kernel-log-all.txt', ''.join(m + '\n' for m in kr.klog_all))
    for name, t, text in kr.snaps:
        w(f'kernel-conntrack@{name}.txt', text)
    lines = [f'case {case.name}: {case.purpose}',
             f'topology {case.topology}, backend '
             f'{kr.ev.get("backend", case.backend)}, '
             f'netns inode {kr.netns_inode}', '']
    t0 = kr.t_first or 0
    if kr.sent:
        lines.append('injected packets (time from first, side, fate):')
        for i, (t, side, data) in enumerate(kr.sent):
            if i == 200 and len(kr.sent) > 220:
                lines.append(f'  ... {len(kr.sent) - 220} more ...')
            if 200 <= i < len(kr.sent) - 20:
                continue
            fate = kr.fates[i] if kr.fates else '-'
            lines.append(f'  {i + 1:3d} +{t - t0:7.3f}s {side:6s} {fate:6s} '
                         f'{N.pkt_summary(data)}')
        lines.append('')
    for side in ('client', 'server'):
        if kr.egress.get(side):
            eg = kr.egress[side]
            lines.append(f'emitted towards the {side} side '
                         f'({len(eg)} packets):')
            lines += [f'  {N.pkt_summary(d)}' for d in eg[:200]]
            if len(eg) > 200:
                lines.append('  ...')
            lines.append('')
    if kr.host_pcap:
        lines.append('capture on h0 (ctfw input):')
        for t, d in read_pcap_frames(kr.host_pcap):
            lines.append(f'  +{t - t0:7.3f}s {N.pkt_summary(d)}')
        lines.append('')
    for name, rc, out, err in kr.runs:
        lines.append(f'program {name}: exit {rc}'
                     + (f' stderr: {err.strip()[:200]}' if err.strip()
                        else ''))
    for name, t, text in kr.snaps:
        lines.append(f'conntrack -L @{name} (+{t - t0:.3f}s):')
        lines += [f'  {x}' for x in text.splitlines()] or ['  (empty)']
    lines.append('conntrack -L at the end:')
    lines += [f'  {x}' for x in kr.ev['conntrack'].splitlines()] or \
        ['  (empty)']
    lines.append(f'conntrack -C: {kr.ev["count"].strip()}')
    lines.append('conntrack -S summed: ' + N.stats_text(kr.ev['stats']))
    lines.append('iptables-save -c (rules and chains with packets):')
    for x in N.save_lines(kr.ev['save']):
        if not re.match(r'^(\[0:0\]|:\S+ \S+ \[0:0\])', x) and \
                x not in ('COMMIT',) and not x.startswith('*'):
            lines.append(f'  {x}')
    lines.append('kernel log lines:')
    lines += [f'  {m!r}' for m in kr.klog] or ['  (none)']
    text = '\n'.join(lines) + '\n'
    w('kernel-observations.txt', text)
    return text


# --------------------------------------------------------------------------
# Assertions about the kernel evidence ([expect] lines)

EXPECT_RE = re.compile(
    r'^(?P<subj>verdicts|verdict \d+|ct\[[\w@-]+\] count|ct\[[\w@-]+\]|'
    r'count|stat \w+|counter|log count|log|egress \w+ count|egress \w+|'
    r'run \S+ rc)\s*(?P<op>!~|~|:|>=|<=)\s*(?P<arg>.*)$')


def ct_text_for(kr, snap):
    if snap == 'final':
        return kr.ev['conntrack'], kr.ev['time']
    for name, t, text in kr.snaps:
        if name == snap:
            return text, t
    raise KeyError(f'no snapshot {snap!r}')


def check_expect(line, kr, case):
    """-> (ok, diagnostics)."""
    m = EXPECT_RE.match(line)
    if not m:
        return False, [f'cannot parse expectation: {line}']
    subj, op, arg = m.group('subj'), m.group('op'), m.group('arg').strip()

    def lines_check(lines, what):
        if op == ':':
            # case.ini lines lose trailing spaces: compare without them
            # (assert a trailing space with `~ ... $`).
            ok = arg.rstrip() in [x.rstrip() for x in lines]
        elif op == '~':
            ok = any(re.search(arg, x) for x in lines)
        else:
            ok = not any(re.search(arg, x) for x in lines)
        return ok, ([f'{what}:'] + [f'  {x!r}' for x in lines]
                    if not ok else [])

    def number(got, what):
        if op in ('>=', '<='):
            try:
                g, a = int(got), int(arg)
            except (TypeError, ValueError):
                return False, [f'{what} is {got}, not comparable to {arg}']
            ok = g >= a if op == '>=' else g <= a
            return ok, ([] if ok else [f'{what} is {got}, expected '
                                       f'{op} {arg}'])
        ok = op == ':' and str(got) == arg
        return ok, ([] if ok else [f'{what} is {got}, expected {arg}'])

    if subj == 'verdicts':
        got = ' '.join(kr.fates or [])
        return number(got, 'kernel fates')
    if subj.startswith('verdict '):
        i = int(subj.split()[1])
        got = kr.fates[i - 1] if kr.fates and i <= len(kr.fates) else None
        return number(got, f'fate of packet {i}')
    if subj.startswith('ct['):
        snap = subj[3:subj.index(']')]
        text, t = ct_text_for(kr, snap)
        entries = [x for x in text.splitlines() if x.strip()]
        if subj.endswith(' count'):
            return number(len(entries), f'entries @{snap}')
        if op == ':':
            slack = N.slack_for(t - (kr.t_first or t))
            ok, why = N.ct_match(arg, text, slack)
            return ok, ([] if ok else [why, f'conntrack -L @{snap}:'] +
                        [f'  {x}' for x in entries])
        return lines_check([N.ct_entry(x)[0] for x in entries],
                           f'conntrack @{snap}')
    if subj == 'count':
        return number(N.count(kr.ev['count']), 'conntrack -C')
    if subj.startswith('stat '):
        name = subj.split()[1]
        return number(N.stats_sum(kr.ev['stats']).get(name),
                      f'stat {name}')
    if subj == 'counter':
        return lines_check(N.save_lines(kr.ev['save']), 'iptables-save -c')
    if subj == 'log count':
        return number(len(kr.klog), 'kernel log lines')
    if subj == 'log':
        return lines_check(kr.klog, 'kernel log lines')
    if subj.startswith('egress '):
        side = subj.split()[1]
        summ = [N.pkt_summary(d) for d in kr.egress.get(side, [])]
        if subj.endswith(' count'):
            return number(len(summ), f'packets out to {side}')
        return lines_check(summ, f'emitted to {side}')
    if subj.startswith('run '):
        name = subj.split()[1]
        for n, rc, out, err in kr.runs:
            if n == name:
                return number(rc, f'exit status of {name}')
        return False, [f'no program run named {name}']
    return False, [f'unknown subject {subj}']


# --------------------------------------------------------------------------
# ctfw side

def ctfw_help(ctfw):
    if not ctfw or not os.path.exists(ctfw):
        return None
    try:
        r = subprocess.run([ctfw, 'replay', '--help'], capture_output=True,
                           text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    return r.stdout + r.stderr


def has_opts(help_text, opts):
    missing = [o for o in opts
               if not re.search(r'(?<![\w-])' + re.escape(o) + r'(?![\w-])',
                                help_text)]
    return missing


def write_ctfw_inputs(case, kr, outdir):
    """The capture ctfw reads and the sysctl file of the simulated
    machine."""
    frames = []
    if case.topology == 'router':
        frames = [(t, d) for t, _, d in kr.sent]
    else:
        frames = read_pcap_frames(kr.host_pcap)
        if case.input_exclude:
            frames = [(t, d) for t, d in frames
                      if not re.search(case.input_exclude,
                                       N.pkt_summary(d))]
    path = os.path.join(outdir, 'input.pcap')
    write_frames(path, frames)
    sysctl = os.path.join(outdir, 'sysctl.conf')
    with open(sysctl, 'w') as f:
        f.write(f'# per-namespace sysctls of case {case.name} and the '
                'global values the kernel ran with\n')
        for k, v in case.sysctl.items():
            f.write(f'{k} = {v}\n')
        gl = dict(case.global_sysctl)
        gl.pop('net.netfilter.nf_log_all_netns', None)
        for k in ('net.netfilter.nf_conntrack_max',
                  'net.netfilter.nf_conntrack_buckets'):
            if k not in gl:
                gl[k] = kr.ev.get('global_' + k, '')
        for k, v in gl.items():
            if v != '':
                f.write(f'{k} = {v}\n')
    shutil.copy(case.rules, os.path.join(outdir, 'rules.v4'))
    return frames, path, sysctl


def write_frames(path, frames):
    """A classic pcap (microseconds, LINKTYPE_ETHERNET) of (time, frame)."""
    import struct
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for t, d in frames:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack('<IIII', sec, usec, len(d), len(d)))
            f.write(d)


def run_ctfw(ctfw, case, rules, pcap, sysctl, advance, outputs, outdir,
             tag):
    files = {}
    cmd = [ctfw, 'replay', '-R', rules, '-r', pcap, '--sysctl', sysctl,
           '-q', '--advance', f'{max(0.0, advance):.6f}'] + case.ctfw_args
    if case.rules6:
        cmd += ['-6', case.rules6]
    if getattr(case, 'run_backend', case.backend) == 'legacy' and \
            '--legacy' not in cmd:
        cmd.append('--legacy')
    for out in outputs:
        for opt in OUTPUT_OPTS[out]:
            if opt in files:
                continue
            ext = '.pcap' if opt == '--accepted' else '.txt'
            fn = os.path.join(outdir, f'ctfw{tag}{opt[1:]}{ext}')
            files[opt] = fn
            cmd += [opt, fn]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       errors='replace')
    with open(os.path.join(outdir, f'ctfw{tag}-cmd.txt'), 'w') as f:
        f.write(' '.join(shlex.quote(x) for x in cmd) + '\n')
        f.write(f'exit {r.returncode}\n--- stdout\n{r.stdout}\n'
                f'--- stderr\n{r.stderr}\n')
    return r, files


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def compare_output(out, case, kr, files):
    """-> list of difference strings ([] = agree)."""
    if out == 'verdicts':
        c = N.verdict_lines(read(files['--verdicts']) or '')
        k = list(enumerate(kr.fates, 1))
        local = {n for n, f in k if f == 'LOCAL'}
        k = [(n, f) for n, f in k if n not in local]
        c = [(n, f) for n, f in c if n not in local]
        if c == k:
            return []
        d = [f'packet {n}: kernel {kf}, ctfw '
             f'{dict(c).get(n, "(missing)")}' for n, kf in k
             if dict(c).get(n) != kf]
        return d or [f'ctfw listed {len(c)} packets, kernel {len(k)}']
    if out == 'conntrack':
        return ct_compare_case(case, kr, kr.ev['conntrack'],
                               read(files['--conntrack']) or '')
    if out == 'count':
        n = len(N.ct_entries(read(files['--conntrack']) or ''))
        k = N.count(kr.ev['count'])
        return [] if n == k else [f'kernel {k} entries, ctfw {n}']
    if out == 'stats':
        k = N.stats_sum(kr.ev['stats'])
        c = N.stats_sum(read(files['--conntrack-stats']) or '')
        return [f'{name}: kernel {k.get(name)}, ctfw {c.get(name)}'
                for name in sorted(set(k) | set(c))
                if k.get(name) != c.get(name)]
    if out == 'counters':
        k = N.save_lines(kr.ev['save'])
        c = N.save_lines(read(files['--save-counters']) or '')
        return diff_lines(k, c)
    if out == 'log':
        k = N.log_lines(kr.klog)
        c = N.log_lines((read(files['--log']) or '').splitlines())
        return diff_lines(k, c)
    if out == 'egress':
        import ipaddress
        k = [f'{s}: {N.pkt_summary(d)}' for s in ('client', 'server')
             for d in kr.egress.get(s, [])]
        known = N.injected_ports([d for _, _, d in kr.sent]) \
            if case.nat else None
        # The client side: what ctfw's host model routes out of f0 (its
        # subnets and routes in ctfw_args), else the topology's subnets.
        cnets = []
        args = case.ctfw_args
        for i, w in enumerate(args[:-1]):
            m = re.match(r'(?:f0=(.+)|(.+)=f0(?:,.*)?)$', args[i + 1]) \
                if w in ('--iface', '--route') else None
            if m:
                net = m.group(1) or m.group(2)
                if net != 'default' and '/' in net:
                    cnets.append(ipaddress.ip_network(net, strict=False))
        if not cnets:
            cnets = [ipaddress.ip_network(netns.Addr.client_net),
                     ipaddress.ip_network(netns.Addr.fw_client_ip6 + '/64',
                                          strict=False)]
        c = []
        for _, d in read_pcap_frames(files['--accepted']):
            # ctfw writes --accepted as LINKTYPE_RAW (docs/replay.md).
            summ = N.pkt_summary(d, 101)
            m = re.search(r' (\S+) > (\S+?) ', summ)
            if not m:
                continue
            src, dst = m.group(1), m.group(2)
            if case.topology == 'host':
                # ctfw's accepted packets include what entered INPUT; the
                # kernel capture at the client holds what the host sent.
                if src in (netns.Addr.host_ip, netns.Addr.host_ip6):
                    c.append(('client', summ))
                continue
            try:
                a = ipaddress.ip_address(dst)
                side = 'client' if any(a.version == n.version and a in n
                                       for n in cnets) else 'server'
            except ValueError:
                side = 'server'
            c.append((side, summ))
        c = [f'{s}: {x}' for s in ('client', 'server') for ss, x in c
             if ss == s]
        bad = []
        if known is not None:
            k = [N.nat_ports_pkt(x, known) for x in k]
            c = [N.nat_ports_pkt(x, known) for x in c]
            # ctfw rewrote these packets: their checksums must be right.
            for _, d in read_pcap_frames(files['--accepted']):
                for what in N.checksum_problems(d):
                    bad.append(f'ctfw: wrong {what}: '
                               f'{N.pkt_summary(d, 101)}')
        return bad + diff_lines(k, c)
    return [f'unknown output {out}']


def ct_compare_case(case, kr, ktext, ctext):
    """N.ct_compare, with NAT-chosen ports compared by class and
    uniqueness when the case says nat = yes."""
    if not case.nat:
        return N.ct_compare(ktext, ctext, 1)
    known = N.injected_ports([d for _, _, d in kr.sent])
    ktext, kp = N.nat_ports_ct(ktext, known)
    ctext, cp = N.nat_ports_ct(ctext, known)
    return [f'kernel: {x}' for x in kp] + [f'ctfw: {x}' for x in cp] + \
        N.ct_compare(ktext, ctext, 1)


def diff_lines(k, c):
    if k == c:
        return []
    import difflib
    return [x for x in difflib.unified_diff(k, c, 'kernel', 'ctfw',
                                            lineterm='', n=1)][2:]


def ctfw_points(tap, case, kr, outdir, ctfw, help_text, frames, pcap,
                sysctl):
    rules = case.rules
    outputs = [o for o in case.compare if o in OUTPUT_OPTS]
    snap_names = case.snap_names() if 'conntrack' in outputs else []
    names = [f'{case.name}/{o}' for o in outputs] + \
        [f'{case.name}/conntrack@{s}' for s in snap_names]
    if help_text is None:
        for n in names:
            tap.skip(n, 'ctfw replay not implemented yet - issue 5')
        return
    base = list(BASE_OPTS) + [o for o in case.ctfw_args
                              if o.startswith('-')]
    missing_base = has_opts(help_text, base)
    if missing_base:
        for n in names:
            tap.skip(n, f'ctfw replay lacks {" ".join(missing_base)} '
                     '- issue 5')
        return
    usable = [o for o in outputs if not has_opts(help_text, OUTPUT_OPTS[o])]
    last_t = frames[-1][0] if frames else kr.ev['time']
    r, files = run_ctfw(ctfw, case, rules, pcap, sysctl,
                        kr.ev['time'] - last_t, usable, outdir, '')
    for o in outputs:
        name = f'{case.name}/{o}'
        if o not in usable:
            tap.skip(name, f'ctfw replay lacks '
                     f'{" ".join(has_opts(help_text, OUTPUT_OPTS[o]))} '
                     '- issue 5')
            continue
        if r.returncode != 0:
            tap.compared(case, o, [f'ctfw replay exit {r.returncode}',
                                   *r.stderr.strip().splitlines()[-5:]])
            continue
        d = compare_output(o, case, kr, files)
        tap.compared(case, o, d)
    for sname in snap_names:
        name = f'{case.name}/conntrack@{sname}'
        if 'conntrack' not in usable:
            tap.skip(name, 'ctfw replay lacks --conntrack - issue 5')
            continue
        _, t, text = next(x for x in kr.snaps if x[0] == sname)
        prefix = [(ft, d) for ft, d in frames if ft <= t]
        ppath = os.path.join(outdir, f'input@{sname}.pcap')
        write_frames(ppath, prefix)
        last = prefix[-1][0] if prefix else t
        rr, ff = run_ctfw(ctfw, case, rules, ppath, sysctl, t - last,
                          ['conntrack'], outdir, f'@{sname}')
        if rr.returncode != 0:
            tap.compared(case, f'conntrack@{sname}',
                         [f'ctfw replay exit {rr.returncode}',
                          *rr.stderr.strip().splitlines()[-5:]])
            continue
        d = ct_compare_case(case, kr, text, read(ff['--conntrack']) or '')
        tap.compared(case, f'conntrack@{sname}', d)


# --------------------------------------------------------------------------

def points_skip_all(tap, case, why):
    tap.skip(f'{case.name}/kernel', why)
    for line in case.expect:
        tap.skip(f'{case.name}/expect: {line[:70]}', why)
    outs = [o for o in case.compare if o in OUTPUT_OPTS]
    try:
        snaps = case.snap_names() if 'conntrack' in outs else []
    except Exception:
        snaps = []
    for o in outs:
        tap.skip(f'{case.name}/{o}', why)
    for s in snaps:
        tap.skip(f'{case.name}/conntrack@{s}', why)


def global_values(ev):
    for k in ('net.netfilter.nf_conntrack_max',
              'net.netfilter.nf_conntrack_buckets'):
        try:
            with open('/proc/sys/' + k.replace('.', '/')) as f:
                ev['global_' + k] = f.read().strip()
        except OSError:
            pass


def write_results(results, tap, cases, case_times, total, ran_ctfw,
                  backend):
    """DIR/results.json: every test point of the run, by case, for
    tests/oracle/fidelity.py (docs/fidelity.md)."""
    import json
    by_case = {c.name: [] for c in cases}
    for desc, status, reason, diag in tap.records:
        name, _, point = desc.partition('/')
        if name in by_case:
            by_case[name].append({'point': point, 'status': status,
                                  'reason': reason, 'diag': diag})
    doc = {'version': 1, 'kernel': os.uname().release,
           'date': time.strftime('%Y-%m-%d %H:%M:%S %Z'),
           'seconds': round(total, 1), 'ctfw': ran_ctfw,
           'backend': backend or 'per case',
           'cases': [{'name': c.name, 'purpose': c.purpose,
                      'topology': c.topology, 'compare': c.compare,
                      'known_difference': c.known_difference,
                      'seconds': case_times.get(c.name),
                      'points': by_case[c.name]} for c in cases]}
    with open(os.path.join(results, 'results.json'), 'w') as f:
        json.dump(doc, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description='ctfw kernel oracle (TAP)')
    ap.add_argument('cases', nargs='*', help='case names (default: all)')
    ap.add_argument('--results', default=os.path.join(
        os.environ.get('CTFW_BUILD', '/tmp'),
        'oracle-results' if os.environ.get('CTFW_BUILD')
        else 'ctfw-oracle-results'))
    ap.add_argument('--backend', choices=['nft', 'legacy'],
                    help='override every case\'s iptables backend')
    ap.add_argument('--list', action='store_true',
                    help='list cases with their purpose')
    ap.add_argument('--kernel-only', action='store_true',
                    help='do not run ctfw (its points are skipped)')
    args = ap.parse_args()
    names = args.cases or all_cases()
    if args.list:
        for n in names:
            print(f'{n:24s} {Case(n).purpose}')
        return 0
    tap = Tap()
    ctfw = os.environ.get('CTFW', '')
    help_text = None if args.kernel_only else ctfw_help(ctfw)
    if help_text is None:
        tap.comment(f'ctfw: {ctfw or "(CTFW not set)"}: `replay --help` '
                    'unavailable; ctfw comparisons are skipped')
    why = None
    if not netns.have_netns():
        why = 'need root and network namespaces'
    elif importlib.util.find_spec('scapy') is None:
        why = 'need python3-scapy (run with /usr/bin/python3)'
    cases = [Case(n) for n in names]
    if why:
        for c in cases:
            points_skip_all(tap, c, why)
        tap.plan()
        return 0
    netns.install_handlers()
    # Leftovers of a killed earlier run would hold memory, not state:
    # remove them (only those of dead processes).
    netns.cleanup_stale()
    os.makedirs(args.results, exist_ok=True)
    summary = []
    t_all = time.monotonic()
    last_full = None
    case_times = {}
    for case in cases:
        if case.corpus_capture and \
                not os.path.exists(corpus_path(case.corpus_capture)):
            points_skip_all(tap, case, 'external corpus absent: '
                            f'{corpus_path(case.corpus_capture)}')
            continue
        if last_full is not None and \
                'net.netfilter.nf_conntrack_max' in case.global_sysctl:
            # `table full` lines go through net_ratelimit (10 per 5 s,
            # machine-wide): start each table-full case with a fresh
            # window so its log lines are all printed.
            time.sleep(max(0.0, RATELIMIT_WINDOW - (time.monotonic() -
                                                    last_full)))
        outdir = os.path.join(args.results, case.name)
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        t0 = time.monotonic()
        try:
            kr = kernel_run(case, outdir, args.backend)
            global_values(kr.ev)
            text = write_kernel_evidence(case, kr, outdir)
        except Exception as e:  # one broken case must not stop the rest
            tap.point(False, f'{case.name}/kernel',
                      diag=traceback.format_exc().splitlines()[-8:])
            for line in case.expect:
                tap.skip(f'{case.name}/expect: {line[:70]}',
                         'kernel run failed')
            for o in case.compare:
                tap.skip(f'{case.name}/{o}', 'kernel run failed')
            summary.append(f'== {case.name}: kernel run failed: {e}\n')
            continue
        if any('table full' in m for m in kr.klog):
            last_full = time.monotonic()
        tap.point(True, f'{case.name}/kernel '
                  f'({time.monotonic() - t0:.1f}s)')
        summary.append(text)
        for line in case.expect:
            # "@legacy LINE" / "@nft LINE": a fact of that backend only.
            m = re.match(r'@(nft|legacy)\s+(.*)$', line)
            if m:
                if m.group(1) != case.run_backend:
                    continue
                line = m.group(2)
            try:
                ok, diag = check_expect(line, kr, case)
            except Exception as e:
                ok, diag = False, [f'{type(e).__name__}: {e}']
            tap.point(ok, f'{case.name}/expect: {line[:90]}', diag=diag)
        frames, pcap, sysctl = write_ctfw_inputs(case, kr, outdir)
        ctfw_points(tap, case, kr, outdir, ctfw, help_text, frames, pcap,
                    sysctl)
        case_times[case.name] = round(time.monotonic() - t0, 1)
    with open(os.path.join(args.results, 'kernel-observations.txt'),
              'w') as f:
        f.write(f'# ctfw oracle kernel observations, {time.ctime()}, '
                f'kernel {os.uname().release}, '
                f'{time.monotonic() - t_all:.1f}s\n\n')
        f.write('\n'.join(summary))
    write_results(args.results, tap, cases, case_times,
                  time.monotonic() - t_all, help_text is not None,
                  args.backend)
    tap.comment(f'evidence in {args.results} '
                f'({time.monotonic() - t_all:.1f}s)')
    tap.plan()
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
