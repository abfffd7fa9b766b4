#!/bin/sh
# Run the benchmark suite: bench/run.sh [BUILD_DIR] [RUNS]
# Generates its inputs under $BENCH_DIR (default /tmp/ctfw-bench) once.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-7}
dir=${BENCH_DIR:-/tmp/ctfw-bench}
mkdir -p "$dir"
[ -f "$dir/mix-1m.pcap" ] || "$build/bench/mkpcap" "$dir/mix-1m.pcap" 1000000
echo "== machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "== 1. decoder: bench_decode $dir/mix-1m.pcap $runs"
"$build/bench/bench_decode" "$dir/mix-1m.pcap" "$runs"
echo "== 2. conntrack: bench_ct $runs (sizes: ${CT_SIZES:-10000,100000,1000000,3000000})"
"$build/bench/bench_ct" "$runs" "${CT_SIZES:-10000,100000,1000000,3000000}"
echo "== 5. rule-count sweep: bench_rules $runs (counts: ${RULE_COUNTS:-10,100,1000,10000})"
"$build/bench/bench_rules" "$runs" "${RULE_COUNTS:-10,100,1000,10000}"
