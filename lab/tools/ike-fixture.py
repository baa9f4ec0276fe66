#!/usr/bin/env python3
"""lab/tools/ike-fixture.py: turn a lab capture into a codec test fixture.

Reads the router's pcap (UDP 500/4500) and the initiator's charon log written at `ike` level 4,
and writes into OUT_DIR:
  messages.txt  one line per IKE datagram, in capture order:
                `<src>:<sport> <dst>:<dport> <hex of the IKE message>` (the 4-byte non-ESP
                marker of port 4500 removed)
  keys.txt      `<name> <hex>` for every secret charon dumped (DH secret, SKEYSEED / SKEYID*,
                SK_* keys), first occurrence of each name
Standard library only. It never edits the inputs.
"""
import re
import struct
import sys


def pcap_udp(path):
    """Yield (src, sport, dst, dport, payload) for each IPv4 UDP packet of an Ethernet pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:  # Ethernet
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked
            ip = frame[16:]
        else:
            ip = frame
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        udp = ip[ihl:total]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        src = ".".join(str(b) for b in ip[12:16])
        dst = ".".join(str(b) for b in ip[16:20])
        yield src, sport, dst, dport, udp[8:ulen]


def charon_secrets(path):
    """Parse charon's hex dumps: `<name> => N bytes @ 0x..` followed by `  off: HH HH ..` lines."""
    head = re.compile(r"\] <[^>]*> (.+?) => (\d+) bytes @ 0x[0-9a-f]+$")
    row = re.compile(r"\] <[^>]*>\s+\d+: ((?:[0-9A-F]{2} ?)+)")
    keys, name, want, buf = {}, None, 0, b""
    wanted = re.compile(r"secret|SKEYSEED|SKEYID|^Sk_|encryption key|initial IV|^HASH_|^Hash\(|^next IV")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = head.search(line)
            if m:
                name, want, buf = m.group(1), int(m.group(2)), b""
                continue
            m = row.search(line)
            if name and m:
                buf += bytes.fromhex(m.group(1).replace(" ", "")[:32])
                if len(buf) >= want:
                    if wanted.search(name) and name not in keys:
                        keys[name] = buf[:want]
                    name = None
    return keys


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: ike-fixture.py PCAP CHARON_LOG OUT_DIR")
    pcap, log, out = sys.argv[1:]
    with open(f"{out}/messages.txt", "w") as f:
        for src, sport, dst, dport, payload in pcap_udp(pcap):
            if 4500 in (sport, dport):
                if payload[:4] != b"\x00\x00\x00\x00":
                    continue  # ESP in UDP, not IKE
                payload = payload[4:]
            elif 500 not in (sport, dport):
                continue
            f.write(f"{src}:{sport} {dst}:{dport} {payload.hex()}\n")
    with open(f"{out}/keys.txt", "w") as f:
        for name, value in charon_secrets(log).items():
            f.write(f"{name.replace(' ', '_')} {value.hex()}\n")


if __name__ == "__main__":
    main()
