# lab/lib/scenario.sh: run one scenario directory inside the lab VM.
#
# A scenario is data (lab/scenarios/<name>/):
#   description        one paragraph; the first line is printed
#   scenario.conf      shell assignments: TOPOLOGY, IMPL_<host>, FAR, PEERS, REQUIRES and the
#                      values substituted for @NAME@ in host configs (PSKs, addresses)
#   hosts/<host>/<impl>/  config files for that host when it runs <impl>
#   pretest            `host::command` steps, in order
#   evaltest           `host::command::pattern::YES|NO` checks (pattern: grep -E, YES = must
#                      match, NO = must not); a `host::command` line there is a step
#   posttest           optional `host::command` steps
# Commands starting with `@` are runner verbs (see run_verb); others run as `sh -c` in the
# host's namespace with $LOG (this scenario's log dir), $RUN (the host's runtime dir) and
# $BIN (the build's target/debug, for examples and test programs) set.
# This file never builds topologies itself (lib/topo.sh does) and never decides what an
# implementation's output means (lib/peers.sh does).

# result KIND TEXT: print and record one result line (PASS, FAIL or SKIP).
result() {
    printf '%-4s %s\n' "$1" "$2"
    printf '%s %s\n' "$1" "$2" >> "$RESULTS"
}

# impl_of HOST: the implementation this run uses on HOST (empty: none).
impl_of() {
    local v="IMPL_$1"
    echo "${!v:-}"
}

# run_verb HOST VERB ARGS...: the runner's own actions.
run_verb() {
    local h="$1" verb="$2"; shift 2
    case "$verb" in
        ike)
            local impl; impl=$(impl_of "$h")
            [ -n "$impl" ] || { echo "no IKE implementation configured on $h"; return 1; }
            local sub="$1"; shift
            case "$sub" in
                start)
                    mkdir -p "$RUNROOT/$h" "$LOGDIR/$h"
                    ike_render "$SCENARIO_DIR/hosts/$h/$impl" "$RUNROOT/$h/conf" "$h"
                    "ike_${impl}_start" "$h" ;;
                restart)
                    # Stop the host's daemon, render its configs again (with any @set values)
                    # and start it.
                    mkdir -p "$RUNROOT/$h" "$LOGDIR/$h"
                    ike_shutdown "$h" "$impl" || return 1
                    ike_render "$SCENARIO_DIR/hosts/$h/$impl" "$RUNROOT/$h/conf" "$h"
                    "ike_${impl}_start" "$h" ;;
                wait-established)
                    local name="$1" secs="${2:-30}" i=0
                    until "ike_${impl}_established" "$h" "$name" > "$LOGDIR/$h/last-status.txt" 2>&1; do
                        i=$((i + 1))
                        [ "$i" -ge "$secs" ] && { cat "$LOGDIR/$h/last-status.txt"; return 1; }
                        sleep 1
                    done
                    tail -n 1 "$LOGDIR/$h/last-status.txt" ;;
                *) "ike_${impl}_${sub}" "$h" "$@" ;;
            esac ;;
        capture)
            case "$1" in
                start)
                    ip netns exec "$h" tcpdump -i "$2" -n --immediate-mode -U \
                        -w "$LOGDIR/$h-$2.pcap" > "$LOGDIR/$h-$2.tcpdump.log" 2>&1 &
                    echo $! > "$RUNROOT/capture-$h-$2.pid"
                    sleep 1 ;;
                stop)
                    sleep 1
                    local p
                    for p in "$RUNROOT"/capture-"$h"-*.pid; do
                        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null && rm -f "$p"
                    done
                    sleep 0.5 ;;
            esac ;;
        esp-mark) esp_packets "$h" > "$RUNROOT/esp-mark-$h"; echo "esp packets: $(cat "$RUNROOT/esp-mark-$h")" ;;
        esp-grew)
            local before after
            before=$(cat "$RUNROOT/esp-mark-$h" 2>/dev/null || echo 0)
            after=$(esp_packets "$h")
            if [ "$after" -gt "$before" ]; then
                echo "esp counters grew: $before -> $after packets"
            else
                echo "esp counters did not grow: $before -> $after packets"
            fi ;;
        cut)
            # Break paths silently (no carrier change): blackhole routes, all in one call.
            printf 'route replace blackhole %s\n' "$@" | ip -n "$h" -batch - ;;
        restore) printf 'route del blackhole %s\n' "$@" | ip -n "$h" -batch - ;;
        delay) ip netns exec "$h" tc qdisc replace dev "$1" root netem delay "${2}ms" ;;
        masquerade)
            ip netns exec "$h" nft -f - <<NFT
