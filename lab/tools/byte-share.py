#!/usr/bin/env python3
"""byte-share: how traffic split over interfaces between two counter readings (ECMP checks).

    byte-share.py [--min PCT] [--max PCT] IF=BEFORE:AFTER IF=BEFORE:AFTER ...

Prints one line `share IF=<pct>% (<bytes> B) ... total=<bytes>` and, when --min/--max are
given, `share-ok` (every interface's share within [min, max] percent and some bytes moved) or
`share-out-of-range`. The exit status is 0 unless an argument is malformed: verdicts are for
the lab's pattern checks. `--self-test` runs the doctests. It only reads its arguments.
"""

import argparse
import sys


def shares(readings):
    """Per-interface byte deltas and percentages.

    >>> shares([("a", 100, 600), ("b", 0, 1500)])
    ([('a', 500, 25.0), ('b', 1500, 75.0)], 2000)
    >>> shares([("a", 5, 5), ("b", 7, 7)])
    ([('a', 0, 0.0), ('b', 0, 0.0)], 0)

    A counter that went backwards (interface re-created) counts from zero:

    >>> shares([("a", 900, 100), ("b", 0, 100)])
    ([('a', 100, 50.0), ('b', 100, 50.0)], 200)
    """
    deltas = []
    for name, before, after in readings:
        d = after - before if after >= before else after
        deltas.append((name, d))
    total = sum(d for _, d in deltas)
    out = [(n, d, round(100.0 * d / total, 1) if total else 0.0) for n, d in deltas]
    return out, total


def verdict(rows, total, lo, hi):
    """share-ok when every share is within [lo, hi] and bytes moved.

    >>> verdict([('a', 1, 40.0), ('b', 1, 60.0)], 2, 25, 75)
    'share-ok'
    >>> verdict([('a', 1, 90.0), ('b', 1, 10.0)], 2, 25, 75)
    'share-out-of-range'
    >>> verdict([('a', 0, 0.0)], 0, 0, 100)
    'share-out-of-range'
    """
    ok = total > 0 and all(lo <= pct <= hi for _, _, pct in rows)
    return "share-ok" if ok else "share-out-of-range"


def parse_arg(s):
    """IF=BEFORE:AFTER

    >>> parse_arg("xfrm-east-t1=10:2000")
    ('xfrm-east-t1', 10, 2000)
    """
    name, _, rest = s.partition("=")
    before, _, after = rest.partition(":")
    return name, int(before), int(after)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("readings", nargs="*", help="IF=BEFORE:AFTER")
    ap.add_argument("--min", type=float, help="lowest acceptable share, percent")
    ap.add_argument("--max", type=float, help="highest acceptable share, percent")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args(argv)
    if args.self_test:
        import doctest
        res = doctest.testmod()
        print("self-test: %d tests, %d failed" % (res.attempted, res.failed))
        return 1 if res.failed or not res.attempted else 0
    try:
        readings = [parse_arg(r) for r in args.readings]
    except ValueError:
        print("byte-share: arguments are IF=BEFORE:AFTER", file=sys.stderr)
        return 2
    rows, total = shares(readings)
    print("share " + " ".join("%s=%.1f%% (%d B)" % (n, p, d) for n, d, p in rows) + " total=%d" % total)
    if args.min is not None or args.max is not None:
        lo = args.min if args.min is not None else 0.0
        hi = args.max if args.max is not None else 100.0
        print(verdict(rows, total, lo, hi))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
