#!/usr/bin/env python3
"""lab/tools/obs-check.py: check xfrmd's observability output against the kernel (issue 8).

  obs-check.py metrics --url URL --xfrmd BIN --control SOCK --tunnel CONN/TUNNEL [--up 1|0]
      Reads `ip -s xfrm state`, scrapes URL with `curl -s`, reads `xfrmd status --json`, reads
      `ip -s xfrm state` again; parses every line of the exposition (HELP/TYPE/sample/EOF,
      nothing else) and requires for the tunnel: xfrmd_tunnel_state == --up; when up, the
      bytes/packets in/out of the metrics and of the report lie between the kernel's two
      readings for the SPIs the report names (equal to them when nothing moved; liveness
      probes keep a trickle of traffic), are at least --min-bytes, the connection's up ratio
      is 1 and the probe series are sane; every documented family is present.
  obs-check.py log --format json|text FILE --tunnel CONN/TUNNEL [--expect WORDS]...
      Parses EVERY line of an activity log file (json: an object with exactly the documented
      keys; text: key=value pairs, quoted values unescaped), checks each field's type and
      allowed values, that `timestamp` is `event_timestamp` in readable UTC, that timestamps
      never go backwards and that connection/tunnel match; each --expect WORDS must be
      contained in the details of some line (in order of appearance).
  obs-check.py status --xfrmd BIN --control SOCK
      `xfrmd status --json` has exactly the documented keys at every level.

Prints `obs-check: <what> OK ...` on success, `obs-check: FAIL ...` and exits 1 otherwise.
It never prints key material: of `ip -s xfrm state` it keeps SPIs and counters only.
"""

import argparse
import datetime
import json
import re
import subprocess
import sys

LOG_KEYS = [
    "event_timestamp", "timestamp", "connection", "tunnel", "dpd_enabled",
    "nat_t_detected", "ike_phase1_state", "ike_phase2_state", "details",
]
STATES = {"Established", "Rekeying", "Negotiating", "Down"}
FAMILIES = {
    "xfrmd_tunnel_state": "gauge",
    "xfrmd_tunnel_bytes_in": "counter",
    "xfrmd_tunnel_bytes_out": "counter",
    "xfrmd_tunnel_packets_in": "counter",
    "xfrmd_tunnel_packets_out": "counter",
    "xfrmd_tunnel_rekeys": "counter",
    "xfrmd_tunnel_dpd_timeouts": "counter",
    "xfrmd_connection_tunnels_up_ratio": "gauge",
}
STATUS_KEYS = ["version", "uptime_seconds", "config", "tunnels"]
TUNNEL_KEYS = [
    "connection", "tunnel", "local", "remote", "interface", "admin_down",
    "ike_phase1_state", "ike_phase2_state", "phase1", "phase2", "nat_t_detected",
    "dpd_enabled", "uptime_seconds", "bytes_in", "bytes_out", "packets_in", "packets_out",
    "route_active", "last_error", "probe",
]
PHASE1_KEYS = ["ike_version", "encryption", "integrity", "dh_group"]
PHASE2_KEYS = ["encryption", "integrity", "dh_group", "spi_in", "spi_out"]
PROBE_KEYS = ["state", "rtt_us", "sent", "lost", "healthy"]


def fail(msg):
    print(f"obs-check: FAIL {msg}")
    sys.exit(1)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[:300]}")
    return p.stdout


# ---- metrics --------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-z_]+)(\{([a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*)\})? (\S+)$')


def parse_exposition(text):
    """{(name, frozenset(labels)): value} and {family: type}; fails on any unknown line."""
    lines = text.split("\n")
    if lines[-1] != "":
        fail("exposition does not end with a newline")
    lines = lines[:-1]
    if not lines or lines[-1] != "# EOF":
        fail("exposition does not end with '# EOF'")
    samples, types = {}, {}
    for n, line in enumerate(lines[:-1], 1):
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4:
                fail(f"line {n}: bad TYPE line {line!r}")
            types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        if not m:
            fail(f"line {n}: not a sample line: {line!r}")
        labels = frozenset(re.findall(r'([a-z_]+)="([^"]*)"', m.group(3) or ""))
        try:
            value = float(m.group(5))
        except ValueError:
            fail(f"line {n}: bad value in {line!r}")
        samples[(m.group(1), labels)] = value
    return samples, types


