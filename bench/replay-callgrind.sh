#!/bin/sh
# bench/replay-callgrind.sh [BUILD]: instructions per packet of `ctfw
# replay` (benchmark 3's command and ruleset) counted by valgrind
# --tool=callgrind, which machine load does not move: 2 s of the same
# web mix (about 200k packets), less a 16-packet run of the same
# command (start-up: parsing, the 2M-bucket table), over the packets.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
dir=${BENCH_DIR:-/tmp/ctfw-bench}
cap="$dir/web-2s.pcap"
small="$dir/web-16.pcap"
mkdir -p "$dir"
[ -f "$cap" ] || "$build/cli/ctfw" gen -w "$cap" -d 2 --snaplen 128 \
    'web:rate=10000,server=10.0.0.10:80' 'dns:rate=200,server=10.0.0.10' \
    'web:rate=2,server=10.0.0.10:22,keepalive=30,requests=3,think=5' \
    > /dev/null
[ -f "$small" ] || tcpdump -r "$cap" -c 16 -w "$small" 2>/dev/null
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$build/cli/ctfw" replay -q -R bench/rules-100.v4 -r "$1" \
        --iface eth0=10.0.0.10/24 --route default=eth0 \
        --set net.netfilter.nf_conntrack_max=2097152 \
        --set net.netfilter.nf_conntrack_buckets=2097152 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
n=$("$build/bench/bench_pcapread" "$cap" 1 | sed -n '1s/.*read: \([0-9]*\) packets.*/\1/p')
all=$(count "$cap")
base=$(count "$small")
awk -v n="$n" -v a="$all" -v b="$base" 'BEGIN {
    printf "ctfw replay: %d packets, %d instructions, start-up %d, " \
           "%.0f instructions per packet\n", n, a, b, (a - b) / (n - 16) }'
