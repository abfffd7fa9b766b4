#!/bin/sh
# The README's first command: the incident of examples/incident/ end to
# end, on a table scaled down 64 times (4,096 entries instead of the
# 262,144 a 6.x server gets). Usage: scripts/demo.sh [BUILD_DIR]
# DEMO_DIR=DIR keeps the outputs there (default: a new /tmp directory).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
ctfw="$build/cli/ctfw"
ex=examples/incident
out=${DEMO_DIR:-$(mktemp -d /tmp/ctfw-demo.XXXXXX)}
mkdir -p "$out"
host="--iface eth0=10.0.0.10/24 --route default=eth0"
max=4096

say() { printf '\n== %s\n' "$*"; }

say "ctfw --version"
"$ctfw" --version

say "1. ctfw gen: a minute of web traffic to 10.0.0.10 (100 new connections/s," \
    "5 s keep-alive, clients close first) and one ssh session"
"$ctfw" gen -w "$out/web.pcap" -d 60 \
    'web:rate=100,server=10.0.0.10:80,keepalive=5,resp=4000' \
    'web:rate=1,server=10.0.0.10:22,keepalive=30,requests=3,think=5'

say "2. ctfw lint: the post's fixes before they reach production"
echo "-- fix 1, the post's sysctl.conf ($ex/sysctl.conf), and fix 3 as" \
     "first applied ($ex/rules-forgot-untracked.v4):"
"$ctfw" lint -R "$ex/rules-forgot-untracked.v4" -f "$ex/sysctl.conf" \
    --severity=warning 2>&1 || true

say "3. fix 2, conntrack unloaded: the server's rules no longer load"
"$ctfw" rules check -R "$ex/rules-baseline.v4" --without-conntrack 2>&1 |
    tail -n 2 || true
echo "-- every -m state rule is refused; and NAT, which lives in conntrack, is gone."

say "4. the capture under the baseline and each fix, nf_conntrack_max=$max" \
    "(fix 1 scaled as 65536 -> 393216: x6)"
"$ctfw" replay -q -R "$ex/rules-baseline.v4" -r "$out/web.pcap" $host \
    --set net.netfilter.nf_conntrack_max=$max \
    --scenario baseline \
    --scenario "fix1-as-posted:sysctl=$ex/sysctl.conf" \
    --scenario "fix1-6.x-names:max=$((max * 6)),tcp_timeout_established=300" \
    --scenario "fix3-forgot:rules=$ex/rules-forgot-untracked.v4" \
    --scenario "fix3:rules=$ex/rules.v4" \
    --causal --log "$out/baseline.log" --timeline "$out/baseline.csv" \
    --report "$out/report.html" --openmetrics "$out/sim.om" 2>/dev/null
echo "-- the kernel log the baseline would have written ($out/baseline.log):"
head -n 3 "$out/baseline.log"

say "5. beyond Linux: the same server under a SYN flood (1,000 spoofed SYNs/s" \
    "for 30 s, nf_conntrack_max=16384), Linux against each table-full policy"
DEMO_DIR="$out/policies" examples/incident/policies.sh "$build" 2>/dev/null |
    sed -n '/^scenario/,$p'

printf '\nReport: %s/report.html (open it in a browser)\n' "$out"
printf 'Files: %s (capture, kernel log, timeline CSV, OpenMetrics)\n' "$out"