table ip lab_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat;
        oifname "$1" masquerade
    }
}
NFT
            ;;
        sleep) sleep "$1" ;;
        set)
            # @set VAR=VALUE...: change scenario variables for the steps that follow (a later
            # `@ike start`/`@ike restart` renders the host's configs with them). Values hold no
            # spaces (`_` conventions as in expect.env).
            local kv
            for kv in "$@"; do
                printf -v "${kv%%=*}" '%s' "${kv#*=}"
                case " $SCENARIO_VARS " in *" ${kv%%=*} "*) ;; *) SCENARIO_VARS="$SCENARIO_VARS ${kv%%=*}" ;; esac
                echo "set $kv"
            done ;;
        skip)
            # @skip REASON...: record a SKIP result (a check this lab cannot run, and why).
            result SKIP "$(basename "$SCENARIO_DIR"): $*" >&3 ;;
        ping-start)
            # @ping-start NAME DST [INTERVAL]: a timestamped ping from this host in the
            # background (default every 20 ms) until @ping-gap NAME stops it.
            local pname="$1" dst="$2" ival="${3:-0.02}"
            ip netns exec "$h" ping -D -i "$ival" "$dst" > "$LOGDIR/ping-$pname.txt" 2>&1 &
            echo $! > "$RUNROOT/ping-$pname.pid"
            echo "$ival" > "$RUNROOT/ping-$pname.interval"
            echo "ping $pname: $h -> $dst every ${ival}s" ;;
        ping-gap)
            # @ping-gap NAME [ping-gap.py options, e.g. --max-gap-ms 1000]: stop the ping
            # (SIGINT, so it prints its summary) and print the tool's verdict line(s).
            local pname="$1"; shift
            local pid; pid=$(cat "$RUNROOT/ping-$pname.pid" 2>/dev/null) || { echo "no ping named $pname"; return 1; }
            kill -INT "$pid" 2>/dev/null
            local i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            rm -f "$RUNROOT/ping-$pname.pid"
            python3 "$LAB/tools/ping-gap.py" --interval "$(cat "$RUNROOT/ping-$pname.interval")" \
                "$@" "$LOGDIR/ping-$pname.txt" | tee -a "$LOGDIR/measurements.txt" ;;
        if-mark)
            # @if-mark IF...: remember the interfaces' tx byte counters (for @if-grew/@if-share).
            local ifc
            for ifc in "$@"; do
                if_tx_bytes "$h" "$ifc" > "$RUNROOT/ifmark-$h-$ifc"
                echo "$ifc tx bytes: $(cat "$RUNROOT/ifmark-$h-$ifc")"
            done ;;
        if-grew)
            # @if-grew IF [MIN_BYTES]: did IF send at least MIN_BYTES (default 1) since @if-mark?
            local ifc="$1" min="${2:-1}" before after
            before=$(cat "$RUNROOT/ifmark-$h-$ifc" 2>/dev/null || echo 0)
            after=$(if_tx_bytes "$h" "$ifc")
            if [ $((after - before)) -ge "$min" ]; then
                echo "$ifc grew by $((after - before)) bytes ($before -> $after)"
            else
                echo "$ifc did not grow by $min bytes: $((after - before)) ($before -> $after)"
            fi ;;
        if-share)
            # @if-share [--min PCT --max PCT] IF...: each IF's share of the tx bytes sent since
            # @if-mark, with byte-share.py's verdict (share-ok / share-out-of-range).
            local opts=() args=() ifc
            while [ $# -gt 0 ]; do
                case "$1" in --min|--max) opts+=("$1" "$2"); shift 2 ;; *) args+=("$1"); shift ;; esac
            done
            local readings=()
            for ifc in "${args[@]}"; do
                readings+=("$ifc=$(cat "$RUNROOT/ifmark-$h-$ifc" 2>/dev/null || echo 0):$(if_tx_bytes "$h" "$ifc")")
            done
            python3 "$LAB/tools/byte-share.py" "${opts[@]}" "${readings[@]}" | tee -a "$LOGDIR/measurements.txt" ;;
        *) echo "unknown verb @$verb"; return 2 ;;
    esac
}

# if_tx_bytes HOST IF: IF's transmitted byte counter in HOST (0 when IF does not exist).
if_tx_bytes() {
    ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_bytes" 2>/dev/null || echo 0
}

# esp_packets HOST: the sum of packet counters over HOST's ESP SAs.
esp_packets() {
    ip -n "$1" -s xfrm state 2>/dev/null | awk '
        /^src /                 { esp = 0 }
        /proto esp/             { esp = 1 }
        /lifetime current:/     { cur = 1; next }
        cur && esp && /packets/ { split($2, a, "("); n += a[1] }
                                { cur = 0 }
        END { print n + 0 }'
}

