#!/bin/bash
# lab/provision.sh HOST REPO: provision one Vagrant VM as HOST of the lab topology. Installs
# the lab packages, builds this VM's part of the topology with lib/topo.sh (its LAN hosts as
# namespaces, its routes and forwarding: the same code the namespace lab runs), and installs
# xfrmd (its .deb from scripts/build-deb, else a cargo build) plus the example site files
# when present. Never touches other VMs.
set -eu
HOST="$1"; REPO="${2:-/vagrant}"
TOPO="$REPO/lab/topologies/${XFRMD_TOPOLOGY:-two-sites}.topo"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends iproute2 iputils-ping tcpdump nftables iperf3 \
    strongswan-swanctl libstrongswan-standard-plugins libstrongswan-extra-plugins >/dev/null
# shellcheck disable=SC1091
. "$REPO/lab/lib/topo.sh"
LOCAL_HOST="$HOST"
# This VM's part: itself plus the non-router hosts linked to it (its LANs).
mine="$HOST"
while read -r _ a _ b _; do
    for pair in "$a $b" "$b $a"; do
        set -- $pair
        if [ "$1" = "$HOST" ] && ! topo_lines "$TOPO" host | awk -v h="$2" '$2 == h && $3 == "router"' | grep -q .; then
            mine="$mine $2"
        fi
    done
done < <(topo_lines "$TOPO" link)
topo_destroy "$TOPO" 2>/dev/null || true
topo_build "$TOPO" $mine
# xfrmd from its Debian package (scripts/build-deb) when one was built: binary, systemd unit
# (enabled, started once /etc/xfrmd/site.yaml exists), man page, completions. Otherwise a
# bare binary from a cargo build.
deb=$(ls "$REPO"/target/debian/xfrmd_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$deb" ]; then
    apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
    echo "installed $(dpkg-query -W -f '${Package} ${Version}' xfrmd)"
else
    for bin in "$REPO/target/release/xfrmd" "$REPO/target/debug/xfrmd"; do
        if [ -x "$bin" ]; then install -m 0755 "$bin" /usr/local/sbin/xfrmd; break; fi
    done
fi
mkdir -p /etc/xfrmd
for f in "$REPO"/examples/*.yaml; do [ -f "$f" ] && install -m 0644 "$f" /etc/xfrmd/; done
echo "provisioned $HOST: $mine"