def kernel_counters():
    """{spi: (bytes, packets)} of every ESP SA in `ip -s xfrm state`."""
    out = run(["ip", "-s", "xfrm", "state"])
    result, spi, want_counters = {}, None, False
    for line in out.splitlines():
        s = line.strip()
        if line.startswith("src "):
            spi, want_counters = None, False
            continue
        m = re.match(r"proto esp spi (0x[0-9a-f]+)", s)
        if m:
            spi = int(m.group(1), 16)
            continue
        if s == "lifetime current:":
            want_counters = True
            continue
        if want_counters:
            m = re.match(r"(\d+)\(bytes\), (\d+)\(packets\)", s)
            if m and spi is not None:
                result[spi] = (int(m.group(1)), int(m.group(2)))
            want_counters = False
    return result


def status(xfrmd, control):
    try:
        return json.loads(run([xfrmd, "status", "--json", "--control", control]))
    except json.JSONDecodeError as e:
        fail(f"xfrmd status --json is not JSON: {e}")


def find_tunnel(report, conn, tunnel):
    for t in report["tunnels"]:
        if t["connection"] == conn and t["tunnel"] == tunnel:
            return t
    fail(f"{conn}/{tunnel} not in the status report")


def spi_counters(kern, p2):
    for spi in (p2["spi_in"], p2["spi_out"]):
        if spi not in kern:
            fail(f"SPI 0x{spi:08x} from the status report is not in ip -s xfrm state")
    return {
        "bytes_in": kern[p2["spi_in"]][0], "packets_in": kern[p2["spi_in"]][1],
        "bytes_out": kern[p2["spi_out"]][0], "packets_out": kern[p2["spi_out"]][1],
    }


def cmd_metrics(a):
    conn, tunnel = a.tunnel.split("/")
    # Liveness probes keep a little traffic flowing, so the kernel is read before the scrape
    # and after the status report: both must lie between the two readings (and equal them
    # exactly when nothing moved in between).
    k0 = kernel_counters()
    text = run(["curl", "-s", "--max-time", "10", a.url])
    report = status(a.xfrmd, a.control)
    k1 = kernel_counters()
    samples, types = parse_exposition(text)
    for fam, ty in FAMILIES.items():
        if types.get(fam) != ty:
            fail(f"family {fam} missing or not a {ty} (TYPE {types.get(fam)})")
    lab = frozenset({("connection", conn), ("tunnel", tunnel)})

    def get(name, labels=lab):
        if (name, labels) not in samples:
            fail(f"no sample {name}{dict(labels)}")
        return samples[(name, labels)]

    state = get("xfrmd_tunnel_state")
    if state != a.up:
        fail(f"xfrmd_tunnel_state for {a.tunnel} is {state}, want {a.up}")
    ratio = get("xfrmd_connection_tunnels_up_ratio", frozenset({("connection", conn)}))
    for sa in ("ike", "child"):
        get("xfrmd_tunnel_rekeys_total", lab | {("sa", sa)})
    get("xfrmd_tunnel_dpd_timeouts_total")
    t = find_tunnel(report, conn, tunnel)
    m = {k: int(get(f"xfrmd_tunnel_{k}_total"))
         for k in ("bytes_in", "bytes_out", "packets_in", "packets_out")}
    if a.up == 0:
        if ratio != 0:
            fail(f"up ratio of {conn} is {ratio} with its only tunnel down")
        print(f"obs-check: metrics OK {a.tunnel} down, up ratio {ratio}")
        return
    if ratio != 1:
        fail(f"up ratio of {conn} is {ratio}, want 1")
    p2 = t.get("phase2") or fail("status has no phase2 for an up tunnel")
    lo, hi = spi_counters(k0, p2), spi_counters(k1, p2)
    for key in lo:
        if not (lo[key] <= m[key] <= t[key] <= hi[key]):
            fail(f"{key}: ip -s xfrm state before {lo[key]}, metrics {m[key]}, "
                 f"status {t[key]}, ip -s xfrm state after {hi[key]}")
    if lo == hi and any(m[key] != lo[key] or t[key] != lo[key] for key in lo):
        fail(f"quiet tunnel but figures differ: kernel {lo}, metrics {m}")
    for key in ("bytes_in", "bytes_out"):
        if m[key] < a.min_bytes:
            fail(f"{key} {m[key]} < {a.min_bytes}: the LAN traffic was not counted")
    probe = ""
    if t.get("probe") is not None:
        # Probes run every probe_interval: the figures must exist and be sane, not equal.
        sent = get("xfrmd_tunnel_probes_sent_total")
        lost = get("xfrmd_tunnel_probes_lost_total")
        rtt = get("xfrmd_tunnel_probe_rtt_seconds")
        if not (sent > 0 and 0 <= lost <= sent and 0 < rtt < 10):
            fail(f"probe series not sane: sent {sent} lost {lost} rtt {rtt}")
        if get("xfrmd_tunnel_probe_up") != 1 or get("xfrmd_tunnel_healthy") != 1:
            fail("probe_up/healthy not 1 on an up tunnel")
        probe = f"; probes sent {int(sent)} lost {int(lost)} rtt {rtt * 1000:.2f} ms"
    exact = "=" if lo == hi else "within"
    print(f"obs-check: metrics OK {a.tunnel} state 1, up ratio 1; "
          f"in {m['bytes_in']} B / {m['packets_in']} pkts (SPI 0x{p2['spi_in']:08x}), "
          f"out {m['bytes_out']} B / {m['packets_out']} pkts (SPI 0x{p2['spi_out']:08x}) "
          f"{exact} ip -s xfrm state (before {lo['bytes_in']}/{lo['bytes_out']} B, "
          f"after {hi['bytes_in']}/{hi['bytes_out']} B), status {t['bytes_in']}/{t['bytes_out']} B"
          f"{probe}")


