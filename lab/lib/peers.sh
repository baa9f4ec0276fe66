# lab/lib/peers.sh: drive an IKE implementation on a lab host: strongSwan (charon + swanctl),
# libreswan (pluto + whack) or xfrmd.
#
# Every verb is `ike_<impl>_<verb> HOST [ARGS]`. Runtime files (sockets, pid files, NSS) live
# in $RUNROOT/HOST on a tmpfs because 9p cannot hold sockets; logs go to $LOGDIR/HOST. Each
# daemon gets a private /run through `unshare -m`. Nothing here decides whether a scenario
# passed: verbs print what they saw and return a status.

# ike_render SRC_DIR DST_DIR HOST: copy a host's config, replacing @VAR@ by the scenario's
# values, @RUN@ by the host's runtime dir and @LOG@ by its log dir.
ike_render() {
    local src="$1" dst="$2" f v expr=(-e "s|@RUN@|$RUNROOT/$3|g" -e "s|@LOG@|$LOGDIR/$3|g")
    mkdir -p "$dst"
    for v in $SCENARIO_VARS; do
        expr+=(-e "s|@${v}@|${!v}|g")
    done
    for f in "$src"/*; do
        [ -f "$f" ] || continue
        sed "${expr[@]}" "$f" > "$dst/$(basename "$f")"
    done
}

# wait_for PATH SECONDS: wait until PATH exists.
wait_for() {
    local i=0
    while [ ! -e "$1" ]; do
        i=$((i + 1))
        [ "$i" -gt $(( $2 * 10 )) ] && return 1
        sleep 0.1
    done
}

# ike_shutdown HOST IMPL: stop HOST's IKE daemon (SIGTERM, as an operator would; xfrmd sends its
# DELETEs and removes its kernel objects) and wait until it is gone (10 s at most).
ike_shutdown() {
    local h="$1" comm p i=0
    case "$2" in
        xfrmd) comm=xfrmd ;;
        libreswan) comm=pluto ;;
        strongswan) comm=charon ;;
        *) echo "no daemon known for $2"; return 1 ;;
    esac
    local pids=()
    for p in $(ip netns pids "$h"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$comm" ] && pids+=("$p")
    done
    [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null
    while [ ${#pids[@]} -gt 0 ] && kill -0 "${pids[@]}" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -gt 100 ] && { echo "$comm on $h did not stop"; return 1; }
        sleep 0.1
    done
    rm -f "$RUNROOT/$h/xfrmd.sock" "$RUNROOT/$h/charon.vici" "$(ike_libreswan_ctl "$h")"
    echo "$comm on $h stopped"
}

# ---- strongSwan ---------------------------------------------------------------------------

ike_strongswan_uri() { echo "unix://$RUNROOT/$1/charon.vici"; }

ike_strongswan_start() {
    local h="$1" run="$RUNROOT/$1" log="$LOGDIR/$1"
    [ -f "$run/conf/strongswan.conf" ] || \
        RUN="$run" LOG="$log" sed -e "s|@RUN@|$run|g" -e "s|@LOG@|$log|g" \
            "$LAB/lib/strongswan.conf.in" > "$run/conf/strongswan.conf"
    ip netns exec "$h" unshare -m sh -c "mount -t tmpfs none /run && \
        STRONGSWAN_CONF=$run/conf/strongswan.conf exec /usr/lib/ipsec/charon" \
        > "$log/charon.stdout" 2>&1 &
    wait_for "$run/charon.vici" 20 || { echo "charon on $h did not open its vici socket"; return 1; }
    ip netns exec "$h" swanctl --load-all --file "$run/conf/swanctl.conf" \
        --uri "$(ike_strongswan_uri "$h")"
}

ike_strongswan_initiate() {
    ip netns exec "$1" swanctl --initiate --child "$2" --timeout 30 \
        --uri "$(ike_strongswan_uri "$1")"
}

ike_strongswan_established() {
    local out
    out=$(ip netns exec "$1" swanctl --list-sas --uri "$(ike_strongswan_uri "$1")" 2>&1)
    echo "$out"
    echo "$out" | grep -q ESTABLISHED || return 1
    echo "$out" | grep -qE "^ +$2: #[0-9]+, reqid [0-9]+, INSTALLED" || return 1
    echo "established $2"
}

ike_strongswan_stop() {
    ip netns exec "$1" swanctl --terminate --ike "$2" --timeout 5 \
        --uri "$(ike_strongswan_uri "$1")" >/dev/null 2>&1
    return 0
}

# ---- libreswan ----------------------------------------------------------------------------

ike_libreswan_ctl() { echo "$RUNROOT/$1/run/pluto.ctl"; }

ike_libreswan_start() {
    local h="$1" run="$RUNROOT/$1" log="$LOGDIR/$1"
    mkdir -p "$run/nss" "$run/run"
    ipsec initnss --nssdir "$run/nss" >/dev/null 2>&1
    ip netns exec "$h" unshare -m sh -c "mount -t tmpfs none /run && exec ipsec pluto \
        --config $run/conf/ipsec.conf --nofork --stderrlog --rundir $run/run \
        --nssdir $run/nss --dumpdir $run/run" >> "$log/pluto.log" 2>&1 &
    wait_for "$(ike_libreswan_ctl "$h")" 20 || { echo "pluto on $h did not open its control socket"; return 1; }
    ip netns exec "$h" ipsec whack --ctlsocket "$(ike_libreswan_ctl "$h")" --listen
}

ike_libreswan_initiate() {
    timeout 40 ip netns exec "$1" ipsec whack --ctlsocket "$(ike_libreswan_ctl "$1")" \
        --initiate --name "$2"
}

ike_libreswan_established() {
    local out
    out=$(ip netns exec "$1" ipsec whack --ctlsocket "$(ike_libreswan_ctl "$1")" --trafficstatus 2>&1)
    echo "$out"
    echo "$out" | grep -qE "\"$2\"(\[[0-9]+\])?.*type=ESP" || return 1
    echo "established $2"
}

ike_libreswan_stop() {
    ip netns exec "$1" ipsec whack --ctlsocket "$(ike_libreswan_ctl "$1")" \
        --terminate --name "$2" >/dev/null 2>&1
    return 0
}

# ---- xfrmd --------------------------------------------------------------------------------

ike_xfrmd_start() {
    local h="$1" run="$RUNROOT/$1" log="$LOGDIR/$1"
    [ -x "$XFRMD" ] || { echo "xfrmd binary not found at $XFRMD"; return 1; }
    if ! "$XFRMD" run --help >/dev/null 2>&1; then
        echo "this xfrmd build has no 'run' command yet"; return 1
    fi
    ip netns exec "$h" "$XFRMD" run --config "$run/conf/site.yaml" \
        --control "$run/xfrmd.sock" >> "$log/xfrmd.log" 2>&1 &
    wait_for "$run/xfrmd.sock" 20 || { echo "xfrmd on $h did not open its control socket"; return 1; }
}

ike_xfrmd_initiate() { ip netns exec "$1" "$XFRMD" up --control "$RUNROOT/$1/xfrmd.sock" "$2"; }

ike_xfrmd_established() {
    local out
    out=$(ip netns exec "$1" "$XFRMD" status --control "$RUNROOT/$1/xfrmd.sock" 2>&1)
    echo "$out"
    # `xfrmd status` prints one row per tunnel: CONN/TUNNEL REMOTE IFACE PHASE1 PHASE2 ...
    echo "$out" | grep -qE "^$2 .* Established +Established( |$)" || return 1
    echo "established $2"
}

ike_xfrmd_stop() { ip netns exec "$1" "$XFRMD" down --control "$RUNROOT/$1/xfrmd.sock" "$2" >/dev/null 2>&1; return 0; }
