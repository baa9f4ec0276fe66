#!/usr/bin/env python3
"""ike/fuzz/seed.py: (re)build the seed corpora in ike/fuzz/corpus/<target>/ from the fixtures.

Sources: the strongSwan IKEv2 and IKEv1 captures (tests/fixtures/strongswan-ikev*/), their
decrypted SK / encrypted-ISAKMP contents (decrypted here with the logged keys), and the test PKI
certificates and RFC 7427 AlgorithmIdentifiers embedded in ike's tests. File names are the
SHA-1 of the content, as libFuzzer names its corpus entries. Needs python3-cryptography.
"""
import hashlib
import os
import re
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))
IKE = os.path.dirname(HERE)
FIX = os.path.join(IKE, "tests", "fixtures")


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def messages(name):
    with open(os.path.join(FIX, name, "messages.txt")) as f:
        return [bytes.fromhex(l.split()[2]) for l in f if l.strip()]


def keys(name):
    with open(os.path.join(FIX, name, "keys.txt")) as f:
        return {l.split()[0]: bytes.fromhex(l.split()[1]) for l in f if l.strip()}


def cbc_decrypt(key, iv, ct):
    d = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return d.update(ct) + d.finalize()


def v2():
    k = keys("strongswan-ikev2")
    for m in messages("strongswan-ikev2"):
        put("v2_message", m)
        # Outer chain with its first payload type, for v2_chain.
        put("v2_chain", m[16 + 1 - 1 : 17] + m[28:])
        if m[16] != 46:  # not SK-first
            continue
        first_inner = m[28]
        body = m[32:]
        iv, ct = body[:16], body[16:-16]
        initiator = m[19] & 0x08
        pt = cbc_decrypt(k["Sk_ei_secret" if initiator else "Sk_er_secret"], iv, ct)
        inner = pt[: len(pt) - 1 - pt[-1]]
        put("v2_chain", bytes([first_inner]) + inner)
        put("v2_chain", bytes([first_inner]) + pt)


def v1():
    k = keys("strongswan-ikev1")
    ka = k["encryption_key_Ka"]
    ms = messages("strongswan-ikev1")
    iv = k["initial_IV"]
    for i, m in enumerate(ms):
        put("v1_message", m)
        if not m[19] & 1:
            continue
        ct = m[28:]
        if i in (4, 5):  # main mode 5 and 6: phase 1 IV chain
            pt = cbc_decrypt(ka, iv, ct)
            iv = ct[-16:]
        elif i == 6:  # quick mode 1: charon's logged phase 2 IV
            pt = cbc_decrypt(ka, k["next_IV_for_MID_3045390001"], ct)
        else:
            continue
        # The same header (E flag still set) over the plaintext: the target walks it as the
        # decrypted padded chain.
        put("v1_message", m[:28] + pt)
        put("v2_chain", m[16:17] + pt)


def chain(payloads):
    """Encodes [(type, body, critical)] as a generic-header chain; returns (first type, bytes)."""
    out = b""
    for i, (ty, body, crit) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += struct.pack(">BBH", nxt, 0x80 if crit else 0, 4 + len(body)) + body
    return (payloads[0][0] if payloads else 0), out


def v2_msg(exchange, flags, mid, payloads):
    first, body = chain(payloads)
    hdr = bytes(range(1, 9)) + bytes(range(9, 17)) + struct.pack(">BBBBII", first, 0x20, exchange, flags, mid, 28 + len(body))
    return hdr, first, body


