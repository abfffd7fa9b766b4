#!/bin/sh
# The incident under a SYN flood, Linux's answer to a full table against
# the table-full policies of docs/policies.md, side by side.
#
#   a minute of web load to 10.0.0.10:80 (100 new connections/s, 5 s
#   keep-alive, clients close first: ~12,500 entries, most in TIME_WAIT)
#   and an ssh session a second, with nf_conntrack_max=16384: the load
#   alone fits. From +10 s to +40 s a SYN flood of 1,000 spoofed SYNs/s
#   from 203.0.113.0/24 (answered by the server, never completed) pushes
#   the table over.
#
# Usage: examples/incident/policies.sh [BUILD_DIR]
# Needs mergecap (wireshark-common) to lay the flood into the load.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
ctfw="$build/cli/ctfw"
ex=examples/incident
out=${DEMO_DIR:-$(mktemp -d /tmp/ctfw-policies.XXXXXX)}
mkdir -p "$out"
max=16384

"$ctfw" gen -w "$out/web.pcap" -d 60 \
    'web:rate=100,server=10.0.0.10:80,keepalive=5,resp=4000' \
    'web:rate=1,server=10.0.0.10:22,keepalive=30,requests=3,think=5'
"$ctfw" gen -s 2 -w "$out/flood.pcap" --start 1764064810 -d 30 \
    'synflood:rate=1000,target=10.0.0.10:80,sources=203.0.113.0/24'
mergecap -F pcap -w "$out/incident-flood.pcap" "$out/web.pcap" \
    "$out/flood.pcap"

"$ctfw" replay -q -R "$ex/rules-policy.v4" -r "$out/incident-flood.pcap" \
    --iface eth0=10.0.0.10/24 --route default=eth0 \
    --set net.netfilter.nf_conntrack_max=$max --causal \
    --scenario linux \
    --scenario 'pf-adaptive:policy=adaptive,adaptive.start=60%,adaptive.end=120%' \
    --scenario 'suricata-emergency:policy=emergency,emergency.recovery=30%' \
    --scenario 'calico-exempt:policy=exempt,exempt=tcp/22' \
    --scenario 'pf-src:max-src-states=20' \
    --scenario 'synproxy:policy=synproxy,synproxy=tcp/80' \
    --scenario 'synproxy+exempt:policy=synproxy+exempt,synproxy=tcp/80,exempt=tcp/22' \
    --attribution "$out/attribution.txt" --json "$out/replay.json" \
    --report "$out/report.html"

printf '\nFiles: %s (captures, attribution.txt, replay.json, report.html)\n' \
    "$out"
