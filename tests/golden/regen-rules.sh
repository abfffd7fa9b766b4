#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate the golden rule corpus (tests/golden/rules/*.t) with the
# real iptables 1.8.9 (nf_tables) of this machine, inside a private
# network namespace that is always deleted. Needs root.
# "regen-rules.sh files" redoes only tests/golden/rules/files/,
# "regen-rules.sh cmds" only tests/golden/rules/cmds/.
set -eu
cd "$(dirname "$0")"
if [ "$(id -u)" != 0 ]; then
    echo "regen-rules.sh: needs root (network namespaces)" >&2
    exit 1
fi
iptables --version | grep -q 'v1.8.9 (nf_tables)' || {
    echo "regen-rules.sh: needs iptables v1.8.9 (nf_tables)" >&2
    exit 1
}
ns="ctfwgold$$"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT INT TERM
python3 regen-rules.py "$ns" "$@"
