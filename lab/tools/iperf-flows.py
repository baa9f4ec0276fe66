#!/usr/bin/env python3
"""iperf-flows: did every flow (TCP or UDP) of an iperf3 run keep moving to the end (ECMP path cut)?

    iperf-flows.py [--last SECONDS] [--min-bytes N] FILE.json

Reads the `--json` output of an iperf3 client run with `-P N -i INTERVAL` and prints one line
(run the client with `-R`: its intervals then count the bytes that ARRIVED; a sender's count
includes writes into its socket buffer while the path is down)

    flows=<n> continued=<k> last_s=<s> min_bytes=<b> stalled=<socket ids>

where a flow continued when it sent at least --min-bytes (default 1) in the intervals that
start within the last --last seconds (default 2) of the run; then `flows-continue` when every
flow did (and there was at least one), or `flows-stalled`. The exit status is 0 unless the
file cannot be read or parsed: verdicts are for the lab's pattern checks. `--self-test` runs
the doctests. It only reads the file; it never sends traffic.
"""

import argparse
import json
import sys


def tail_bytes(doc, last):
    """Bytes per flow (socket) in the intervals starting in the last `last` seconds.

    >>> doc = {"intervals": [
    ...   {"streams": [{"socket": 5, "start": 0.0, "end": 1.0, "bytes": 100},
    ...                {"socket": 7, "start": 0.0, "end": 1.0, "bytes": 100}]},
    ...   {"streams": [{"socket": 5, "start": 1.0, "end": 2.0, "bytes": 0},
    ...                {"socket": 7, "start": 1.0, "end": 2.0, "bytes": 90}]},
    ...   {"streams": [{"socket": 5, "start": 2.0, "end": 3.0, "bytes": 40},
    ...                {"socket": 7, "start": 2.0, "end": 3.0, "bytes": 80}]}]}
    >>> tail_bytes(doc, 1.0)
    ({5: 40, 7: 80}, 3.0)
    >>> tail_bytes(doc, 2.0)
    ({5: 40, 7: 170}, 3.0)

    A flow that sent nothing at the end counts with 0 bytes:

    >>> doc["intervals"][2]["streams"][0]["bytes"] = 0
    >>> tail_bytes(doc, 1.0)
    ({5: 0, 7: 80}, 3.0)
    >>> tail_bytes({"intervals": []}, 2.0)
    ({}, 0.0)
    """
    streams = [s for iv in doc.get("intervals", []) for s in iv.get("streams", [])]
    end = max((float(s["end"]) for s in streams), default=0.0)
    out = {}
    for s in streams:
        sock = int(s["socket"])
        out.setdefault(sock, 0)
        # 1 ms of slack: interval boundaries are floats.
        if float(s["start"]) >= end - last - 0.001:
            out[sock] += int(s["bytes"])
    return out, end


def verdict(per_flow, min_bytes):
    """flows-continue when every flow sent at least min_bytes, and there are flows.

    >>> verdict({5: 40, 7: 80}, 1)
    ('flows-continue', [])
    >>> verdict({5: 0, 7: 80}, 1)
    ('flows-stalled', [5])
    >>> verdict({}, 1)
    ('flows-stalled', [])
    """
    stalled = sorted(k for k, v in per_flow.items() if v < min_bytes)
    ok = bool(per_flow) and not stalled
    return ("flows-continue" if ok else "flows-stalled"), stalled


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="?", help="iperf3 --json output")
    ap.add_argument("--last", type=float, default=2.0, help="seconds at the end of the run")
    ap.add_argument("--min-bytes", type=int, default=1, help="least bytes a flow must send")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args(argv)
    if args.self_test:
        import doctest
        res = doctest.testmod()
        print("self-test: %d tests, %d failed" % (res.attempted, res.failed))
        return 1 if res.failed or not res.attempted else 0
    if not args.file:
        ap.error("a file is needed")
    try:
        with open(args.file, encoding="utf-8") as f:
            doc = json.load(f)
        per_flow, _end = tail_bytes(doc, args.last)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("iperf-flows: %s: %s" % (args.file, e), file=sys.stderr)
        return 2
    word, stalled = verdict(per_flow, args.min_bytes)
    print("flows=%d continued=%d last_s=%g min_bytes=%d stalled=%s"
          % (len(per_flow), len(per_flow) - len(stalled), args.last,
             min(per_flow.values(), default=0), ",".join(map(str, stalled)) or "-"))
    print(word)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
