#!/bin/bash
# lab/install-deps.sh: install what the lab needs, only what is missing. Idempotent; run as
# root on Debian 12 (or similar). Prints one line per thing it installs.
#   - Debian packages: qemu, the stock Debian kernel (booted in the VM), iproute2, tcpdump,
#     nftables, iperf3, libreswan, swanctl and strongSwan plugins;
#   - virtme-ng from PyPI (`vng`);
#   - strongSwan's charon unpacked into a private tree (target/lab-deps/strongswan), because
#     the charon packages conflict with libreswan (LAB.md).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive

need_pkgs=()
check() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
check qemu-system-x86_64 qemu-system-x86
check ip iproute2
check ping iputils-ping
check tcpdump tcpdump
check nft nftables
check iperf3 iperf3
check ipsec libreswan
check swanctl strongswan-swanctl
[ -e /usr/lib/ipsec/plugins/libstrongswan-gcm.so ] || need_pkgs+=(libstrongswan-standard-plugins)
[ -e /usr/lib/ipsec/plugins/libstrongswan-curve25519.so ] || need_pkgs+=(libstrongswan-extra-plugins)
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || need_pkgs+=(linux-image-amd64)
check openssl openssl
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "lab: installing ${need_pkgs[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! python3 -c 'import virtme_ng' >/dev/null 2>&1; then
    echo "lab: installing virtme-ng"
    # Debian's own python3 refuses pip installs (PEP 668); a pyenv or venv python does not.
    python3 -m pip install -q virtme-ng 2>/dev/null || \
        python3 -m pip install -q --break-system-packages virtme-ng
fi

tree="${CARGO_TARGET_DIR:-$ROOT/target}/lab-deps/strongswan"
if [ ! -x "$tree/usr/lib/ipsec/charon" ]; then
    echo "lab: unpacking strongSwan charon into $tree"
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download strongswan-charon strongswan-libcharon >/dev/null 2>&1) || {
        apt-get update -qq
        (cd "$tmp" && apt-get download strongswan-charon strongswan-libcharon >/dev/null)
    }
    rm -rf "$tree"; mkdir -p "$tree/usr/lib/ipsec"
    # The host's /usr/lib/ipsec (libstrongswan, plugins) plus charon and libcharon on top.
    cp -a /usr/lib/ipsec/. "$tree/usr/lib/ipsec/"
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tree"; done
    rm -rf "$tmp"
fi
