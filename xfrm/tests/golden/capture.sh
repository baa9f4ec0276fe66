#!/bin/sh
# xfrm/tests/golden/capture.sh: re-captures the golden fixtures (run as root; needs strace).
#
# Each fixture is the netlink request `ip` (iproute2) sends for one object, taken from
# `strace -f -xx -e trace=sendmsg,sendto -e write=all -s 65535 ip ...` inside `unshare -n`,
# so nothing touches the host's tables. The kernel may refuse the request (this build machine
# has no ESP, GCM or xfrm interfaces): strace still records the bytes sent, which is what the
# golden test compares. In the fresh namespace lo is ifindex 1 and the bridges created first
# are out0 = 2, ipsec7 = 3, ipsec8 = 4 (the test resolves names to the same indexes).
# Writes NAME.hex: `#` lines (the exact command, iproute2 version), then the message in hex.
set -eu
cd "$(dirname "$0")"
KA=0x000102030405060708090a0b0c0d0e0f10111213
KE=0x000102030405060708090a0b0c0d0e0f
KI=0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f

# cap NAME NLMSG_TYPE CMD...: capture the first request of that type that CMD sends.
cap() {
    name="$1" type="$2"; shift 2
    out=$(unshare -n sh -c 'ip link add out0 type bridge && ip link add ipsec7 type bridge &&
        ip link add ipsec8 type bridge && exec strace -f -xx -e trace=sendmsg,sendto \
        -e write=all -s 65535 "$@" 2>&1 >/dev/null' sh "$@" || true)
    hex=$(echo "$out" | awk -v t="nlmsg_type=$type," '
        /^(\[pid +[0-9]+\] )?send/ { on = index($0, t) > 0; if (on) last = ""; next }
        on && /^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {
            for (i = 3; i <= 18 && $i != "|"; i++) if ($i ~ /^[0-9a-f][0-9a-f]$/) last = last $i
            next }
        on && !/^ \* / { on = 0 }
        END { print last }' | fold -w 64)
    [ -n "$hex" ] || { echo "capture.sh: no $type request from: $*" >&2; exit 1; }
    {
        echo "# $*"
        echo "# captured with $(ip -V) by capture.sh"
        echo "$hex"
    } > "$name.hex"
    echo "captured $name.hex ($(echo "$hex" | tr -d '\n' | wc -c | awk '{print $1 / 2}') bytes)"
}

cap sa-gcm XFRM_MSG_NEWSA ip xfrm state add src 192.0.2.1 dst 198.51.100.1 proto esp spi 0x1001 \
    reqid 7 mode tunnel replay-window 32 flag af-unspec aead 'rfc4106(gcm(aes))' $KA 128 if_id 7
cap sa-cbc XFRM_MSG_NEWSA ip xfrm state add src 192.0.2.1 dst 198.51.100.1 proto esp spi 0x1001 \
    reqid 7 mode tunnel replay-window 32 flag af-unspec enc 'cbc(aes)' $KE \
    auth-trunc 'hmac(sha256)' $KI 128 if_id 7
cap sa-encap XFRM_MSG_NEWSA ip xfrm state add src 192.0.2.1 dst 198.51.100.1 proto esp spi 0x1001 \
    reqid 7 mode tunnel replay-window 32 flag af-unspec aead 'rfc4106(gcm(aes))' $KA 128 \
    encap espinudp 4500 4500 0.0.0.0 if_id 7
cap sa-del XFRM_MSG_DELSA ip xfrm state delete dst 198.51.100.1 proto esp spi 0x1001
cap allocspi XFRM_MSG_ALLOCSPI ip xfrm state allocspi src 198.51.100.1 dst 192.0.2.1 proto esp \
    reqid 7 mode tunnel min 0x100 max 0xffffffff
cap policy-out XFRM_MSG_NEWPOLICY ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out \
    tmpl src 192.0.2.1 dst 198.51.100.1 proto esp reqid 7 mode tunnel if_id 7
cap policy-fwd XFRM_MSG_NEWPOLICY ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir fwd \
    priority 100 tmpl src 198.51.100.1 dst 192.0.2.1 proto esp reqid 7 mode tunnel if_id 7
cap policy-del XFRM_MSG_DELPOLICY ip xfrm policy delete src 0.0.0.0/0 dst 0.0.0.0/0 dir out if_id 7
cap link-xfrm RTM_NEWLINK ip link add ipsec9 type xfrm dev out0 if_id 7
cap route-metric RTM_NEWROUTE ip route add 10.2.0.0/16 dev ipsec7 proto 240 metric 100
cap route-multipath RTM_NEWROUTE ip route add 10.3.0.0/16 proto 240 metric 50 \
    nexthop dev ipsec7 weight 1 nexthop dev ipsec8 weight 2
cap route-del RTM_DELROUTE ip route del 10.2.0.0/16 table main metric 100
cap sa-update XFRM_MSG_UPDSA ip xfrm state update src 192.0.2.1 dst 198.51.100.1 proto esp spi 0x1001 \
    reqid 7 mode tunnel replay-window 32 flag af-unspec aead 'rfc4106(gcm(aes))' $KA 128 if_id 7
cap link-vti RTM_NEWLINK ip link add vti9 type vti local 192.0.2.1 remote 198.51.100.1 ikey 7 okey 7
cap link-up RTM_NEWLINK ip link set dev ipsec7 up
cap link-down-mtu RTM_NEWLINK ip link set dev ipsec7 down mtu 1400
cap link-del RTM_DELLINK ip link del dev ipsec7
cap addr-add RTM_NEWADDR ip address add 169.254.10.1/30 dev ipsec7
cap addr-add6 RTM_NEWADDR ip address add fd00:7::1/126 dev ipsec7
cap addr-del RTM_DELADDR ip address del 169.254.10.1/30 dev ipsec7
