# lab/lib/topo.sh: build a topology file (lab/topologies/*.topo) out of network namespaces.
#
# Sourced by lab/inside.sh (every host is a namespace) and by lab/provision.sh for Vagrant
# (one host is the VM itself, its LAN hosts are namespaces inside it). It only creates what the
# file says: namespaces, veth pairs, addresses, routes, forwarding. It never sends traffic.

# topo_lines FILE KEYWORD: the lines of FILE that start with KEYWORD, comments dropped.
topo_lines() {
    sed -e 's/#.*//' "$1" | awk -v k="$2" '$1 == k'
}

# topo_hosts FILE: every host name.
topo_hosts() {
    topo_lines "$1" host | awk '{print $2}'
}

# ns_of HOST: the namespace name of HOST, or empty when HOST is "this machine" (LOCAL_HOST).
ns_of() {
    if [ "${LOCAL_HOST:-}" = "$1" ]; then echo ""; else echo "$1"; fi
}

# in_host HOST CMD...: run CMD in HOST's namespace (or here when HOST is the local host).
in_host() {
    local h="$1"; shift
    local ns; ns=$(ns_of "$h")
    if [ -z "$ns" ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# topo_build FILE [HOSTS...]: create the topology. With HOSTS, only those hosts (and links
# between two of them) are built; that is how a Vagrant VM builds its own part.
topo_build() {
    local file="$1"; shift
    local only=" $* "
    want() { [ "$only" = "  " ] || case "$only" in *" $1 "*) return 0;; *) return 1;; esac; }
    local name kind
    while read -r _ name kind; do
        want "$name" || continue
        if [ -n "$(ns_of "$name")" ]; then
            ip netns add "$name"
            ip -n "$name" link set lo up
        fi
        if [ "$kind" = router ]; then
            in_host "$name" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
        fi
    done < <(topo_lines "$file" host)
    local a ia b ib n=0
    while read -r _ a ia b ib; do
        want "$a" && want "$b" || continue
        # veth ends get a unique temporary name, then the name the topology gives them.
        n=$((n + 1))
        ip link add "tpa$n" type veth peer name "tpb$n"
        _topo_place "tpa$n" "$a" "$ia"
        _topo_place "tpb$n" "$b" "$ib"
    done < <(topo_lines "$file" link)
    local h ifc cidr
    while read -r _ h ifc cidr; do
        want "$h" || continue
        in_host "$h" ip link show "$ifc" >/dev/null 2>&1 || continue
        in_host "$h" ip addr add "$cidr" dev "$ifc"
    done < <(topo_lines "$file" addr)
    local dst via
    while read -r _ h dst via; do
        want "$h" || continue
        in_host "$h" ip route replace "$dst" via "$via"
    done < <(topo_lines "$file" route)
}

# _topo_place TMPNAME HOST IFNAME: move a veth end into HOST, rename it, bring it up.
_topo_place() {
    local tmp="$1" h="$2" ifc="$3" ns
    ns=$(ns_of "$h")
    if [ -n "$ns" ]; then
        ip link set "$tmp" netns "$ns"
        ip -n "$ns" link set "$tmp" name "$ifc"
        ip -n "$ns" link set "$ifc" up
    else
        ip link set "$tmp" name "$ifc"
        ip link set "$ifc" up
    fi
}

# topo_destroy FILE: kill every process left in the topology's namespaces and delete them.
topo_destroy() {
    local h ns pids
    for h in $(topo_hosts "$1"); do
        ns=$(ns_of "$h")
        [ -n "$ns" ] || continue
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    return 0
}