# ---- activity log ---------------------------------------------------------------------------

def parse_text(line):
    """key=value pairs; quoted values with \\" \\\\ \\n \\r \\t \\xHH escapes."""
    out, i, n = {}, 0, len(line)
    bare = re.compile(r"[A-Za-z0-9.:_/@+\-]+")
    while True:
        m = re.compile(r"[a-z0-9_]+=").match(line, i)
        if not m:
            raise ValueError(f"expected key= at column {i}")
        key = m.group(0)[:-1]
        i = m.end()
        if i < n and line[i] == '"':
            i += 1
            val = []
            while True:
                if i >= n:
                    raise ValueError(f"{key}: unterminated quote")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    e = line[i + 1:i + 2]
                    if e in ('"', "\\"):
                        val.append(e)
                        i += 2
                    elif e in ("n", "r", "t"):
                        val.append({"n": "\n", "r": "\r", "t": "\t"}[e])
                        i += 2
                    elif e == "x":
                        val.append(chr(int(line[i + 2:i + 4], 16)))
                        i += 4
                    else:
                        raise ValueError(f"{key}: bad escape")
                    continue
                val.append(c)
                i += 1
            value = "".join(val)
        else:
            m = bare.match(line, i)
            if not m:
                raise ValueError(f"{key}: empty or bad unquoted value")
            value = m.group(0)
            i = m.end()
        if key in out:
            raise ValueError(f"duplicate key {key}")
        out[key] = value
        if i == n:
            return out
        if line[i] != " ":
            raise ValueError(f"expected a space at column {i}")
        i += 1


def typed_text(rec):
    r = dict(rec)
    if not re.fullmatch(r"\d+", r.get("event_timestamp", "")):
        raise ValueError("event_timestamp is not an integer")
    r["event_timestamp"] = int(r["event_timestamp"])
    for k in ("dpd_enabled", "nat_t_detected"):
        if r.get(k) not in ("true", "false"):
            raise ValueError(f"{k} is not true/false")
        r[k] = r[k] == "true"
    return r


def readable(ms):
    d = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S") + f".{ms % 1000:03d}Z"