# run_step HOST COMMAND: run one step, output to the scenario's step log; returns its status.
run_step() {
    local h="$1" cmd="$2"
    {
        if [ "${cmd#@}" != "$cmd" ]; then
            # shellcheck disable=SC2086
            run_verb "$h" ${cmd#@}
        else
            LOG="$LOGDIR" RUN="$RUNROOT/$h" BIN="$BIN" timeout 120 ip netns exec "$h" sh -c "$cmd"
        fi
    } > "$LOGDIR/step.out" 2>&1
    local rc=$?
    # The header goes to the step log only: patterns are matched against the output alone.
    { echo "### $h: $cmd (exit $rc)"; cat "$LOGDIR/step.out"; } >> "$LOGDIR/steps.log"
    return $rc
}

# run_scenario DIR: run one scenario; prints and records its results.
run_scenario() {
    SCENARIO_DIR="$1"
    local name; name=$(basename "$1")
    # fd 3: the console, for results recorded from inside a step (@skip).
    exec 3>&1
    LOGDIR="$LABOUT/$name"
    rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
    local before_fail; before_fail=$(grep -c '^FAIL' "$RESULTS" 2>/dev/null || true)

    # Fresh variables per scenario: unset the previous scenario's.
    local v
    for v in ${SCENARIO_VARS:-}; do unset "$v"; done
    unset TOPOLOGY FAR PEERS REQUIRES
    for v in $(compgen -v IMPL_); do unset "$v"; done
    # shellcheck disable=SC1091
    . "$1/scenario.conf"
    SCENARIO_VARS=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$1/scenario.conf" | tr '\n' ' ')
    # --set VAR=VALUE overrides from the command line.
    local kv
    for kv in ${LAB_SETS:-}; do
        printf -v "${kv%%=*}" '%s' "${kv#*=}"
        SCENARIO_VARS="$SCENARIO_VARS ${kv%%=*}"
    done

    echo "== $name: $(head -n 1 "$1/description")"
    local started=$SECONDS
    if [ -n "${LAB_PEER:-}" ]; then
        if [ -z "${FAR:-}" ]; then
            result SKIP "$name: --peer $LAB_PEER: this scenario has no selectable far side"; return
        fi
        case " ${PEERS:-} " in
            *" $LAB_PEER "*) ;;
            *) result SKIP "$name: --peer $LAB_PEER not supported (allowed: ${PEERS:-none})"; return ;;
        esac
        if [ ! -d "$1/hosts/$FAR/$LAB_PEER" ]; then
            result SKIP "$name: no $LAB_PEER config for $FAR"; return
        fi
        printf -v "IMPL_$FAR" '%s' "$LAB_PEER"
    fi
    local cap
    for cap in ${REQUIRES:-}; do
        case " $CAPS " in
            *" $cap "*) ;;
            *) result FAIL "$name: the lab kernel lacks '$cap' (probe: $CAPS)"; return ;;
        esac
    done

    local topo="$LAB/topologies/$TOPOLOGY.topo"
    topo_destroy "$topo"
    # Runtime files (rendered configs, sockets, pid files, counter marks) are per scenario: a
    # config left by the previous scenario must never be picked up by this one.
    rm -rf "${RUNROOT:?}"/*
    if ! topo_build "$topo" > "$LOGDIR/topology.log" 2>&1; then
        result FAIL "$name: topology $TOPOLOGY could not be built (see $LOGDIR/topology.log)"
        topo_destroy "$topo"; return
    fi

    local h cmd pat want line out rc matched
    while IFS= read -r line; do
        case "$line" in ''|'#'*) continue ;; esac
        h="${line%%::*}"; cmd="${line#*::}"
        run_step "$h" "$cmd" || result FAIL "$name: step $h: $cmd (exit $?; see $LOGDIR/steps.log)"
    done < "$1/pretest"

    while IFS= read -r line; do
        case "$line" in ''|'#'*) continue ;; esac
        h="${line%%::*}"; line="${line#*::}"
        case "$line" in
            *::*::*) ;;
            *) run_step "$h" "$line" || result FAIL "$name: step $h: $line (exit $?; see $LOGDIR/steps.log)"
               continue ;;
        esac
        want="${line##*::}"; line="${line%::*}"
        pat="${line##*::}"; cmd="${line%::*}"
        run_step "$h" "$cmd"; rc=$?
        out=$(cat "$LOGDIR/step.out")
        matched=no
        echo "$out" | grep -qE -- "$pat" && matched=yes
        if { [ "$want" = YES ] && [ $matched = yes ]; } || { [ "$want" = NO ] && [ $matched = no ]; }; then
            result PASS "$name: $h: $cmd ~ $pat ($want)"
        else
            result FAIL "$name: $h: $cmd ~ $pat ($want; exit $rc; got: $(echo "$out" | tail -n 3 | tr '\n' '|' | cut -c1-200))"
        fi
    done < "$1/evaltest"

    if [ -f "$1/posttest" ]; then
        while IFS= read -r line; do
            case "$line" in ''|'#'*) continue ;; esac
            run_step "${line%%::*}" "${line#*::}" || true
        done < "$1/posttest"
    fi
    # Keep each host's state for the record before tearing down.
    for h in $(topo_hosts "$topo"); do
        mkdir -p "$LOGDIR/$h"
        { ip -n "$h" -s xfrm state; ip -n "$h" xfrm policy; ip -n "$h" addr; ip -n "$h" route; } \
            > "$LOGDIR/$h/kernel-state.txt" 2>&1
    done
    topo_destroy "$topo"
    local after_fail; after_fail=$(grep -c '^FAIL' "$RESULTS" 2>/dev/null || true)
    if [ "$after_fail" = "$before_fail" ]; then
        echo "   logs: $LOGDIR"
    else
        echo "   FAILED: every host's logs kept under $LOGDIR"
    fi
    echo "   took $((SECONDS - started)) s"
}
