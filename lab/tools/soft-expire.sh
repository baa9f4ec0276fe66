#!/bin/sh
# soft-expire.sh LOCAL_ADDR: make this host's kernel raise a soft EXPIRE for its outbound ESP SA
# (the first one whose source is LOCAL_ADDR) now, exactly as when the SA's soft lifetime runs out,
# so that xfrmd starts a Child SA rekey from this side (kernel EXPIRE -> CREATE_CHILD_SA,
# RFC 7296 2.8). `ip xfrm state update` on an existing SA makes the kernel copy only the new
# lifetime and re-arm the SA's timer (the algorithm given must parse, its key is not installed:
# the SA keeps its keys, selector and replay state; a UDP-encapsulated SA must be given its own
# encapsulation again, or the kernel refuses the update). It never touches policies
# and never prints keys.
set -eu
args=$(ip xfrm state | awk -v src="$1" '
    function clean(v) { sub(/\(.*/, "", v); return v }
    /^src / { take = ($2 == src && !done); if (take) { s = $2; d = $4; done = 1 } next }
    !take { next }
    $1 == "proto" { spi = clean($4); reqid = clean($6); mode = $8 }
    $1 == "aead" { alg = sprintf("aead %s %s %s", $2, $3, $NF) }
    $1 == "enc" { alg = alg sprintf(" enc %s %s", $2, $3) }
    $1 == "auth-trunc" { alg = alg sprintf(" auth-trunc %s %s %s", $2, $3, $NF) }
    $1 == "encap" { encap = sprintf(" encap %s %s %s %s", $3, $5, $7, $9) }
    $1 == "if_id" { ifid = " if_id " $2 }
    END { if (done) printf "src %s dst %s proto esp spi %s reqid %s mode %s %s%s%s", s, d, spi, reqid, mode, alg, encap, ifid }')
[ -n "$args" ] || { echo "no ESP SA from $1"; exit 1; }
spi=$(echo "$args" | sed 's/.* spi \([^ ]*\) .*/\1/')
# shellcheck disable=SC2086
ip xfrm state update $args limit time-soft 1 limit time-hard 3600
echo "soft expire armed on spi $spi"
