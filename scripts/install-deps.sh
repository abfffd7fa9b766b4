#!/bin/sh
# Install every Debian package that ctfw's build, tests and demo need.
# Idempotent: installs only what is missing. Works as root and through
# sudo (re-executes itself with sudo when not root).
set -eu

PKGS="
build-essential
pkg-config
meson
ninja-build
clang
libclang-rt-dev
libpcap-dev
libdbus-1-dev
libcmocka-dev
python3
python3-scapy
scdoc
tshark
tcpdump
iproute2
iptables
conntrack
tcpreplay
nettle-dev
chromium
prometheus
libmicrohttpd-dev
libcap-dev
libnetfilter-queue-dev
libmnl-dev
ethtool
iputils-ping
curl
iperf3
netsniff-ng
libxdp-dev
libbpf-dev
"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo "$0" "$@"
    fi
    echo "install-deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
    debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
