#!/usr/bin/env python3
"""ping-gap: the longest interruption in a `ping -D` run, for failover measurements.

Reads the output of `ping -D -i 0.02 DST` (a file, or stdin) and prints one line:

    longest_gap_ms=<n> sent=<n> received=<n> lost=<n> max_silence_ms=<n>

longest_gap_ms is the longest service interruption: the time between the last reply before a
run of lost requests and the first reply after it (by ping's -D timestamps); 0 when nothing was
lost. A run that ends in an outage (requests sent after the last reply) counts that tail too,
as (unanswered requests + 1) x the interval. max_silence_ms is the longest time between any two
consecutive replies, lost or not: under emulation on a loaded machine the VM itself stalls for
hundreds of ms with nothing lost, and that is not an outage of the tunnel. `sent` comes from
ping's summary line when present (ping stopped with SIGINT), otherwise from the highest
icmp_seq seen. Duplicate replies (DUP!) are ignored.

With --max-gap-ms N a second line says `gap-ok` (longest gap <= N) or `gap-too-long`; with
--min-received N, `received-too-few` when fewer replies arrived (a run with no replies at all
never counts as gap-ok). The exit status is 0 unless the input cannot be read: verdicts are
for the lab's pattern checks.

    python3 lab/tools/ping-gap.py --self-test     # runs the parser's tests (doctest)

It only reads text; it never sends packets.
"""

import argparse
import re
import sys

REPLY = re.compile(r"^\[(\d+(?:\.\d+)?)\] \d+ bytes from [^:]+: icmp_seq=(\d+) ")
SUMMARY = re.compile(r"^(\d+) packets transmitted, (\d+) (?:packets )?received")
INTERVAL = 0.02


def parse(lines, interval=INTERVAL):
    """Parse ping -D output; returns (longest_gap_ms, sent, received, max_silence_ms).

    >>> run = [
    ...   "PING 10.2.0.10 (10.2.0.10) 56(84) bytes of data.",
    ...   "[1000.000000] 64 bytes from 10.2.0.10: icmp_seq=1 ttl=62 time=1.0 ms",
    ...   "[1000.020000] 64 bytes from 10.2.0.10: icmp_seq=2 ttl=62 time=1.0 ms",
    ...   "[1000.040000] 64 bytes from 10.2.0.10: icmp_seq=3 ttl=62 time=1.0 ms",
    ...   "[1000.900000] 64 bytes from 10.2.0.10: icmp_seq=46 ttl=62 time=1.0 ms",
    ...   "[1000.920000] 64 bytes from 10.2.0.10: icmp_seq=47 ttl=62 time=1.0 ms",
    ...   "",
    ...   "--- 10.2.0.10 ping statistics ---",
    ...   "47 packets transmitted, 5 received, 89.3617% packet loss, time 920ms",
    ... ]
    >>> parse(run)
    (860, 47, 5, 860)

    A stall with nothing lost (consecutive sequence numbers) is silence, not a gap; duplicates
    are not replies; a summary with duplicates still parses:

    >>> parse(["[5.000] 64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms",
    ...        "[5.010] 64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms (DUP!)",
    ...        "[5.500] 64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=0.1 ms",
    ...        "[5.600] 64 bytes from 10.0.0.1: icmp_seq=4 ttl=64 time=0.1 ms",
    ...        "4 packets transmitted, 3 received, +1 duplicates, 25% packet loss, time 600ms"])
    (100, 4, 3, 500)

    A run that ends in an outage counts the unanswered tail (here 30 requests after seq 10):

    >>> lines = ["[1.%02d0000] 64 bytes from 10.0.0.1: icmp_seq=%d ttl=64 time=1 ms" % (i * 2, i)
    ...          for i in range(1, 11)]
    >>> parse(lines + ["40 packets transmitted, 10 received, +5 errors, 75% packet loss"])
    (620, 40, 10, 20)

    Without a summary (ping killed hard) `sent` is the highest sequence number seen:

    >>> parse(lines[:3])
    (0, 3, 3, 20)

    No reply at all: the whole run is one gap.

    >>> parse(["PING 10.2.0.10 (10.2.0.10) 56(84) bytes of data.",
    ...        "100 packets transmitted, 0 received, 100% packet loss, time 1980ms"])
    (2020, 100, 0, 0)
    """
    replies = {}
    sent = None
    for line in lines:
        line = line.strip()
        m = REPLY.match(line)
        if m:
            seq = int(m.group(2))
            if "DUP!" in line or seq in replies:
                continue
            replies[seq] = float(m.group(1))
            continue
        m = SUMMARY.match(line)
        if m:
            sent = int(m.group(1))
    seqs = sorted(replies)
    last_seq = seqs[-1] if seqs else 0
    if sent is None:
        sent = last_seq
    gap = 0.0
    silence = 0.0
    for a, b in zip(seqs, seqs[1:]):
        d = max(replies[b] - replies[a], 0.0)
        silence = max(silence, d)
        if b - a > 1:
            gap = max(gap, d)
    # The unanswered tail: requests sent after the last reply, up to the end of the run.
    tail = sent - last_seq
    if tail > 0:
        gap = max(gap, (tail + 1) * interval)
    return int(round(gap * 1000)), sent, len(seqs), int(round(silence * 1000))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="?", help="ping -D output (default: stdin)")
    ap.add_argument("--interval", type=float, default=INTERVAL,
                    help="ping's -i interval in seconds (for the unanswered tail), default 0.02")
    ap.add_argument("--max-gap-ms", type=int, help="print gap-ok or gap-too-long")
    ap.add_argument("--min-received", type=int, default=1,
                    help="fewer replies than this is a failed measurement (default 1)")
    ap.add_argument("--self-test", action="store_true", help="run the parser's doctests")
    args = ap.parse_args(argv)
    if args.self_test:
        import doctest
        res = doctest.testmod(verbose=False)
        print("self-test: %d tests, %d failed" % (res.attempted, res.failed))
        return 1 if res.failed or not res.attempted else 0
    try:
        if args.file and args.file != "-":
            with open(args.file, encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
        else:
            lines = sys.stdin.readlines()
    except OSError as e:
        print("ping-gap: %s" % e, file=sys.stderr)
        return 2
    gap, sent, received, silence = parse(lines, args.interval)
    print("longest_gap_ms=%d sent=%d received=%d lost=%d max_silence_ms=%d"
          % (gap, sent, received, max(sent - received, 0), silence))
    if received < args.min_received:
        print("received-too-few")
    if args.max_gap_ms is not None:
        ok = received >= max(args.min_received, 1) and gap <= args.max_gap_ms
        print("gap-ok" if ok else "gap-too-long")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
