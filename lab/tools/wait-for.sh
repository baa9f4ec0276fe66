#!/bin/sh
# wait-for.sh: poll a command until its output shows a pattern, for lab steps that would
# otherwise sleep a fixed time (routing scenarios: probes armed, a route moved after a cut).
#
#   wait-for.sh [-t SECONDS] [-n COUNT] [-i INTERVAL] PATTERN COMMAND...
#
# Runs COMMAND (one argument: through sh -c; several: as they are) every INTERVAL seconds (default 0.2) until at
# least COUNT lines (default 1) of its output match the extended regular expression PATTERN
# (grep -E), or SECONDS (default 20) have passed. Prints `waited N.N s` and the matching lines,
# or `wait-timeout after N.N s` and the last output; exits 0 when matched, 1 on timeout,
# 2 on bad arguments. `-v` inverts: wait until NO line matches (COUNT is ignored).
# It only runs COMMAND; it changes nothing itself.
#
#   wait-for.sh --self-test      checks the tool against `echo`/`date` commands
set -u

self_test() {
    fails=0 n=0
    check() {
        n=$((n + 1))
        if [ "$1" != "$2" ]; then
            echo "self-test FAIL: $3: got '$1', want '$2'"
            fails=$((fails + 1))
        fi
    }
    "$0" -t 2 'b' echo a b c > /dev/null; check $? 0 "a matching command returns at once"
    "$0" -t 0.5 -i 0.1 'zzz' echo a > /dev/null; check $? 1 "no match times out"
    "$0" -t 2 -n 2 '^x' "printf 'x1\\nx2\\n'" > /dev/null; check $? 0 "two matching lines (one shell command)"
    "$0" -t 0.5 -i 0.1 -n 3 '^x' printf 'x1\nx2\n' > /dev/null; check $? 1 "three needed, two seen"
    "$0" -t 0.5 -i 0.1 -v 'a' echo a > /dev/null; check $? 1 "-v: the pattern stays"
    "$0" -t 2 -v 'zzz' echo a > /dev/null; check $? 0 "-v: the pattern is absent"
    f=$(mktemp)
    (sleep 0.6; echo ready > "$f") &
    out=$("$0" -t 5 -i 0.1 'ready' cat "$f")
    check $? 0 "a pattern that appears later"
    case "$out" in "waited 0."[5-9]*|"waited "[1-4].*) r=ok ;; *) r="$out" ;; esac
    check "$r" ok "the wait is reported (about 0.6 s)"
    wait
    rm -f "$f"
    "$0" -x a b > /dev/null 2>&1; check $? 2 "an unknown option"
    echo "self-test: $n tests, $fails failed"
    [ "$fails" = 0 ]
}

timeout_s=20 count=1 interval=0.2 invert=no
while [ $# -gt 0 ]; do
    case "$1" in
        --self-test) self_test; exit $? ;;
        -t) timeout_s="$2"; shift 2 ;;
        -n) count="$2"; shift 2 ;;
        -i) interval="$2"; shift 2 ;;
        -v) invert=yes; shift ;;
        --) shift; break ;;
        -*) echo "wait-for.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || { echo "usage: wait-for.sh [-t S] [-n N] [-i S] [-v] PATTERN COMMAND..." >&2; exit 2; }
pattern="$1"; shift

now_ms() { date +%s%3N; }
start=$(now_ms)
deadline=$((start + $(awk -v t="$timeout_s" 'BEGIN { printf "%d", t * 1000 }')))
while :; do
    if [ $# = 1 ]; then out=$(sh -c "$1" 2>&1); else out=$("$@" 2>&1); fi
    hits=$(printf '%s\n' "$out" | grep -cE -- "$pattern")
    if { [ $invert = no ] && [ "$hits" -ge "$count" ]; } || { [ $invert = yes ] && [ "$hits" = 0 ]; }; then
        echo "waited $(awk -v a="$start" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }') s"
        [ $invert = no ] && printf '%s\n' "$out" | grep -E -- "$pattern"
        exit 0
    fi
    [ "$(now_ms)" -ge "$deadline" ] && break
    sleep "$interval"
done
echo "wait-timeout after $(awk -v a="$start" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }') s"
printf '%s\n' "$out" | tail -n 20
exit 1
