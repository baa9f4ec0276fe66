#!/bin/bash
# lab/inside.sh: runs inside the lab VM (booted by lab/run). Probes the kernel, warms up the
# crypto modules, then runs each scenario named in $LABOUT/plan.env and records results in
# $LABOUT/results.txt. It never touches anything outside the namespaces it creates.
set -u
LAB=$(cd "$(dirname "$0")" && pwd)
LABOUT="$1"
# shellcheck disable=SC1091
. "$LABOUT/plan.env"
RUNROOT=/dev/shm/lab
RESULTS="$LABOUT/results.txt"
: > "$RESULTS"
export LAB LABOUT RUNROOT RESULTS XFRMD BIN
. "$LAB/lib/topo.sh"
. "$LAB/lib/peers.sh"
. "$LAB/lib/scenario.sh"

mkdir -p "$RUNROOT"
mount -t tmpfs none "$RUNROOT"
# strongSwan's charon comes from a private tree (it conflicts with libreswan as a package).
if [ -x "$CHARON_TREE/usr/lib/ipsec/charon" ]; then
    mount --bind "$CHARON_TREE/usr/lib/ipsec" /usr/lib/ipsec
fi

# Capability probe in a scratch namespace; this also loads the crypto modules (warm-up) so
# the first scenario does not pay for it.
probe() {
    ip netns add probe
    local key16=0x000102030405060708090a0b0c0d0e0f key20=0x000102030405060708090a0b0c0d0e0f10111213
    local key32=0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f
    local esp=no gcm=no xfrmi=no vti=no
    ip -n probe xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel \
        enc 'cbc(aes)' $key16 auth-trunc 'hmac(sha256)' $key32 128 2>/dev/null && esp=yes
    ip -n probe xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x101 mode tunnel \
        aead 'rfc4106(gcm(aes))' $key20 128 2>/dev/null && gcm=yes
    ip -n probe link add xprobe type xfrm if_id 99 2>/dev/null && xfrmi=yes
    ip -n probe link add vprobe type vti local 192.0.2.1 remote 192.0.2.2 key 9 2>/dev/null && vti=yes
    ip netns del probe
    CAPS=""
    [ $esp = yes ] && CAPS="$CAPS esp"
    [ $gcm = yes ] && CAPS="$CAPS gcm"
    [ $xfrmi = yes ] && CAPS="$CAPS xfrmi"
    [ $vti = yes ] && CAPS="$CAPS vti"
    echo "probe: esp=$esp gcm=$gcm xfrm-interface=$xfrmi vti=$vti kernel=$(uname -r)"
}
probe | tee "$LABOUT/probe.txt"
CAPS=$(sed -e 's/probe: //' -e 's/=yes//g' -e 's/[a-z-]*=no//g' -e 's/kernel=.*//' -e 's/xfrm-interface/xfrmi/' "$LABOUT/probe.txt")
export CAPS

for s in $SCENARIOS; do
    run_scenario "$LAB/scenarios/$s"
done
echo "lab: done" >> "$RESULTS"