def cmd_log(a):
    conn, tunnel = a.tunnel.split("/")
    try:
        with open(a.file, encoding="utf-8") as f:
            raw = f.read()
    except OSError as e:
        fail(f"cannot read {a.file}: {e}")
    if not raw.endswith("\n"):
        fail(f"{a.file} is empty or its last line is incomplete")
    recs, last = [], 0
    for n, line in enumerate(raw[:-1].split("\n"), 1):
        try:
            if a.format == "json":
                r = json.loads(line)
                if not isinstance(r, dict):
                    raise ValueError("not an object")
            else:
                r = typed_text(parse_text(line))
        except ValueError as e:
            fail(f"{a.file}:{n}: does not parse as {a.format}: {e}: {line!r}")
        if sorted(r) != sorted(LOG_KEYS):
            fail(f"{a.file}:{n}: keys {sorted(r)} != {sorted(LOG_KEYS)}")
        if a.format == "json" and list(r) != LOG_KEYS:
            fail(f"{a.file}:{n}: key order {list(r)}")
        ts = r["event_timestamp"]
        if not isinstance(ts, int) or isinstance(ts, bool) or not 1.5e12 < ts < 4e12:
            fail(f"{a.file}:{n}: event_timestamp {ts!r} is not epoch milliseconds")
        if r["timestamp"] != readable(ts):
            fail(f"{a.file}:{n}: timestamp {r['timestamp']!r} != {readable(ts)!r}")
        if ts < last:
            fail(f"{a.file}:{n}: event_timestamp goes backwards")
        last = ts
        for k in ("dpd_enabled", "nat_t_detected"):
            if not isinstance(r[k], bool):
                fail(f"{a.file}:{n}: {k} is not a boolean")
        for k in ("ike_phase1_state", "ike_phase2_state"):
            if r[k] not in STATES:
                fail(f"{a.file}:{n}: {k} {r[k]!r} not in {sorted(STATES)}")
        if (r["connection"], r["tunnel"]) != (conn, tunnel):
            fail(f"{a.file}:{n}: line for {r['connection']}/{r['tunnel']}, want {a.tunnel}")
        if not isinstance(r["details"], str) or not r["details"]:
            fail(f"{a.file}:{n}: empty details")
        recs.append(r)
    pos = 0
    for words in a.expect:
        hit = next((i for i in range(pos, len(recs)) if words in recs[i]["details"]), None)
        if hit is None:
            fail(f"{a.file}: no line (after line {pos}) with details containing {words!r}; "
                 f"details: {[r['details'][:60] for r in recs]}")
        pos = hit + 1
    last = recs[-1] if recs else {}
    print(f"obs-check: log OK {a.file.rsplit('/', 1)[-1]}: {len(recs)} {a.format} lines parsed; "
          f"last: phase1 {last.get('ike_phase1_state')} phase2 {last.get('ike_phase2_state')} "
          f"dpd_enabled {last.get('dpd_enabled')} nat_t_detected {last.get('nat_t_detected')}")


# ---- status --json --------------------------------------------------------------------------

def cmd_status(a):
    r = status(a.xfrmd, a.control)
    if list(r) != STATUS_KEYS:
        fail(f"status keys {list(r)} != {STATUS_KEYS}")
    if not r["tunnels"]:
        fail("no tunnels in the status report")
    for t in r["tunnels"]:
        if list(t) != TUNNEL_KEYS:
            fail(f"tunnel keys {list(t)} != {TUNNEL_KEYS}")
        for k in ("ike_phase1_state", "ike_phase2_state"):
            if t[k] not in STATES:
                fail(f"{k} {t[k]!r}")
        if t["phase1"] is not None and list(t["phase1"]) != PHASE1_KEYS:
            fail(f"phase1 keys {list(t['phase1'])}")
        if t["phase2"] is not None and list(t["phase2"]) != PHASE2_KEYS:
            fail(f"phase2 keys {list(t['phase2'])}")
        if t["probe"] is not None and list(t["probe"]) != PROBE_KEYS:
            fail(f"probe keys {list(t['probe'])}")
    print(f"obs-check: status OK {len(r['tunnels'])} tunnel(s), documented keys in order")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--url", required=True)
    m.add_argument("--xfrmd", required=True)
    m.add_argument("--control", required=True)
    m.add_argument("--tunnel", required=True)
    m.add_argument("--up", type=int, default=1, choices=[0, 1])
    m.add_argument("--min-bytes", type=int, default=1)
    lg = sub.add_parser("log")
    lg.add_argument("--format", required=True, choices=["json", "text"])
    lg.add_argument("--tunnel", required=True)
    lg.add_argument("--expect", action="append", default=[])
    lg.add_argument("file")
    s = sub.add_parser("status")
    s.add_argument("--xfrmd", required=True)
    s.add_argument("--control", required=True)
    a = p.parse_args()
    {"metrics": cmd_metrics, "log": cmd_log, "status": cmd_status}[a.cmd](a)


if __name__ == "__main__":
    main()
