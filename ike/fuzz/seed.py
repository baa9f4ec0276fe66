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
    certs()
    for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        print(t, len(os.listdir(os.path.join(HERE, "corpus", t))), file=sys.stderr)
