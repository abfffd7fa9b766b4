#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""System tests of `ctfw live --bridge` in network namespaces (TAP).

    run_live.py BUILD_DIR

Topology and cleanup: tests/live/livenet.py. Each ruleset (the incident's
baseline and fixed rulesets moved to FORWARD, tests/live/*.v4) sees the
same client probes (tests/live/probe.py: HTTP, a DNS-like UDP exchange,
ping, a TCP port REJECTed with a reset, one REJECTed with
icmp-host-prohibited, a UDP port likewise) twice: through ctfw bridging
the middle namespace, and through the middle namespace's own kernel
routing with the same rules loaded by iptables-restore. The expected
outcomes are the ruleset's meaning (written beside each check); ctfw and
the kernel must then agree on every outcome, on the conntrack entries
(timeouts, ephemeral ports and ids aside) and on every rule counter.

Then, on ctfw alone: the control socket (mode, conntrack -L/-C/-D/-F,
iptables -L, a bad option), /metrics, reload under load (a 16 MiB
transfer through a refused and an accepted reload), SIGTERM's final
dump, and kill -9 failing closed. Needs root; skips otherwise.
"""
import json
import os
import re
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import livenet as L  # noqa: E402

PY = '/usr/bin/python3'
n_test = 0
failed = 0


def ok(cond, what, detail=''):
    global n_test, failed
    n_test += 1
    print(f'{"ok" if cond else "not ok"} {n_test} - {what}', flush=True)
    if not cond:
        failed += 1
        for line in str(detail).splitlines():
            print(f'#   {line}')
    return cond


def skip(what, why):
    global n_test
    n_test += 1
    print(f'ok {n_test} - {what} # SKIP {why}')


class Ctfw:
    """ctfw live running in the middle namespace."""

    def __init__(self, exe, topo, rules, extra=()):
        self.exe = exe
        self.topo = topo
        self.sock = f'/run/ctfw/{L.PREFIX}{os.path.basename(topo.m)}.sock'
        self.log = f'/tmp/{L.PREFIX}live.log'
        argv = [exe, 'live', '--bridge', 'b0,b1', '-R', rules, '--ctl',
                self.sock, '--iface', 'b0=10.198.1.1/24', '--iface',
                'b1=10.198.2.1/24', '--log', self.log] + list(extra)
        self.p = L.spawn(argv, topo.m, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(100):   # ready when the control socket answers
            if os.path.exists(self.sock) and self.ctl('status').returncode == 0:
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.05)

    def ctl(self, *words):
        return L.run([self.exe, 'ctl', '--ctl', self.sock] + list(words),
                     self.topo.m, check=False)

    def stop(self, sig='TERM'):
        rc = L.stop(self.p, kill=(sig == 'KILL'))
        out, err = self.p.communicate()
        if os.path.exists(self.log):
            os.unlink(self.log)
        # kill -9 leaves the control socket behind: ours to remove.
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        return rc, out, err


def normalize_ct(text):
    """conntrack -L lines without what differs between two runs: the
    timeout, ephemeral ports (>= 1024), ICMP ids, mark/use/id."""
    lines = []
    for line in text.splitlines():
        if not line or 'flow entries' in line:
            continue
        f = line.split()
        del f[2]                       # the timeout
        s = ' '.join(x for x in f if not re.match(r'(mark|use|id)=', x))
        s = re.sub(r'(sport|dport)=(\d+)',
                   lambda m: m.group(0) if int(m.group(2)) < 1024
                   else m.group(1) + '=*', s)
        s = re.sub(r'\bid=\d+', 'id=*', s)
        lines.append(s)
    return sorted(lines)


def counters(save_text):
    """The counted lines of iptables-save -c (policies and rules), split
    in two: (exact, timed).

    Timed are the lines that count the packets of the HTTP exchange: the
    ESTABLISHED (and UNTRACKED) accept rules, the NOTRACK rules of port
    80 and the policies of the chains every packet crosses (raw
    PREROUTING and OUTPUT, filter OUTPUT). How many packets one TCP
    exchange takes, and how they split between the directions, follows
    the endpoints' timing (a delayed ACK sent alone or carried by the
    FIN), not the firewall: seen 5/5 and 6/4 for the same exchange
    through the kernel alone, and 20 or 21 in all through NFQUEUE. They
    are compared within 2 packets each. Every other counter (REJECT
    rules, icmp, NEW rules, the INPUT and FORWARD policies) is compared
    exactly: one deterministic packet each."""
    exact, timed = [], {}
    table = None
    for ln in save_text.splitlines():
        if ln.startswith('*'):
            table = ln[1:]
            continue
        m = re.match(r'^(?::(\S+) \S+ |)\[(\d+):(\d+)\](.*)$', ln)
        if not m:
            continue
        key = f'{table} {ln[ln.index("]") + 1:].strip() or m.group(1)}'
        if m.group(1):
            key = f'{table} policy {m.group(1)}'
        if ('ESTABLISHED' in ln or 'NOTRACK' in ln or
                (m.group(1) and (table == 'raw' or m.group(1) == 'OUTPUT'))):
            timed[key] = int(m.group(2))
        else:
            exact.append(ln)
    return exact, timed


def same_counters(c, k):
    """ctfw's and the kernel's counters() agree: exact lines equal, timed
    ones within 2 packets."""
    if c[0] != k[0] or set(c[1]) != set(k[1]):
        return False
    return all(abs(c[1][x] - k[1][x]) <= 2 for x in c[1])


def show_counters(c):
    return '\n'.join(c[0] + [f'{k}: {v} (timed)' for k, v in
                             sorted(c[1].items())])


def probe(topo):
    r = L.run([PY, os.path.join(HERE, 'probe.py'), L.SERVER_IP], topo.c,
              check=False, timeout=120)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {'error': r.stdout + r.stderr}


def start_servers(topo):
    srv = L.spawn([PY, os.path.join(HERE, 'servers.py'), L.SERVER_IP],
                  topo.s, stdout=subprocess.PIPE, text=True)
    srv.stdout.readline()   # 'ready'
    http = L.spawn([PY, os.path.join(os.path.dirname(HERE), 'oracle',
                                     'tinyhttp.py'), L.SERVER_IP, '80'],
                   topo.s)
    time.sleep(0.2)
    return [srv, http]


# What the FORWARD rules mean for each probe (both rulesets agree): HTTP
# and UDP 53 are accepted NEW from the b0 side and their replies as
# ESTABLISHED (or UNTRACKED); ping as -p icmp; TCP 81 meets REJECT
# --reject-with tcp-reset (ECONNREFUSED); TCP 23 and UDP 5353 fall to
# REJECT --reject-with icmp-host-prohibited, which Linux reports as
# EHOSTUNREACH (icmp_err_convert: code 10 -> EHOSTUNREACH).
EXPECTED = {
    'http80': 'hello\n',
    'udp53': 'answer:query-53',
    'ping': '3 received',
    'tcp81': 'ECONNREFUSED',
    'tcp23': 'EHOSTUNREACH',
    'udp5353': 'EHOSTUNREACH',
    # ip_forward(): a TTL that would reach 0 is answered with ICMP time
    # exceeded (type 11, code 0; SO_EE_ORIGIN_ICMP = 2) from the address
    # facing the sender (the router's 10.198.1.1, given to ctfw with
    # --iface b0=10.198.1.1/24).
    'ttl1': 'icmp origin=2 type=11 code=0 from=10.198.1.1',
}


_kernel_runs = {}


def kernel_run(rules):
    """The probes through the kernel's own forwarding with the rules (once
    per ruleset: the I/O modes of ctfw are all compared with it)."""
    if rules in _kernel_runs:
        return _kernel_runs[rules]
    with L.Topology('router', 'kr') as t:
        t.load_rules(rules)
        servers = start_servers(t)
        out = probe(t)
        ct = L.run(['conntrack', '-L'], t.m, check=False).stdout
        save = L.run(['iptables-save', '-c'], t.m).stdout
        for s in servers:
            L.stop(s)
    _kernel_runs[rules] = (out, normalize_ct(ct), counters(save))
    return _kernel_runs[rules]


def compare_run(exe, rules, name, extra=()):
    """The probes through ctfw (with the options extra) and through the
    kernel."""
    res = {}
    with L.Topology('bridge', 'cb') as t:
        servers = start_servers(t)
        fw = Ctfw(exe, t, rules, extra)
        out = probe(t)
        ct = fw.ctl('conntrack', '-L').stdout
        save = fw.ctl('iptables-save', '-c').stdout
        fw.stop()
        for s in servers:
            L.stop(s)
        res['ctfw'] = (out, normalize_ct(ct), counters(save))
    res['kernel'] = kernel_run(rules)
    c_out, c_ct, c_cnt = res['ctfw']
    k_out, k_ct, k_cnt = res['kernel']
    for key, want in EXPECTED.items():
        ok(c_out.get(key) == want,
           f'{name}: {key} through ctfw: {want!r}', f'got {c_out}')
        ok(c_out.get(key) == k_out.get(key),
           f'{name}: {key}: ctfw and the kernel agree',
           f'ctfw {c_out.get(key)!r}, kernel {k_out.get(key)!r}')
    ok(c_ct == k_ct, f'{name}: the same conntrack entries as the kernel',
       'ctfw:\n' + '\n'.join(c_ct) + '\nkernel:\n' + '\n'.join(k_ct))
    ok(same_counters(c_cnt, k_cnt),
       f'{name}: the same rule counters as the kernel',
       'ctfw:\n' + show_counters(c_cnt) + '\nkernel:\n' +
       show_counters(k_cnt))
    return c_ct


def control_tests(exe, rules):
    with L.Topology('bridge', 'ctl') as t:
        servers = start_servers(t)
        fw = Ctfw(exe, t, rules, ['--metrics', '127.0.0.1:9464'])
        ev = L.spawn([exe, 'ctl', '--ctl', fw.sock, 'conntrack', '-E'],
                     t.m, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
        ev_new = L.spawn([exe, 'ctl', '--ctl', fw.sock, 'conntrack', '-E',
                          '-e', 'NEW', '-p', 'udp'], t.m,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        time.sleep(0.3)
        probe(t)
        time.sleep(0.3)
        ev.send_signal(subprocess.signal.SIGINT)
        ev_new.send_signal(subprocess.signal.SIGINT)
        eo, ee = ev.communicate(timeout=10)
        no, ne = ev_new.communicate(timeout=10)
        L._children.remove(ev)
        L._children.remove(ev_new)
        lines = eo.splitlines()
        # The probes that passed make three connections (HTTP, UDP 53,
        # ICMP echo): each a NEW event, the HTTP one UPDATEs (SYN_RECV,
        # ESTABLISHED, FIN_WAIT...); the REJECTed ones none (their
        # entries were never confirmed).
        news = [x for x in lines if x.startswith('    [NEW] ')]
        ok(len(news) == 3 and any(x.startswith(' [UPDATE] tcp      6 ')
                                  for x in lines) and
           ee == 'conntrack v1.4.7 (conntrack-tools): %d flow events have '
           'been shown.\n' % len(lines),
           "ctl conntrack -E: events as conntrack -E prints them, the "
           "count on Ctrl-C", eo + ee)
        ok(no.splitlines() and all(x.startswith('    [NEW] udp ')
                                   for x in no.splitlines()) and
           len(no.splitlines()) == 1,
           'ctl conntrack -E -e NEW -p udp: only the UDP NEW event', no + ne)
        st = os.stat(fw.sock)
        ok(stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0,
           'control socket is mode 0600, owner root',
           oct(st.st_mode))
        r = fw.ctl('conntrack', '-L', '-p', 'udp', '--dport', '53')
        ok(r.returncode == 0 and len(r.stdout.splitlines()) == 1 and
           'dport=53' in r.stdout and r.stderr ==
           'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been '
           'shown.\n', 'ctl conntrack -L -p udp --dport 53: one entry, '
           "conntrack's summary on stderr", r.stdout + r.stderr)
        r = fw.ctl('conntrack', '-C')
        count = r.stdout.strip()
        ok(r.returncode == 0 and count.isdigit(), 'ctl conntrack -C: a '
           'bare integer', r.stdout)
        m = L.run(['curl', '-s', '-i', 'http://127.0.0.1:9464/metrics'],
                  t.m, check=False).stdout
        names = ['node_nf_conntrack_entries', 'node_nf_conntrack_entries_'
                 'limit', 'node_nf_conntrack_stat_found',
                 'node_nf_conntrack_stat_invalid',
                 'node_nf_conntrack_stat_insert',
                 'node_nf_conntrack_stat_insert_failed',
                 'node_nf_conntrack_stat_drop',
                 'node_nf_conntrack_stat_early_drop',
                 'node_nf_conntrack_stat_search_restart']
        missing = [n for n in names
                   if not re.search(rf'^# TYPE {n} gauge$', m, re.M)]
        ok(not missing and 'text/plain; version=0.0.4' in m,
           "/metrics: node_exporter's conntrack gauges, Prometheus text "
           'format', f'missing {missing}\n{m[:400]}')
        e = re.search(r'^node_nf_conntrack_entries (\d+)$', m, re.M)
        ok(e and e.group(1) == count, '/metrics: node_nf_conntrack_entries '
           'equals conntrack -C', f'{e and e.group(1)} vs {count}')
        a = re.search(r'^ctfw_packets_accepted_total (\d+)$', m, re.M)
        d = re.search(r'^ctfw_packets_dropped_total\{reason="rule"\} (\d+)$',
                      m, re.M)
        # The probes: tcp81, tcp23 and udp5353 each rejected once.
        ok(a and int(a.group(1)) > 0 and d and int(d.group(1)) == 3,
           '/metrics: ctfw counters (3 packets rejected by rules)',
           f'{a and a.group(0)} {d and d.group(0)}')
        r404 = L.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}',
                      'http://127.0.0.1:9464/'], t.m, check=False).stdout
        ok(r404 == '404', '/metrics: other paths answer 404', r404)
        r = fw.ctl('conntrack', '-L', '--bogus')
        ok(r.returncode == 2 and r.stderr ==
           "conntrack v1.4.7 (conntrack-tools): unknown option `--bogus'\n"
           "Try `conntrack -h' or 'conntrack --help' for more "
           'information.\n', "ctl conntrack: a bad option as conntrack "
           'words it, exit 2', r.stderr)
        r = fw.ctl('conntrack', '-D', '-p', 'udp')
        ok(r.returncode == 0 and 'flow entries have been deleted.' in
           r.stderr and fw.ctl('conntrack', '-L', '-p', 'udp').stdout == '',
           'ctl conntrack -D -p udp deletes the UDP entries', r.stderr)
        r = fw.ctl('conntrack', '-D', '-p', 'udp')
        ok(r.returncode == 1 and "such conntrack doesn't exist" in r.stderr,
           'ctl conntrack -D of nothing: exit 1 as conntrack', r.stderr)
        r = fw.ctl('iptables', '-L', 'FORWARD', '-n', '-v', '-x')
        ok(r.returncode == 0 and r.stdout.startswith(
            'Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)\n'),
           'ctl iptables -L FORWARD -n -v -x', r.stdout[:300])
        r = fw.ctl('conntrack', '-F')
        ok(r.returncode == 0 and fw.ctl('conntrack', '-C').stdout == '0\n',
           'ctl conntrack -F empties the table', r.stderr)
        rc, out, err = fw.stop()
        ok(rc == 0 and '*filter' in out and 'COMMIT' in out and
           re.search(r'^\[[1-9]\d*:\d+\] -A FORWARD', out, re.M) and
           re.search(r'^cpu=0\s+found=\d+ invalid=\d+', out, re.M),
           'SIGTERM: exit 0 and the final dump (iptables-save -c, '
           'conntrack -S)', f'rc {rc}\n{out}\n{err}')
        for s in servers:
            L.stop(s)


def reload_test(exe, rules, bad_rules, good_rules):
    with L.Topology('bridge', 'rl') as t:
        servers = start_servers(t)
        fw = Ctfw(exe, t, rules)
        # A long transfer on port 22 (accepted NEW by the rules).
        client = L.spawn(
            [PY, '-c',
             'import socket,sys\n'
             's=socket.create_connection((sys.argv[1],22),timeout=10)\n'
             'n=0\n'
             'while True:\n'
             '    b=s.recv(65536)\n'
             '    if not b: break\n'
             '    n+=len(b)\n'
             'print(n)\n', L.SERVER_IP], t.c, stdout=subprocess.PIPE,
            text=True)
        time.sleep(1.0)
        ids = fw.ctl('conntrack', '-L', '-p', 'tcp', '--dport', '22', '-o',
                     'id').stdout
        before = fw.ctl('iptables-save', '-c').stdout
        acc0 = fw.ctl('status').stdout
        r = fw.ctl('reload', bad_rules)
        ok(r.returncode == 2 and 'iptables-restore' in r.stderr and
           'line' in r.stderr,
           "reload of a bad file: refused in iptables-restore's words, "
           'exit 2', r.stderr)
        ok(fw.ctl('iptables-save').stdout == L.run(
            [exe, 'ctl', '--ctl', fw.sock, 'iptables-save'], t.m,
            check=False).stdout and 'dport 23' not in
           fw.ctl('iptables-save').stdout,
           'reload of a bad file: the running rules are unchanged')
        time.sleep(0.5)
        r = fw.ctl('reload', good_rules)
        ok(r.returncode == 0, 'reload of a good file under load', r.stderr)
        after_save = fw.ctl('iptables-save', '-c').stdout
        ok('-A FORWARD -i b0 -o b1 -p tcp -m tcp --dport 8080 -j ACCEPT' in
           after_save, 'the new rules run', after_save)
        out, _ = client.communicate(timeout=60)
        L._children.remove(client)
        ok(out.strip() == str(16 * 1024 * 1024),
           'the 16 MiB transfer across both reloads is complete',
           f'received {out.strip()} bytes')
        ids2 = fw.ctl('conntrack', '-L', '-p', 'tcp', '--dport', '22', '-o',
                      'id').stdout
        idre = re.compile(r'id=(\d+)')
        ok(idre.search(ids) and idre.search(ids2) and
           idre.search(ids).group(1) == idre.search(ids2).group(1),
           'the connection kept its conntrack entry (same id) across the '
           'reload', ids + ids2)
        est = re.search(r'^\[(\d+):\d+\] -A FORWARD -m state --state '
                        r'RELATED,ESTABLISHED -j ACCEPT', after_save, re.M)
        acc = lambda s: int(re.search(r'^accepted (\d+)', s, re.M).group(1))
        final = fw.ctl('iptables-save', '-c').stdout
        est2 = re.search(r'^\[(\d+):\d+\] -A FORWARD -m state --state '
                         r'RELATED,ESTABLISHED -j ACCEPT', final, re.M)
        ok(est and est2 and int(est2.group(1)) > int(est.group(1)) and
           acc(fw.ctl('status').stdout) > acc(acc0),
           'counters continue: the new ESTABLISHED rule counts the '
           'transfer, accepted packets keep growing',
           f'{before}\n{final}')
        fw.stop()
        for s in servers:
            L.stop(s)


class CtfwQueue(Ctfw):
    """ctfw live --queue in the host namespace."""

    def __init__(self, exe, topo, rules, queue=7, extra=()):
        self.exe = exe
        self.topo = topo
        self.sock = f'/run/ctfw/{L.PREFIX}{os.path.basename(topo.m)}.sock'
        self.log = f'/tmp/{L.PREFIX}live.log'
        argv = [exe, 'live', '--queue', str(queue), '-R', rules, '--ctl',
                self.sock] + list(extra)
        self.p = L.spawn(argv, topo.m, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(100):
            if os.path.exists(self.sock) and self.ctl('status').returncode == 0:
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.05)


def start_host_servers(topo):
    srv = L.spawn([PY, os.path.join(HERE, 'servers.py'), L.HOST_IP],
                  topo.m, stdout=subprocess.PIPE, text=True)
    srv.stdout.readline()
    http = L.spawn([PY, os.path.join(os.path.dirname(HERE), 'oracle',
                                     'tinyhttp.py'), L.HOST_IP, '80'],
                   topo.m)
    time.sleep(0.2)
    return [srv, http]


def host_probe(topo):
    r = L.run([PY, os.path.join(HERE, 'probe.py'), L.HOST_IP], topo.c,
              check=False, timeout=120)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {'error': r.stdout + r.stderr}


# The incident's own host ruleset (examples/incident/rules.v4) on INPUT:
# HTTP accepted (NOTRACKed, UNTRACKED accepted), icmp accepted; port 22
# has no client here; everything else meets REJECT
# --reject-with icmp-host-prohibited (EHOSTUNREACH), UDP 53 included.
HOST_EXPECTED = {
    'http80': 'hello\n',
    'udp53': 'EHOSTUNREACH',
    'ping': '3 received',
    'tcp81': 'EHOSTUNREACH',
    'tcp23': 'EHOSTUNREACH',
    'udp5353': 'EHOSTUNREACH',
    # TTL 1 is enough to reach the host itself: the probe meets the
    # final REJECT, icmp-host-prohibited (type 3, code 10).
    'ttl1': 'icmp origin=2 type=3 code=10 from=10.198.1.1',
}


def queue_tests(exe, rules, kernel_rules):
    res = {}
    with L.Topology('host', 'hq') as t:
        t.load_rules(kernel_rules)
        servers = start_host_servers(t)
        fw = CtfwQueue(exe, t, rules)
        caps = caps_of(fw.p.pid)
        ok(caps['CapEff'] == 1 << 12 and caps['CapBnd'] == 1 << 12,
           'host mode: only CAP_NET_ADMIN kept (nfnetlink checks it on '
           'every verdict)', caps)
        out = host_probe(t)
        ct = fw.ctl('conntrack', '-L').stdout
        save = fw.ctl('iptables-save', '-c').stdout
        kct = L.run(['conntrack', '-L'], t.m, check=False).stdout
        st = fw.ctl('status').stdout
        # Fail open: --queue-bypass in the kernel rules, no ctfw on the
        # queue: every packet passes, even to the ports ctfw refused.
        fw.stop('KILL')
        after = host_probe(t)
        for s in servers:
            L.stop(s)
        res["ctfw"] = (out, normalize_ct(ct), counters(save))
    ok(normalize_ct(kct) == [], 'host mode: the kernel tracks nothing '
       '(CT --notrack for all: its table cannot fill)', kct)
    # udp53, tcp81, tcp23, udp5353 and ttl1 meet the final REJECT.
    ok(re.search(r'REJECT answers sent 5, failed 0', st) is not None,
       'host mode: the 5 REJECT answers left through the marked raw '
       'socket', st)
    ok(after.get('tcp23') == 'connected' and after.get('ping') ==
       '3 received' and after.get('udp5353') == 'answer:query-5353',
       'host mode, kill -9 with --queue-bypass: traffic passes (fail '
       'open), the refused ports too', after)
    with L.Topology('host', 'hk') as t:
        t.load_rules(rules)
        servers = start_host_servers(t)
        out = host_probe(t)
        ct = L.run(['conntrack', '-L'], t.m, check=False).stdout
        save = L.run(['iptables-save', '-c'], t.m).stdout
        for s in servers:
            L.stop(s)
        res["kernel"] = (out, normalize_ct(ct), counters(save))
    c_out, c_ct, c_cnt = res['ctfw']
    k_out, k_ct, k_cnt = res['kernel']
    for key, want in HOST_EXPECTED.items():
        ok(c_out.get(key) == want and c_out.get(key) == k_out.get(key),
           f'host mode: {key}: {want!r} through ctfw, as the kernel',
           f'ctfw {c_out.get(key)!r}, kernel {k_out.get(key)!r}')
    ok(c_ct == k_ct, 'host mode: the same conntrack entries as the kernel',
       'ctfw:\n' + '\n'.join(c_ct) + '\nkernel:\n' + '\n'.join(k_ct))
    ok(same_counters(c_cnt, k_cnt), 'host mode: the same rule counters as '
       'the kernel', 'ctfw:\n' + show_counters(c_cnt) + '\nkernel:\n' +
       show_counters(k_cnt))
    # Without --queue-bypass: fail closed.
    closed = os.path.join(os.path.dirname(kernel_rules),
                          'queue-kernel-closed.v4')
    with open(kernel_rules) as f, open(closed + '.tmp', 'w') as g:
        g.write(f.read().replace(' --queue-bypass', ''))
    with L.Topology('host', 'hc') as t:
        t.load_rules(closed + '.tmp')
        os.unlink(closed + '.tmp')
        fw = CtfwQueue(exe, t, rules)
        r1 = L.run(['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2',
                    L.HOST_IP], t.c, check=False)
        fw.stop('KILL')
        r2 = L.run(['ping', '-n', '-c', '3', '-i', '0.2', '-W', '1',
                    L.HOST_IP], t.c, check=False)
        ok(r1.returncode == 0 and r2.returncode != 0 and
           ' 0 received' in r2.stdout, 'host mode, kill -9 without '
           '--queue-bypass: traffic stops (fail closed)',
           r1.stdout + r2.stdout)


def ct_stats(line):
    return dict(re.findall(r'(\w+)=(\d+)', line))


def flood_test(exe, rules):
    """A SYN flood at twice the table size (nf_conntrack_max=256, 512
    SYNs from random sources to port 80, hping3) while a 16 MiB
    transfer runs on an established connection. ctfw records what it
    read (--write); `ctfw replay` of that file with the same rules,
    sysctls, interfaces and hash seed is the prediction: the table-full
    drops, early drops and the entries must be the same. The transfer,
    whose entry is ASSURED and needs no new one, must be complete."""
    if subprocess.run(['which', 'hping3'], capture_output=True).returncode:
        skip('SYN flood', 'hping3 is not installed')
        return
    pcap = f'/tmp/{L.PREFIX}flood.pcap'
    sets = ['--set', 'net.netfilter.nf_conntrack_max=256']
    with L.Topology('bridge', 'fl') as t:
        servers = start_servers(t)
        fw = Ctfw(exe, t, rules, ['--seed', '0x63746677', '--write', pcap] +
                  sets)
        client = L.spawn(
            [PY, '-c',
             'import socket,sys\n'
             's=socket.create_connection((sys.argv[1],22),timeout=10)\n'
             'n=0\n'
             'while True:\n'
             '    b=s.recv(65536)\n'
             '    if not b: break\n'
             '    n+=len(b)\n'
             'print(n)\n', L.SERVER_IP], t.c, stdout=subprocess.PIPE,
            text=True)
        time.sleep(0.5)
        L.run(['hping3', '-q', '-S', '-p', '80', '-c', '512', '-i', 'u2000',
               '--rand-source', L.SERVER_IP], t.c, check=False, timeout=60)
        out, _ = client.communicate(timeout=60)
        L._children.remove(client)
        # The flood's entries (SYN_SENT for 120 s) no longer change;
        # the statistics are taken from the final dump, written after
        # the last frame ctfw recorded (the transfer's last packets may
        # come after any snapshot taken while it runs).
        live_l = fw.ctl('conntrack', '-L', '-p', 'tcp', '--dport',
                        '80').stdout
        rc, dump, _ = fw.stop()
        live_s = ''.join(x for x in dump.splitlines(True)
                         if x.startswith('cpu='))
        for s in servers:
            L.stop(s)
    ok(out.strip() == str(16 * 1024 * 1024), 'SYN flood: the established '
       '16 MiB transfer is complete', f'received {out.strip()} bytes')
    r = L.run([exe, 'replay', '-R', rules, '-r', pcap, '--iface',
               'b0=10.198.1.1/24', '--iface', 'b1=10.198.2.1/24',
               '--forward', '--conntrack-stats', '/dev/stdout',
               '--conntrack', pcap + '.ct', '-q'] + sets, check=False)
    os.unlink(pcap)
    rep_s = r.stdout.splitlines()[0] if r.stdout else ''
    with open(pcap + '.ct') as f:
        rep_l = f.read()
    os.unlink(pcap + '.ct')
    ls, rs = ct_stats(live_s), ct_stats(rep_s)
    rep_l = '\n'.join(x for x in rep_l.splitlines()
                      if x.startswith('tcp ') and ' dport=80 ' in x)
    # One entry is the transfer's: the flood holds the other 255.
    ok(int(ls.get('drop', 0)) > 0 and len(normalize_ct(live_l)) == 255,
       'SYN flood: the table fills (256 entries) and SYNs are dropped '
       '(table full)', live_s + '\n' + str(len(normalize_ct(live_l))))
    ok(ls == rs, 'SYN flood: conntrack -S as replay of the same traffic '
       'predicts', f'live:   {live_s}\nreplay: {rep_s}\n{r.stderr}')
    ok(normalize_ct(live_l) == normalize_ct(rep_l), 'SYN flood: the same '
       'entries as replay predicts', '\n'.join(
           set(normalize_ct(live_l)) ^ set(normalize_ct(rep_l))))


def caps_of(pid):
    with open(f'/proc/{pid}/status') as f:
        st = f.read()
    return {k: int(re.search(rf'^{k}:\s*([0-9a-f]+)$', st, re.M).group(1),
                   16) for k in ('CapEff', 'CapPrm', 'CapBnd')}


def ops_test(exe, rules):
    """LOG lines to --log, SIGHUP reload of the file given at start, and
    the capabilities left once the sockets are open."""
    logrules = f'/tmp/{L.PREFIX}log.v4'
    with open(rules) as f:
        text = f.read()
    # A LOG rule in front of the final REJECT: UDP 5353 is logged, then
    # rejected.
    with open(logrules, 'w') as f:
        f.write(text.replace(
            '-A FORWARD -j REJECT',
            '-A FORWARD -p udp --dport 5353 -j LOG --log-prefix "live: "\n'
            '-A FORWARD -j REJECT', 1))
    with L.Topology('bridge', 'op') as t:
        servers = start_servers(t)
        fw = Ctfw(exe, t, logrules)
        caps = caps_of(fw.p.pid)
        # Bridge mode keeps nothing (the AF_PACKET sockets are open).
        ok(caps['CapEff'] == 0 and caps['CapPrm'] == 0 and
           caps['CapBnd'] == 0, 'bridge: every capability dropped after '
           'start-up', caps)
        probe(t)
        time.sleep(1.3)   # the log is flushed every second
        with open(fw.log) as f:
            log = f.read()
        # The kernel's LOG line (nf_log_dump_packet / ipt_LOG): the
        # prefix, IN and OUT of the FORWARD hook, MAC= from the frame,
        # then the IP and UDP fields; dmesg's [seconds] before it. The
        # probe's datagram is "query-5353": 10 bytes, so UDP LEN=18 and
        # IP LEN=38; TTL already decreased in FORWARD.
        m = re.search(r'^\[\s*\d+\.\d{6}\] live: IN=b0 OUT=b1 '
                      r'MAC=[0-9a-f:]{41} SRC=10\.198\.1\.2 '
                      r'DST=10\.198\.2\.2 LEN=38 .* PROTO=UDP SPT=\d+ '
                      r'DPT=5353 LEN=18 $', log, re.M)
        ok(m is not None and len(log.splitlines()) == 1,
           '--log: one LOG line for UDP 5353, as the kernel writes it',
           log)
        # SIGHUP: the file given at start is read again.
        with open(logrules, 'w') as f:
            f.write(text.replace(
                '-A FORWARD -j REJECT',
                '-A FORWARD -p udp --dport 9999 -j ACCEPT\n'
                '-A FORWARD -j REJECT', 1))
        fw.p.send_signal(subprocess.signal.SIGHUP)
        for _ in range(50):
            save = fw.ctl('iptables-save').stdout
            if '--dport 9999' in save:
                break
            time.sleep(0.1)
        ok('--dport 9999 -j ACCEPT' in save and 'LOG' not in save and
           'reloads 1' in fw.ctl('status').stdout,
           'SIGHUP reloads the rules file given at start', save)
        fw.stop()
        for s in servers:
            L.stop(s)
    os.unlink(logrules)


def ipv6_test(exe, rules, rules6):
    """IPv6 through the bridge (-6): neighbour discovery, ping, HTTP; a
    port the rules do not open is dropped; the entries are IPv6 ones."""
    with L.Topology('bridge', 'v6') as t:
        for ns, ifn, addr in ((t.c, 'c0', 'fd00:198::2'),
                              (t.s, 's0', 'fd00:198::3')):
            L.run(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=0'],
                  ns)
            L.run(['sysctl', '-qw', f'net.ipv6.conf.{ifn}.disable_ipv6=0'],
                  ns)
            L.run(['ip', '-6', 'addr', 'add', f'{addr}/64', 'dev', ifn,
                   'nodad'], ns)
        root = f'/tmp/{L.PREFIX}www'
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, 'index.html'), 'w') as f:
            f.write('hello6\n')
        http = L.spawn([PY, '-m', 'http.server', '-b', 'fd00:198::3', '80',
                        '-d', root], t.s, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        fw = Ctfw(exe, t, rules, ['-6', rules6])
        time.sleep(0.5)
        pr = L.run(['ping', '-6', '-n', '-c', '3', '-i', '0.2', '-W', '2',
                    'fd00:198::3'], t.c, check=False)
        ok(' 3 received' in pr.stdout, 'IPv6: ping through ctfw '
           '(neighbour discovery crosses the bridge)', pr.stdout)
        r = L.run(['curl', '-s', '-g', '--max-time', '5',
                   'http://[fd00:198::3]/'], t.c, check=False)
        ok(r.stdout == 'hello6\n', 'IPv6: HTTP through ctfw', r.stdout +
           r.stderr)
        r = L.run(['curl', '-s', '-g', '--max-time', '2',
                   'http://[fd00:198::3]:8080/'], t.c, check=False)
        # Dropped by the policy: no answer at all, curl times out (28).
        ok(r.returncode == 28, 'IPv6: a port the rules do not open is '
           'dropped (curl times out)', f'curl exit {r.returncode}')
        ct = fw.ctl('conntrack', '-L', '-f', 'ipv6').stdout
        ok(re.search(r'^tcp +6 \d+ TIME_WAIT src=fd00:198::2 '
                     r'dst=fd00:198::3 sport=\d+ dport=80 ', ct, re.M) and
           re.search(r'^icmpv6 +58 \d+ src=fd00:198::2 dst=fd00:198::3 '
                     r'type=128 code=0 ', ct, re.M),
           'IPv6: conntrack -L -f ipv6 shows the HTTP (TIME_WAIT) and '
           'echo entries', ct)
        fw.stop()
        L.stop(http)
        for name in os.listdir(root):
            os.unlink(os.path.join(root, name))
        os.rmdir(root)


def xdp_attached(topo):
    """The interfaces of the middle that have an XDP program."""
    return [ifn for ifn in ('b0', 'b1')
            if ' xdp' in L.run(['ip', '-d', 'link', 'show', ifn],
                               topo.m).stdout]


def kill9_test(exe, rules, extra=(), what=''):
    with L.Topology('bridge', 'k9') as t:
        fw = Ctfw(exe, t, rules, extra)
        r = L.run(['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2',
                   L.SERVER_IP], t.c, check=False)
        ok(r.returncode == 0, f'{what}ping through ctfw before kill -9',
           r.stdout)
        fw.stop('KILL')
        r = L.run(['ping', '-n', '-c', '3', '-i', '0.2', '-W', '1',
                   L.SERVER_IP], t.c, check=False)
        ok(r.returncode != 0 and ' 0 received' in r.stdout,
           f'{what}after kill -9 the bridge fails closed: no ping passes',
           r.stdout)
        if '--xdp' in extra:
            # The program was attached by a BPF link, which the kernel
            # releases with ctfw's last file descriptor: no program is
            # left behind, the frames go to the middle's own stack,
            # which does not forward them.
            left = xdp_attached(t)
            ok(not left, 'AF_XDP: after kill -9 no XDP program is left on '
               'the interfaces', left)


def xdp_tests(exe, base, fixed):
    """ctfw live --bridge --xdp: the same probes, outcomes, conntrack
    entries and rule counters as the kernel (and so as AF_PACKET), the
    program attached while ctfw runs and detached after SIGTERM and
    kill -9."""
    h = L.run([exe, 'live', '--help'], check=False).stdout
    if '--xdp' not in h:
        for what in ('AF_XDP: baseline probes', 'AF_XDP: fixed probes',
                     'AF_XDP: program attached and detached',
                     'AF_XDP: kill -9', 'AF_XDP: MTU refused'):
            skip(what, 'ctfw built without libxdp (scripts/install-deps.sh)')
        return
    compare_run(exe, base, 'AF_XDP baseline', ['--xdp'])
    compare_run(exe, fixed, 'AF_XDP fixed', ['--xdp'])
    with L.Topology('bridge', 'xd') as t:
        fw = Ctfw(exe, t, base, ['--xdp'])
        on = xdp_attached(t)
        r = fw.ctl('status')
        rc, _, err = fw.stop()
        off = xdp_attached(t)
        ok(on == ['b0', 'b1'] and rc == 0 and off == [],
           'AF_XDP: the program is on both interfaces while ctfw runs, '
           'gone after SIGTERM', f'{on} {off} rc {rc} {err}')
        ok(re.search(r"^port b0: rx \d+ frames", r.stdout, re.M),
           'AF_XDP: ctl status shows the ports', r.stdout)
    kill9_test(exe, base, ['--xdp'], 'AF_XDP: ')
    with L.Topology('bridge', 'xm') as t:
        # A 2 KiB UMEM frame less XDP_PACKET_HEADROOM holds 1792 bytes:
        # an MTU of 1774 with the Ethernet header and a VLAN tag.
        L.run(['ip', 'link', 'set', 'b0', 'mtu', '9000'], t.m)
        r = L.run([exe, 'live', '--bridge', 'b0,b1', '--xdp', '-R', base,
                   '--ctl', 'none'], t.m, check=False, timeout=30)
        ok(r.returncode == 1 and
           'b0: MTU 9000; with --xdp at most 1774' in r.stderr and
           not xdp_attached(t),
           'AF_XDP: an MTU the UMEM frames cannot hold is refused, nothing '
           'left attached', f'rc {r.returncode} {r.stderr}')


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else 'build'
    exe = os.path.abspath(os.path.join(build, 'cli', 'ctfw'))
    if not L.have_root():
        print('1..0 # SKIP live tests need root (network namespaces, '
              'AF_PACKET)')
        return 0
    for tool in ('ethtool', 'ping', 'curl', 'conntrack', 'iptables-restore'):
        if subprocess.run(['which', tool], capture_output=True).returncode:
            print(f'1..0 # SKIP {tool} is not installed '
                  '(scripts/install-deps.sh)')
            return 0
    base = os.path.join(HERE, 'rules-fwd-baseline.v4')
    fixed = os.path.join(HERE, 'rules-fwd.v4')
    ct = compare_run(exe, base, 'baseline')
    # Every probe that passed left an entry: HTTP (TIME_WAIT), UDP 53,
    # ICMP echo; the rejected ones none (their entries were never
    # confirmed).
    ok(len(ct) == 3 and any('dport=80' in x for x in ct),
       'baseline: three entries (tcp 80, udp 53, icmp)', '\n'.join(ct))
    ct = compare_run(exe, fixed, 'fixed')
    # NOTRACK on port 80: no entry for the web traffic.
    ok(len(ct) == 2 and not any('dport=80' in x for x in ct),
       'fixed: the NOTRACKed web traffic leaves no entry', '\n'.join(ct))
    xdp_tests(exe, base, fixed)
    control_tests(exe, base)
    reload_test(exe, base, os.path.join(HERE, 'rules-bad.v4'),
                os.path.join(HERE, 'rules-reload.v4'))
    kill9_test(exe, base)
    ops_test(exe, base)
    ipv6_test(exe, base, os.path.join(HERE, 'rules-fwd.v6'))
    flood_test(exe, base)
    queue_tests(exe, os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                  'examples', 'incident', 'rules.v4'),
                os.path.join(HERE, 'queue-kernel.v4'))
    print(f'1..{n_test}')
    return 1 if failed else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    finally:
        L._cleanup_all()