def hand_built():
    """Payload families the captures do not carry, in small hand-built messages (RFC 7296 3.x)."""
    sa = struct.pack(">BBHBBBB", 0, 0, 40, 1, 3, 4, 3) + bytes([1, 2, 3, 4])
    sa += struct.pack(">BBHBBH", 3, 0, 12, 1, 0, 12) + struct.pack(">HH", 0x800E, 128)
    sa += struct.pack(">BBHBBH", 3, 0, 8, 3, 0, 12) + struct.pack(">BBHBBH", 0, 0, 8, 5, 0, 0)[:8]
    ts6 = bytes([1, 0, 0, 0]) + struct.pack(">BBHHH", 8, 6, 40, 0, 65535) + bytes(16) + b"\xff" * 16
    ke = struct.pack(">HH", 31, 0) + bytes(range(32))
    cases = [
        # CREATE_CHILD_SA: SA, Ni, KEi, TSi, TSr (IPv6), rekey notify.
        (36, 0x08, 2, [(33, sa, False), (40, bytes(range(16)), False), (34, ke, False),
                      (44, ts6, False), (45, ts6, False),
                      (41, struct.pack(">BBH", 3, 4, 16393) + b"\x01\x02\x03\x04", False)]),
        # INFORMATIONAL: Delete (ESP, two SPIs), Notify, Vendor ID, unknown non-critical.
        (37, 0x20, 3, [(42, struct.pack(">BBH", 3, 4, 2) + bytes(8), False),
                      (41, struct.pack(">BBH", 0, 0, 16390), False),
                      (43, b"xfrmd-fuzz-seed", False), (99, b"skip me", False)]),
        # IKE_AUTH plaintext-style: IDi (IPv4), CERTREQ, CERT, CP (request), AUTH (RFC 7427), EAP.
        (35, 0x08, 1, [(35, bytes([1, 0, 0, 0, 192, 0, 2, 1]), False),
                      (38, bytes([4]) + bytes(20), False), (37, bytes([4]) + b"0\x03\x02\x01\x00", False),
                      (47, bytes([1, 0, 0, 0]) + struct.pack(">HH", 1, 0) + struct.pack(">HH", 3, 0), False),
                      (39, bytes([14, 0, 0, 0, 12]) + bytes.fromhex("300a06082a8648ce3d040302") + bytes(64), False),
                      (48, bytes([2, 1, 0, 5, 1]), False)]),
        # IKE_SA_INIT with an unknown critical payload (must be refused).
        (34, 0x08, 0, [(33, sa, False), (200, b"crit", True)]),
        # IKE_SA_INIT with fragmentation/NAT-D notifies.
        (34, 0x08, 0, [(41, struct.pack(">BBH", 0, 0, 16430), False),
                      (41, struct.pack(">BBH", 0, 0, 16388) + bytes(20), False)]),
    ]
    for exchange, flags, mid, payloads in cases:
        hdr, first, body = v2_msg(exchange, flags, mid, payloads)
        put("v2_message", hdr + body)
        put("v2_chain", bytes([first]) + body)
    # SKF fragment 1 of 2 and an SK-wrapped message.
    for ty, body in [(53, struct.pack(">HH", 1, 2) + bytes(48)), (46, bytes(48))]:
        hdr, first, b = v2_msg(35, 0x08, 1, [(ty, body, False)])
        b = bytes([35]) + b[1:]  # SK/SKF Next Payload names the first inner payload
        put("v2_message", hdr + b)
    # Every payload type byte in front of a small generic chain, for v2_chain.
    for ty in list(range(33, 49)) + [53]:
        put("v2_chain", bytes([ty]) + struct.pack(">BBH", 0, 0, 12) + bytes(8))
    # IKEv1: aggressive mode 1 (SA, KE, Nonce, ID, VID), informational (N, D), NAT-OA, CERT/CR/SIG.
    v1sa = struct.pack(">II", 1, 1) + struct.pack(">BBHBBBB", 0, 0, 32, 1, 1, 0, 1)
    v1sa += struct.pack(">BBHBBH", 0, 0, 24, 1, 1, 0) + struct.pack(">HHHHHHHH", 0x8001, 7, 0x800E, 128, 0x8002, 4, 0x8003, 1)
    v1id = bytes([2, 17, 1, 244]) + b"west.lab"
    v1cases = [
        (4, 0, [(1, v1sa, False), (4, bytes(64), False), (10, bytes(32), False), (5, v1id, False),
                (13, bytes.fromhex("afcad71368a1f1c96b8696fc77570100"), False)]),
        (5, 0x1234, [(11, struct.pack(">IBBH", 1, 1, 4, 24576) + bytes(4), False),
                     (12, struct.pack(">IBBH", 1, 3, 4, 1) + bytes(4), False)]),
        (32, 7, [(8, bytes(32), False), (1, v1sa, False), (10, bytes(16), False),
                 (5, bytes([4, 0, 0, 0, 10, 1, 0, 0, 255, 255, 0, 0]), False),
                 (5, bytes([4, 0, 0, 0, 10, 2, 0, 0, 255, 255, 0, 0]), False),
                 (21, bytes([1, 0, 0, 0, 192, 0, 2, 1]), False)]),
        (2, 0, [(6, bytes([4]) + b"0\x03\x02\x01\x00", False), (7, bytes([4]), False),
                (9, bytes(64), False), (20, bytes(32), False), (130, bytes(20), False)]),
    ]
    for ex, mid, payloads in v1cases:
        first, body = chain(payloads)
        hdr = bytes(range(1, 17)) + struct.pack(">BBBBII", first, 0x10, ex, 0, mid, 28 + len(body))
        put("v1_message", hdr + body)


def certs():
    with open(os.path.join(IKE, "tests", "crypto_cert.rs")) as f:
        src = f.read()
    ders = {}
    for name, body in re.findall(r'const (\w+): &str = concat!\((.*?)\);', src, re.S):
        if "PKCS8" in name:
            continue
        ders[name] = bytes.fromhex("".join(re.findall(r'"([0-9a-f]+)"', body)))
    for d in ders.values():
        put("cert_parse", d)
    pairs = [("LEAF", "INTERMEDIATE"), ("INTERMEDIATE", "ROOT"), ("BAD", "LEAF"),
             ("RSA_LEAF", "INTERMEDIATE"), ("ROOT", "ROOT"), ("INTERMEDIATE", "OTHER_ROOT")]
    for a, b in pairs:
        if a in ders and b in ders:
            put("cert_parse", struct.pack(">H", len(ders[a])) + ders[a] + ders[b])
    with open(os.path.join(IKE, "src", "crypto", "sig_alg.rs")) as f:
        src = f.read()
    for alg in re.findall(r'const \w+: &str = "(30[0-9a-f]+)";', src):
        a = bytes.fromhex(alg)
        put("cert_parse", bytes([len(a)]) + a + bytes(64))


if __name__ == "__main__":
    v2()
    v1()
    hand_built()
    certs()
    for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        print(t, len(os.listdir(os.path.join(HERE, "corpus", t))), file=sys.stderr)
