#!/bin/sh
# bench.sh PAIRS: the timed part of bench-xfrm-10k, run in west's namespace in the background
# (a scenario step may take at most 120 s; evaltest waits for $LOG/bench-done.txt in
# several steps). Phases in order: xfrmd install, xfrmd remove (NetlinkKernel::apply_batch),
# ip -batch install, ip -batch remove, each followed by an object count. Writes
# $LOG/bench-*.txt, the summary line to $LOG/bench.txt, whether xfrmd was no slower than
# ip -batch to $LOG/bench-goal.txt, then $LOG/bench-done.txt.
n="$1"
count() {
    echo "states $(ip xfrm state | grep -c ^src) policies $(ip xfrm policy | grep -c ^src)" > "$LOG/bench-count-$1.txt"
    echo "$1: $(cat "$LOG/bench-count-$1.txt")" >> "$LOG/bench-progress.txt"
}
# CPU time of each timed process (user = our code, sys = the kernel's XFRM work).
cpu() {
    out="$1"; shift
    if [ -x /usr/bin/time ]; then /usr/bin/time -f "%Us user %Ss sys %es wall" -o "$out" "$@"; else "$@"; fi
}
secs() { echo "$1 $2" | awk '{printf "%.3f", $2 - $1}'; }
: > "$LOG/bench-progress.txt"
for phase in install remove; do
    cpu "$LOG/bench-cpu-xfrmd-$phase.txt" \
        "$BIN/examples/xfrm-bench" --pairs "$n" --mode batch --phase $phase > "$LOG/bench-xfrmd-$phase.txt" 2>&1
    cat "$LOG/bench-xfrmd-$phase.txt" >> "$LOG/bench-progress.txt"
    count "xfrmd-$phase"
done
for phase in install remove; do
    f=add; [ $phase = remove ] && f=del
    s=$(date +%s.%N)
    cpu "$LOG/bench-cpu-ip-$phase.txt" ip -batch "$RUN/$f.batch" > "$LOG/bench-ip-$phase.log" 2>&1
    rc=$?; e=$(date +%s.%N)
    echo "ip-batch $phase $n pairs $(secs "$s" "$e") s rc $rc" > "$LOG/bench-ip-$phase.txt"
    cat "$LOG/bench-ip-$phase.txt" >> "$LOG/bench-progress.txt"
    count "ip-$phase"
done
v() { awk '{print $5}' "$LOG/bench-$1.txt"; }
echo "bench: xfrmd install $n pairs $(v xfrmd-install) s remove $(v xfrmd-remove) s; ip -batch install $n pairs $(v ip-install) s remove $(v ip-remove) s" > "$LOG/bench.txt"
# The goal: xfrmd no slower than ip -batch, for install and for removal (same VM run).
goal() { awk -v a="$(v "xfrmd-$1")" -v b="$(v "ip-$1")" 'BEGIN { print (a != "" && b != "" && a + 0 <= b + 0) ? "yes" : "no" }'; }
echo "goal install $(goal install) remove $(goal remove)" > "$LOG/bench-goal.txt"
for f in xfrmd-install xfrmd-remove ip-install ip-remove; do
    echo "cpu $f $(tail -n 1 "$LOG/bench-cpu-$f.txt" 2>/dev/null)" >> "$LOG/bench.txt"
done
echo done > "$LOG/bench-done.txt"
