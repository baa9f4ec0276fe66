#!/bin/sh
# cut-ping-path.sh find|cut: for two-sites-dual while a ping runs from westlan. `find` (run in
# west) sees which of west's two tunnels carries the ping (the xfrm interface that sent more
# bytes over one second: the multipath hash of one ICMP flow is fixed per boot but random
# between boots) and records it in $LOG/ecmp-cut.txt; run it while the ping is the only
# traffic. `cut` (run in the router, inet) then cuts THAT path silently (blackhole /32 routes,
# as @cut does), so the failover gap is measured on a flow that loses its path. Prints
# `ping on xfrm-east-tN` / `cut path A|B`; exits 1 (recording or cutting nothing) when neither
# interface carried the ping or nothing was recorded.
set -u
tx() { cat "/sys/class/net/$1/statistics/tx_bytes"; }
case "${1:-}" in
    find)
        a1=$(tx xfrm-east-t1) a2=$(tx xfrm-east-t2)
        sleep 1
        d1=$(( $(tx xfrm-east-t1) - a1 )) d2=$(( $(tx xfrm-east-t2) - a2 ))
        if [ "$d1" -ge "$d2" ]; then dev=xfrm-east-t1 most=$d1; else dev=xfrm-east-t2 most=$d2; fi
        # 50 pings of 84 bytes a second; the probes alone are ~200 bytes per tunnel.
        if [ "$most" -lt 1500 ]; then
            echo "no ping seen on either tunnel (t1 $d1 B, t2 $d2 B in 1 s)"
            exit 1
        fi
        echo "$dev" > "$LOG/ecmp-cut.txt"
        echo "ping on $dev (t1 $d1 B, t2 $d2 B in 1 s)" ;;
    cut)
        case "$(cat "$LOG/ecmp-cut.txt" 2>/dev/null)" in
            xfrm-east-t1) path=A cut="192.0.2.1/32 198.51.100.1/32" ;;
            xfrm-east-t2) path=B cut="192.0.2.2/32 198.51.100.2/32" ;;
            *) echo "no ping path recorded (run find first)"; exit 1 ;;
        esac
        # shellcheck disable=SC2086
        printf 'route replace blackhole %s\n' $cut | ip -batch - || exit 1
        echo "cut path $path ($(cat "$LOG/ecmp-cut.txt"))" ;;
    *) echo "usage: cut-ping-path.sh find|cut" >&2; exit 2 ;;
esac
