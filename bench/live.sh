#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Throughput of ctfw live --bridge against the kernel forwarding the same
# traffic with iptables and conntrack, on the same veth topology
# (tests/live/livenet.py: client ns - middle ns - server ns), side by side
# in one run: every path has its own set of namespaces, all up at once,
# and the measurements of the paths are taken in turn (kernel, ctfw,
# ctfw variants, kernel, ...), so that the load other processes put on
# the machine falls on all of them alike.
#
#   1. RFC 2544 throughput (RFC 2544 §26.1) for small packets: the
#      highest offered rate at which the loss stays at or under LOSS %
#      (default 0.1), found by a search over the offered rate. The
#      generator is trafgen (netsniff-ng) paced with --rate, one process,
#      60-byte frames (UDP, 18 bytes of payload, one flow to the server's
#      port 5201) sent on the client's veth; the offered rate is what
#      trafgen reports it sent over its own sending time; the frames
#      that reached the server are counted on its veth (rx_packets), the
#      loss after a drain of 0.3 s. A trial lasts SECONDS. The search:
#      the first trial at 400k packets/s (more than the generator can
#      pace here); a trial that passes raises the floor, one that fails
#      lowers the ceiling, the next asks the middle, until the two are
#      within 3 % or after 8 trials. When the generator cannot reach the
#      rate it was asked for (under 95 % of it) and nothing is lost, the
#      path forwarded everything the generator could send: the figure is
#      marked ">=" (the generator's limit, not the path's).
#   2. Saturation: trafgen unpaced (its TX ring), SECONDS x 300k frames:
#      the offered rate, the forwarded rate (frames at the server over
#      trafgen's sending time) and the loss.
#   3. iperf3: TCP -t SECONDS (Gbit/s received) and UDP -b 0 -l 18 (the
#      sender as fast as it can, packets/s received and iperf3's loss).
#
# On veth the kernel's forwarding runs in the sender's context
# (veth_xmit -> the peer's receive path -> ip_forward -> the next
# veth_xmit): its offered rate and its forwarded rate are one figure, the
# rate one core reaches sending and forwarding. ctfw forwards on its own
# core, so its generator goes faster, and what it cannot take is lost on
# its receive ring.
#
# Both middles run the same ruleset: conntrack on, ESTABLISHED accepted
# first, iperf3's port accepted NEW, REJECT for the rest. A UDP socket
# that is never read is bound to port 5201 on the server (no ICMP port
# unreachable goes back).
#
# Usage: bench/live.sh [BUILD_DIR] [SECONDS] [ROUNDS]   (root; results on
# stdout as markdown tables for bench/RESULTS.md). ROUNDS (default 1)
# repeats the whole comparison. Environment: LOSS (threshold %, default
# 0.1), CTFW_VARIANTS (';'-separated ctfw option sets, each measured as a
# path of its own; default "" and "--no-tx-ring", and "--xdp" when ctfw
# was built with AF_XDP; a set that starts with BIN=PATH runs the ctfw
# binary at PATH, e.g. an earlier commit's build). No timing is asserted.
set -eu
BUILD=${1:-build}
SECS=${2:-2}
ROUNDS=${3:-1}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CTFW=$(cd "$BUILD" && pwd)/cli/ctfw
[ "$(id -u)" -eq 0 ] || { echo "bench/live.sh: needs root" >&2; exit 2; }
for t in iperf3 trafgen; do
    command -v $t >/dev/null || {
        echo "bench/live.sh: $t missing (scripts/install-deps.sh)" >&2
        exit 2
    }
done

exec /usr/bin/python3 - "$SRC" "$CTFW" "$SECS" "$ROUNDS" <<'EOF'
import json, os, re, subprocess, sys, tempfile, time
src, ctfw, secs, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
loss_max = float(os.environ.get('LOSS', '0.1'))
sys.path.insert(0, os.path.join(src, 'tests', 'live'))
import livenet as L

RULES = """*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -p icmp -j ACCEPT
-A FORWARD -i b0 -o b1 -p tcp -m state --state NEW -m tcp --dport 5201 -j ACCEPT
-A FORWARD -i b0 -o b1 -p udp -m state --state NEW -m udp --dport 5201 -j ACCEPT
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
"""
tmp = tempfile.mkdtemp(prefix='ctfw-live-bench-')
rules = os.path.join(tmp, 'rules.v4')
with open(rules, 'w') as f:
    f.write(RULES)

