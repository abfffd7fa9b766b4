#!/bin/sh
# The README's first command: the incident of examples/incident/ end to
# end, on a table scaled down 64 times (4,096 entries instead of the
# 262,144 a 6.x server gets). Usage: scripts/demo.sh [BUILD_DIR]
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

say "2. baseline (examples/incident/rules-baseline.v4): every connection" \
    "tracked, nf_conntrack_max=$max"
"$ctfw" replay -q -R "$ex/rules-baseline.v4" -r "$out/web.pcap" $host \
    --set net.netfilter.nf_conntrack_max=$max --log "$out/baseline.log" \
    --timeline "$out/baseline.csv"
echo "-- the kernel log it would have written ($out/baseline.log):"
head -n 3 "$out/baseline.log"

say "3. fix 1 as the post wrote it (examples/incident/sysctl.conf)"
"$ctfw" sysctl -f "$ex/sysctl.conf" net.netfilter.nf_conntrack_max 2>&1 |
    head -n 3
echo "-- every 2.6-era key is ignored on 6.x: nothing changes from 2."

say "4. fix 1 with the 6.x names: max x6 (as 65536 -> 393216), established 300 s"
"$ctfw" replay -q -R "$ex/rules-baseline.v4" -r "$out/web.pcap" $host \
    --set net.netfilter.nf_conntrack_max=$((max * 6)) \
    --set net.netfilter.nf_conntrack_tcp_timeout_established=300

say "5. fix 3 as first applied (rules-forgot-untracked.v4): NOTRACK without" \
    "the UNTRACKED accept"
"$ctfw" replay -q -R "$ex/rules-forgot-untracked.v4" -r "$out/web.pcap" \
    $host --set net.netfilter.nf_conntrack_max=$max

say "6. fix 3 done right (rules.v4): NOTRACK for port 80, UNTRACKED accepted"
"$ctfw" replay -q -R "$ex/rules.v4" -r "$out/web.pcap" $host \
    --set net.netfilter.nf_conntrack_max=$max

printf '\nFiles: %s (capture, kernel log, timeline CSV)\n' "$out"
