#!/bin/sh
# charon's updown hook: route the remote LAN into the tunnel's xfrm interface (Child SA t1 ->
# ipsec11 metric 11, t2 -> ipsec12 metric 12: path A is preferred) while its Child SA is up,
# and withdraw the route when the Child SA goes (DPD timeout): the best strongSwan does alone.
case "$PLUTO_CONNECTION" in t1) n=11 ;; t2) n=12 ;; *) exit 0 ;; esac
case "$PLUTO_VERB" in
    up-client) ip route replace 10.1.0.0/16 dev ipsec$n metric $n ;;
    down-client) ip route del 10.1.0.0/16 dev ipsec$n metric $n ;;
esac
echo "$(date +%H:%M:%S.%N | cut -c1-12) $PLUTO_VERB $PLUTO_CONNECTION" >> @LOG@/updown.log
exit 0
