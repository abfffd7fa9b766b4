#!/bin/sh
# bench/replay.sh [BUILD] [RUNS]: `ctfw replay` end to end (issue 9,
# benchmark 3) on a generated web mix of about 1M connections and 10M
# packets through bench/rules-100.v4 (100 rules, conntrack on, pcap-time
# expiry, counters), against a bare libpcap read loop over the same file.
# Prints the median wall time and CPU time of RUNS replays and packets/s.
# CTFW_RULES_EVAL (auto, linear, compiled) is passed through.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-3}
dir=${BENCH_DIR:-/tmp/ctfw-bench}
cap="$dir/web-1m.pcap"
mkdir -p "$dir"
# 100 s of 10,000 new web connections per second (10 packets each), DNS
# and a few ssh sessions; frames cut to 128 bytes as `tcpdump -s 128`.
[ -f "$cap" ] || "$build/cli/ctfw" gen -w "$cap" -d 100 --snaplen 128 \
    'web:rate=10000,server=10.0.0.10:80' 'dns:rate=200,server=10.0.0.10' \
    'web:rate=2,server=10.0.0.10:22,keepalive=30,requests=3,think=5'
"$build/bench/bench_pcapread" "$cap" "$runs"
n=$("$build/bench/bench_pcapread" "$cap" 1 | sed -n '1s/.*read: \([0-9]*\) packets.*/\1/p')
# TIME_WAIT keeps about 1.2M entries: the table is sized so it never
# fills (the SYN flood benchmark is about a full table).
set -- -q -R bench/rules-100.v4 -r "$cap" \
    --iface eth0=10.0.0.10/24 --route default=eth0 \
    --set net.netfilter.nf_conntrack_max=2097152 \
    --set net.netfilter.nf_conntrack_buckets=2097152
i=0
: > "$dir/replay.times"
while [ $i -lt "$runs" ]; do
    /usr/bin/time -f '%e %U %S %M' -a -o "$dir/replay.times" \
        "$build/cli/ctfw" replay "$@" > /dev/null
    i=$((i + 1))
done
sort -n "$dir/replay.times" | awk -v n="$n" -v runs="$runs" '
    { w[NR] = $1; c[NR] = $2 + $3; m[NR] = $4 }
    END {
        k = int((NR + 1) / 2)
        printf "ctfw replay: %d packets, median %.2f s wall (%.0f packets/s), " \
               "%.2f s CPU (%.0f packets/s per core), max RSS %d MB, %d runs\n",
               n, w[k], n / w[k], c[k], n / c[k], m[k] / 1024, runs
    }'
