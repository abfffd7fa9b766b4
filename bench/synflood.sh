#!/bin/sh
# bench/synflood.sh [BUILD] [RUNS]: a SYN flood at twice the table size
# (issue 9, benchmark 6). nf_conntrack_max = 65536; 60 s of web traffic
# (300 new connections/s, 20 s keep-alive, port 80) mixed with a flood of
# 131,072 SYNs (2 x max) from random sources to port 443 in its first
# 30 s, answered once by the server (SYN_RECV entries, 60 s timeout): the
# flood alone would need twice the table. Reports the replay rate, the
# new-connection rate the tracker sustained, and what happened to the web
# flows: their packets dropped, split into SYNs (new connections refused)
# and packets of established flows, from the dropped frames (-w) read
# back with tcpdump. The same web traffic without the flood is the
# control.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-3}
dir=${BENCH_DIR:-/tmp/ctfw-bench}
ctfw="$build/cli/ctfw"
mkdir -p "$dir"
web='web:rate=300,server=10.0.0.10:80,keepalive=20'
[ -f "$dir/flood.pcap" ] || "$ctfw" gen -w "$dir/flood.pcap" -d 30 "$web" \
    'synflood:rate=4370,target=10.0.0.10:80,sources=100.64.0.0/10' \
    2>/dev/null
[ -f "$dir/web-only.pcap" ] ||
    "$ctfw" gen -w "$dir/web-only.pcap" -d 30 "$web" 2>/dev/null
host="--iface eth0=10.0.0.10/24 --route default=eth0"
sets="--set net.netfilter.nf_conntrack_max=65536 --set net.netfilter.nf_conntrack_buckets=16384"
for cap in web-only flood; do
    : > "$dir/$cap.times"
    i=0
    while [ $i -lt "$runs" ]; do
        /usr/bin/time -f '%e %U %S' -a -o "$dir/$cap.times" \
            "$ctfw" replay -R examples/incident/rules-baseline.v4 \
            -r "$dir/$cap.pcap" $host $sets -w "$dir/$cap-dropped.pcap" \
            > "$dir/$cap.summary" 2>&1 || true
        i=$((i + 1))
    done
    n=$(grep -o '^Actual: [0-9]*' "$dir/$cap.summary" | cut -d' ' -f2)
    newc=$(grep -o 'insert=[0-9]*' "$dir/$cap.summary" | head -1 | cut -d= -f2)
    sort -n "$dir/$cap.times" | awk -v n="$n" -v cap="$cap" '
        { w[NR] = $1 } END { k = int((NR + 1) / 2)
          printf "%s: %d packets, median %.2f s, %.0f packets/s\n",
                 cap, n, w[k], n / w[k] }'
    grep -E 'Conntrack:|Table full|early_drop|dropped by' "$dir/$cap.summary" |
        sed 's/^/    /'
    syn=$(tcpdump -n -r "$dir/$cap-dropped.pcap" \
        'net 198.18.0.0/15 and tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn' \
        2>/dev/null | wc -l)
    est=$(tcpdump -n -r "$dir/$cap-dropped.pcap" \
        'net 198.18.0.0/15 and tcp[tcpflags] & tcp-ack != 0' 2>/dev/null |
        wc -l)
    echo "    web packets dropped: $syn SYNs (new connections), $est of established flows"
done
