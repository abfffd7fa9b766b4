#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Throughput of ctfw live --bridge against the kernel forwarding the same
# traffic with iptables and conntrack, on the same veth topology
# (tests/live/livenet.py: client ns - middle ns - server ns), side by side
# in one run (ctfw twice: with its transmit ring, and with sendmmsg()):
#   - TCP bulk, iperf3 -t SECONDS: Gbit/s received;
#   - small packets, iperf3 -u -b 0 -l 18 (60-byte frames on the wire):
#     packets/s received at the server, and the loss.
# Both middles run the same ruleset: conntrack on, ESTABLISHED accepted
# first, iperf3's port accepted NEW, REJECT for the rest.
#
# Usage: bench/live.sh [BUILD_DIR] [SECONDS]     (root; results on stdout
# as a markdown table for bench/RESULTS.md). No timing is asserted.
set -eu
BUILD=${1:-build}
SECS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CTFW=$(cd "$BUILD" && pwd)/cli/ctfw
[ "$(id -u)" -eq 0 ] || { echo "bench/live.sh: needs root" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench/live.sh: iperf3 missing" >&2; exit 2; }

exec /usr/bin/python3 - "$SRC" "$CTFW" "$SECS" <<'EOF'
import json, os, subprocess, sys, tempfile, time
src, ctfw, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
rules = tempfile.NamedTemporaryFile('w', suffix='.v4', delete=False)
rules.write(RULES)
rules.close()


def iperf(t, udp):
    srv = L.spawn(['iperf3', '-s', '-1', '-B', L.SERVER_IP], t.s,
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    argv = ['iperf3', '-c', L.SERVER_IP, '-t', str(secs), '-J']
    if udp:
        argv += ['-u', '-b', '0', '-l', '18']
    r = L.run(argv, t.c, check=False, timeout=secs + 60)
    L.stop(srv)
    try:
        j = json.loads(r.stdout)
        e = j['end']
        if udp:
            s = e['sum']
            got = s['packets'] - s['lost_packets']
            return got / s['seconds'], s['lost_percent']
        return e['sum_received']['bits_per_second'] / 1e9, None
    except (ValueError, KeyError) as ex:
        return None, f'iperf3 failed: {ex} {r.stderr.strip()[:200]}'


def measure(kind):
    with L.Topology('router' if kind == 'kernel' else 'bridge',
                    kind[:2]) as t:
        fw = None
        if kind != 'kernel':
            extra = ['--no-tx-ring'] if kind == 'ctfw-mmsg' else []
            fw = L.spawn([ctfw, 'live', '--bridge', 'b0,b1', '-R',
                          rules.name, '--ctl', 'none'] + extra, t.m,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        else:
            t.load_rules(rules.name)
        gbit, _ = iperf(t, False)
        pps, loss = iperf(t, True)
        if fw:
            L.stop(fw)
        return gbit, pps, loss


KINDS = ('kernel', 'ctfw', 'ctfw-mmsg')
NAMES = {'kernel': 'kernel: ip_forward + iptables + conntrack',
         'ctfw': 'ctfw live --bridge (AF_PACKET rings)',
         'ctfw-mmsg': 'ctfw live --bridge --no-tx-ring (sendmmsg)'}
res = {k: measure(k) for k in KINDS}
os.unlink(rules.name)
fmt = lambda v, f: f.format(v) if isinstance(v, (int, float)) else str(v)
print(f'| path | TCP Gbit/s (iperf3, {secs} s) | small UDP packets/s '
      '(iperf3 -l 18) | UDP loss % |')
print('|---|---:|---:|---:|')
for k in KINDS:
    g, p, l = res[k]
    print(f'| {NAMES[k]} | {fmt(g, "{:.2f}")} | {fmt(p, "{:,.0f}")} | '
          f'{fmt(l, "{:.1f}")} |')
kg, kp, _ = res['kernel']
cg, cp, _ = res['ctfw']
if all(isinstance(x, float) for x in (kg, kp, cg, cp)):
    print(f'\nratio ctfw/kernel: TCP {cg / kg:.2f}, small packets '
          f'{cp / kp:.2f}')
EOF