if 'CTFW_VARIANTS' in os.environ:
    variants = [v.strip() for v in os.environ['CTFW_VARIANTS'].split(';')]
else:
    variants = ['', '--no-tx-ring']
    h = subprocess.run([ctfw, 'live', '--help'], capture_output=True,
                       text=True).stdout
    if '--xdp' in h:
        variants.append('--xdp')


def sysfs(ns, ifn, name):
    return L.run(['cat', f'/sys/class/net/{ifn}/{name}'], ns).stdout.strip()


class Path:
    def __init__(self, i, opts):
        self.kernel = opts is None
        exe, label = ctfw, ''
        if opts and opts.startswith('BIN='):
            # Another ctfw binary (an earlier commit's build, say).
            exe, _, opts = opts[4:].partition(' ')
            label = f' [{exe}]'
        self.opts = opts
        self.name = ('kernel: ip_forward + iptables + conntrack'
                     if self.kernel else
                     f'ctfw live --bridge {opts}'.rstrip() + label)
        self.t = L.Topology('router' if self.kernel else 'bridge', f'p{i}')
        self.t.create()
        self.fw = None
        if self.kernel:
            self.t.load_rules(rules)
        else:
            self.fw = L.spawn([exe, 'live', '--bridge', 'b0,b1', '-R', rules,
                               '--ctl', 'none'] + opts.split(), self.t.m,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        self.sink = L.spawn(
            ['/usr/bin/python3', '-c',
             'import socket,time\n'
             's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n'
             f's.bind(("{L.SERVER_IP}",5201))\n'
             'time.sleep(1e6)\n'], self.t.s)
        time.sleep(0.5)
        L.run(['ping', '-n', '-c', '1', '-W', '2', L.SERVER_IP], self.t.c,
              check=False)
        # The frame's destination: the router's b0 (its proxy ARP
        # answer), or through the bridge the server's own address.
        dst = sysfs(self.t.m, 'b0', 'address') if self.kernel else \
            sysfs(self.t.s, 's0', 'address')
        srcmac = sysfs(self.t.c, 'c0', 'address')
        h = lambda m: ', '.join('0x' + x for x in m.split(':'))
        self.cfg = os.path.join(tmp, f'p{i}.cfg')
        with open(self.cfg, 'w') as f:
            # Ethernet, IPv4 (DF, TTL 64, 46 bytes), UDP 40000 -> 5201
            # with 18 bytes of payload: 60 bytes on the wire.
            f.write('{ %s, %s, c16(0x0800), 0x45, 0x00, c16(46), c16(0), '
                    'c16(0x4000), 64, 17, csumip(14, 33), 10, 198, 1, 2, '
                    '10, 198, 2, 2, c16(40000), c16(5201), c16(26), '
                    'csumudp(14, 34), fill(0x41, 18) }\n' % (h(dst),
                                                           h(srcmac)))

    def alive(self):
        return self.fw is None or self.fw.poll() is None

    def close(self):
        for p in (self.fw, self.sink):
            if p:
                L.stop(p)
        self.t.close()

    def trafgen(self, rate, n):
        """n frames at rate (0: unpaced). (sent, rate sent, forwarded
        during the sending, forwarded in all)."""
        rx = lambda: int(sysfs(self.t.s, 's0', 'statistics/rx_packets'))
        r0 = rx()
        argv = ['trafgen', '-o', 'c0', '-i', self.cfg, '-n', str(n), '-P',
                '1', '--no-sock-mem', '--notouch-irq']
        if rate:
            argv += ['-b', f'{int(rate)}pps']
        r = L.run(argv, self.t.c, check=False, timeout=secs * 20 + 60)
        r1 = rx()
        time.sleep(0.3)
        r2 = rx()
        m = re.search(r'(\d+) packets outgoing', r.stdout)
        d = re.search(r'(\d+) sec, (\d+) usec on CPU', r.stdout)
        if not m or not d:
            raise RuntimeError(f'trafgen: {r.stdout[-300:]} {r.stderr}')
        sent = int(m.group(1))
        el = int(d.group(1)) + int(d.group(2)) / 1e6
        return sent, sent / el, (r1 - r0) / el, r2 - r0

    def iperf(self, udp):
        if self.sink:   # iperf3 needs the port
            L.stop(self.sink)
            self.sink = None
        srv = L.spawn(['iperf3', '-s', '-1', '-B', L.SERVER_IP], self.t.s,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        argv = ['iperf3', '-c', L.SERVER_IP, '-t', str(max(secs, 3)), '-J']
        if udp:
            argv += ['-u', '-b', '0', '-l', '18']
        r = L.run(argv, self.t.c, check=False, timeout=secs + 60)
        L.stop(srv)
        try:
            e = json.loads(r.stdout)['end']
            if udp:
                s = e['sum']
                return ((s['packets'] - s['lost_packets']) / s['seconds'],
                        s['lost_percent'])
            return e['sum_received']['bits_per_second'] / 1e9, None
        except (ValueError, KeyError) as ex:
            return None, f'iperf3 failed: {ex}'


def loss_pct(sent, got):
    """Frames that did not reach the server, in %: an ARP frame of the
    path's own may make got exceed sent by one."""
    return max(0.0, 100.0 * (sent - got) / sent) if sent else 100.0


def rfc2544(paths):
    """The searches of every path, one trial of each in turn."""
    st = {p: {'lo': 0.0, 'hi': None, 'ask': 400000.0, 'done': False,
              'best': 0.0, 'limited': False, 'trials': []} for p in paths}
    for _ in range(8):
        for p in paths:
            s = st[p]
            if s['done']:
                continue
            sent, rate, _, got = p.trafgen(s['ask'], int(s['ask'] * secs))
            loss = loss_pct(sent, got)
            s['trials'].append((s['ask'], rate, loss))
            if loss <= loss_max:
                if rate > s['best']:
                    s['best'] = rate
                    # The generator fell short of the rate asked: the
                    # path took all it was given, the figure is a floor.
                    s['limited'] = rate < 0.95 * s['ask']
                s['lo'] = max(s['lo'], s['ask'])
            else:
                s['hi'] = min(rate, s['ask'])
            if s['hi'] is None or s['hi'] - s['lo'] <= 0.03 * s['hi']:
                s['done'] = True
            else:
                s['ask'] = (s['lo'] + s['hi']) / 2
    return st


fmt = lambda v, f: f.format(v) if isinstance(v, (int, float)) else str(v)
for rnd in range(rounds):
    load = open('/proc/loadavg').read().split()[:3]
    paths = []
    try:
        paths.append(Path(0, None))
        for i, v in enumerate(variants):
            paths.append(Path(i + 1, v))
        res = rfc2544(paths)
        sat = {}
        for p in paths:
            sent, rate, fwd, got = p.trafgen(0, secs * 300000)
            sat[p] = (rate, fwd, loss_pct(sent, got))
        tcp, udp = {}, {}
        for p in paths:
            tcp[p] = p.iperf(False)[0]
        for p in paths:
            udp[p] = p.iperf(True)
        dead = [p.name for p in paths if not p.alive()]
    finally:
        for p in paths:
            p.close()
    print(f'\nround {rnd + 1}, load average at the start '
          f'{" ".join(load)}{"; DIED: " + ", ".join(dead) if dead else ""}')
    print(f'\n| path | RFC 2544 throughput, packets/s (loss <= {loss_max} %) '
          '| saturation: offered / forwarded packets/s, loss % '
          '| TCP Gbit/s | iperf3 -u -b 0 -l 18: packets/s, loss % |')
    print('|---|---:|---:|---:|---:|')
    for p in paths:
        s = res[p]
        thr = ('>= ' if s['limited'] else '') + f'{s["best"]:,.0f}'
        r, fw, ls = sat[p]
        pps, ul = udp[p]
        print(f'| {p.name} | {thr} | {r:,.0f} / {fw:,.0f}, {ls:.1f} | '
              f'{fmt(tcp[p], "{:.2f}")} | {fmt(pps, "{:,.0f}")}, '
              f'{fmt(ul, "{:.1f}")} |')
    k = paths[0]
    for p in paths[1:]:
        kb, cb = res[k]['best'], res[p]['best']
        print(f'\nratio {p.name} / kernel: RFC 2544 '
              f'{cb / kb if kb else 0:.2f}, saturation forwarded '
              f'{sat[p][1] / sat[k][1] if sat[k][1] else 0:.2f}, TCP '
              + (f'{tcp[p] / tcp[k]:.2f}' if tcp[p] and tcp[k] else '-'))
    print('\ntrials (asked, offered, loss %):')
    for p in paths:
        print(f'  {p.name}: ' + '; '.join(
            f'{a / 1000:.0f}k {r / 1000:.1f}k {l:.2f}'
            for a, r, l in res[p]['trials']))
for name in os.listdir(tmp):
    os.unlink(os.path.join(tmp, name))
os.rmdir(tmp)
EOF
