#!/bin/sh
# The README's first command: the shipped incident example through ctfw.
# Usage: scripts/demo.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
ctfw="$build/cli/ctfw"
ex=examples/incident

echo "== ctfw --version"
"$ctfw" --version
echo
echo "== ctfw decode -r $ex/web.pcap -c 8   (what ctfw sees in each packet)"
"$ctfw" decode -r "$ex/web.pcap" -c 8
echo
echo "== ctfw decode -r $ex/web.pcap -q 'tcp[tcpflags] == tcp-syn'   (the SYNs)"
"$ctfw" decode -r "$ex/web.pcap" -q 'tcp[tcpflags] == tcp-syn'
echo
echo "== ctfw sysctl -f $ex/sysctl.conf net.netfilter.nf_conntrack_max"
echo "   (the incident's fix 1, with its 2.6-era names, on a 6.x kernel)"
"$ctfw" sysctl -f "$ex/sysctl.conf" net.netfilter.nf_conntrack_max 2>&1
