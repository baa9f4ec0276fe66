//! A real IKEv1 exchange captured in our own lab between two strongSwan 5.9.8 charons
//! (`tests/fixtures/strongswan-ikev1/README.md`): main mode with PSK auth, AES-CBC-128,
//! SHA2-256, group 19, then quick mode. The initiator's charon logged its ECDH secret, SKEYID*,
//! the encryption key, IVs and every HASH (`keys.txt`), so the RFC 2409 key schedule, the
//! phase 1/2 CBC IV chain (appendix B) and the authentication hashes (5, 5.5) are checked
//! against an independent implementation on bytes that crossed a wire, alongside the codec's
//! byte-exact round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{
    auth_v1::{self, Phase1Transcript},
    cipher, kdf_v1, EncrAlg, PrfAlg, Secret,
};
use ike::wire::v1::{
    parse_message, parse_payload_chain_padded, payload_spans, Body, ExchangeType, Identification,
    Message, Payload, PayloadType,
};

const MESSAGES: &str = include_str!("fixtures/strongswan-ikev1/messages.txt");
const KEYS: &str = include_str!("fixtures/strongswan-ikev1/keys.txt");
/// The lab PSK (README.md).
const PSK: &[u8] = b"LabCanary.Key.4711";
/// Phase 1 hash SHA2-256, used as HMAC PRF (RFC 2409 5: no PRF attribute => HMAC of the hash).
const PRF: PrfAlg = PrfAlg::HmacSha256;
const ENCR: EncrAlg = EncrAlg::AesCbc { key_bits: 128 };

// Indices in messages.txt: main mode 1-6, then quick mode 1 (twice: retransmitted),
// quick mode 2 (twice), quick mode 3.
const MM1: usize = 0;
const MM2: usize = 1;
const MM3: usize = 2;
const MM4: usize = 3;
const MM5: usize = 4;
const MM6: usize = 5;
const QM1: usize = 6;
const QM2: usize = 8;
const QM3: usize = 10;

#[path = "common/fixture.rs"]
mod fixture;

fn messages() -> Vec<Vec<u8>> {
    fixture::messages(MESSAGES)
}

fn key(name: &str) -> Vec<u8> {
    fixture::key(KEYS, name)
}

/// The raw body (after the generic header) of the first payload of type `ty` in a chain.
fn raw_body(first: PayloadType, chain: &[u8], ty: PayloadType) -> Vec<u8> {
    let (spans, _) = payload_spans(first, chain).unwrap();
    let s = spans.iter().find(|s| s.ty == ty).unwrap();
    chain[s.body.clone()].to_vec()
}

/// The raw body of payload `ty` of a plaintext message.
fn msg_body(msg: &[u8], ty: PayloadType) -> Vec<u8> {
    raw_body(PayloadType(msg[16]), &msg[28..], ty)
}

fn cookies() -> ([u8; 8], [u8; 8]) {
    let m = messages();
    (
        m[MM2][..8].try_into().unwrap(),
        m[MM2][8..16].try_into().unwrap(),
    )
}

fn skeyid() -> Secret {
    let m = messages();
    let ni = msg_body(&m[MM3], PayloadType::NONCE);
    let nr = msg_body(&m[MM4], PayloadType::NONCE);
    kdf_v1::skeyid_psk(PRF, &Secret::from_slice(PSK), &ni, &nr)
}

fn keys() -> kdf_v1::V1Keys {
    let (cky_i, cky_r) = cookies();
    let g_xy = Secret::new(key("shared_Diffie_Hellman_secret"));
    kdf_v1::skeyid_dae(PRF, &skeyid(), &g_xy, &cky_i, &cky_r)
}

fn ka() -> Secret {
    kdf_v1::encryption_key(PRF, &keys().skeyid_e, ENCR.key_len())
}

/// Decrypts an encrypted message's body with `iv`; returns the plaintext (padded chain).
fn decrypt(msg: &[u8], iv: &[u8]) -> Vec<u8> {
    let parsed = parse_message(msg).unwrap();
    let Body::Encrypted(ct) = parsed.body else {
        panic!("not encrypted");
    };
    cipher::decrypt(ENCR, &ka(), iv, &[], &ct).unwrap()
}

fn last_block(msg: &[u8]) -> Vec<u8> {
    msg[msg.len() - 16..].to_vec()
}

#[test]
fn every_message_parses_and_re_emits_byte_identically() {
    let m = messages();
    assert_eq!(m.len(), 11);
    assert_eq!(m[QM1], m[QM1 + 1], "retransmission differs");
    assert_eq!(m[QM2], m[QM2 + 1], "retransmission differs");
    for (i, b) in m.iter().enumerate() {
        let msg = parse_message(b).unwrap();
        assert_eq!(&msg.to_vec().unwrap(), b, "message {i} re-emit differs");
        let want = if i < QM1 {
            ExchangeType::MAIN_MODE
        } else {
            ExchangeType::QUICK_MODE
        };
        assert_eq!(msg.header.exchange_type, want, "message {i}");
        assert_eq!(
            matches!(msg.body, Body::Encrypted(_)),
            i >= MM5,
            "message {i}"
        );
    }
    // Main mode 1: one SA payload (one proposal) and vendor IDs; 3/4: KE, Nonce, NAT-D.
    let mm1 = Message::parse(&m[MM1]).unwrap();
    let p = mm1.payloads().unwrap();
    let Payload::Sa(sa) = &p[0] else {
        panic!("SA first");
    };
    assert_eq!(sa.proposals.len(), 1);
    assert!(p[1..].iter().all(|p| matches!(p, Payload::VendorId(_))));
    for i in [MM3, MM4] {
        let msg = Message::parse(&m[i]).unwrap();
        let p = msg.payloads().unwrap();
        let Payload::Ke(ke) = &p[0] else {
            panic!("KE first");
        };
        assert_eq!(ke.data.len(), 64, "group 19 public value");
        assert!(matches!(&p[1], Payload::Nonce(n) if n.data.len() == 32));
        assert_eq!(
            p.iter().filter(|p| p.nat_d_hash().is_some()).count(),
            2,
            "two NAT-D payloads"
        );
    }
}

/// RFC 2409 5: SKEYID = prf(pre-shared-key, Ni_b | Nr_b); SKEYID_d/a/e chained from it with
/// g^xy and the cookies; appendix B: Ka = SKEYID_e truncated; IV = hash(g^xi | g^xr).
#[test]
fn key_schedule_and_phase1_iv_match_charon() {
    let m = messages();
    assert_eq!(skeyid().expose(), key("SKEYID"));
    let k = keys();
    assert_eq!(k.skeyid_d.expose(), key("SKEYID_d"));
    assert_eq!(k.skeyid_a.expose(), key("SKEYID_a"));
    assert_eq!(k.skeyid_e.expose(), key("SKEYID_e"));
    assert_eq!(ka().expose(), key("encryption_key_Ka"));
    let g_xi = msg_body(&m[MM3], PayloadType::KE);
    let g_xr = msg_body(&m[MM4], PayloadType::KE);
    let iv = kdf_v1::phase1_iv(PRF, &g_xi, &g_xr, ENCR.block_len()).unwrap();
    assert_eq!(iv, key("initial_IV"));
    // A different PSK gives a different SKEYID.
    let ni = msg_body(&m[MM3], PayloadType::NONCE);
    let nr = msg_body(&m[MM4], PayloadType::NONCE);
    let wrong = kdf_v1::skeyid_psk(PRF, &Secret::from_slice(b"LabCanary.Key.4712"), &ni, &nr);
    assert_ne!(wrong.expose(), key("SKEYID"));
}

/// Main mode 5 and 6, decrypted (IV chain of RFC 2409 appendix B), parse as ID + HASH, and
/// HASH_I / HASH_R verify (RFC 2409 5).
#[test]
fn main_mode_5_and_6_decrypt_and_authenticate() {
    let m = messages();
    let g_xi = msg_body(&m[MM3], PayloadType::KE);
    let g_xr = msg_body(&m[MM4], PayloadType::KE);
    let iv1 = kdf_v1::phase1_iv(PRF, &g_xi, &g_xr, 16).unwrap();
    let (cky_i, cky_r) = cookies();
    let sai_b = msg_body(&m[MM1], PayloadType::SA);
    let t = Phase1Transcript {
        g_xi: &g_xi,
        g_xr: &g_xr,
        cky_i: &cky_i,
        cky_r: &cky_r,
        sai_b: &sai_b,
    };
    let sk = skeyid();
    // Message 5 with the initial IV, message 6 with the last ciphertext block of message 5.
    for (i, iv, name) in [
        (MM5, iv1.clone(), "west.lab"),
        (MM6, last_block(&m[MM5]), "east.lab"),
    ] {
        let pt = decrypt(&m[i], &iv);
        let first = PayloadType(m[i][16]);
        assert_eq!(first, PayloadType::ID);
        let (payloads, used) = parse_payload_chain_padded(first, &pt).unwrap();
        // Only CBC padding follows the chain; strongSwan always pads, 1..=16 octets.
        assert!(
            (1..=16).contains(&(pt.len() - used)),
            "padding {}",
            pt.len() - used
        );
        let Payload::Id(id) = &payloads[0] else {
            panic!("ID first");
        };
        assert_eq!(id.id, Identification::Fqdn(name.as_bytes().to_vec()));
        let Some(Payload::Hash(hash)) = payloads.iter().find(|p| matches!(p, Payload::Hash(_)))
        else {
            panic!("no HASH");
        };
        let id_b = raw_body(first, &pt[..used], PayloadType::ID);
        let expect = if i == MM5 {
            let h = auth_v1::hash_i(PRF, &sk, &t, &id_b);
            assert_eq!(h.expose(), key("HASH_I"));
            h
        } else {
            let h = auth_v1::hash_r(PRF, &sk, &t, &id_b);
            assert_eq!(h.expose(), key("HASH_R"));
            h
        };
        auth_v1::verify_hash(&expect, &hash.data).unwrap();
        // Re-encrypting the plaintext with the same IV gives the captured ciphertext.
        let ct = cipher::encrypt(ENCR, &ka(), &iv, &[], &pt).unwrap();
        assert_eq!(ct, m[i][28..]);
    }
    // The wrong IV garbles the first block, so the chain no longer parses as ID + HASH.
    let garbled = decrypt(&m[MM6], &iv1);
    assert_ne!(garbled[..4], decrypt(&m[MM6], &last_block(&m[MM5]))[..4]);
    // charon's first logged "next IV for MID 0" is its IV state after main mode 5: the last
    // ciphertext block of message 5, which decrypted message 6 above.
    assert_eq!(last_block(&m[MM5]), key("next_IV_for_MID_0"));
}

/// Quick mode: phase 2 IV = hash(last phase 1 CBC block | M-ID), then chained; HASH(1..3) of
/// RFC 2409 5.5 over the decrypted payloads equal charon's.
#[test]
fn quick_mode_decrypts_and_hashes_match() {
    let m = messages();
    let k = keys();
    let mid = u32::from_be_bytes(m[QM1][20..24].try_into().unwrap());
    assert_eq!(mid, 3_045_390_001);
    let iv = kdf_v1::phase2_iv(PRF, &last_block(&m[MM6]), mid, 16).unwrap();
    assert_eq!(iv, key("next_IV_for_MID_3045390001"));
    let mut plain = Vec::new();
    for (i, iv) in [
        (QM1, iv),
        (QM2, last_block(&m[QM1])),
        (QM3, last_block(&m[QM2])),
    ] {
        let pt = decrypt(&m[i], &iv);
        let first = PayloadType(m[i][16]);
        assert_eq!(first, PayloadType::HASH);
        let (payloads, used) = parse_payload_chain_padded(first, &pt).unwrap();
        assert!((1..=16).contains(&(pt.len() - used)));
        plain.push((pt[..used].to_vec(), payloads));
    }
    let (qm1, p1) = &plain[0];
    let (qm2, p2) = &plain[1];
    let (_, p3) = &plain[2];
    let types = |p: &[Payload]| p.iter().map(Payload::payload_type).collect::<Vec<_>>();
    for p in [p1, p2] {
        let t = types(p);
        assert!(t.starts_with(&[PayloadType::HASH, PayloadType::SA, PayloadType::NONCE]));
        // Tunnel 0.0.0.0/0 <-> 0.0.0.0/0: client IDs are sent.
        assert_eq!(t.iter().filter(|t| **t == PayloadType::ID).count(), 2);
    }
    assert_eq!(types(p3), [PayloadType::HASH]);
    let hash_of = |p: &[Payload]| match &p[0] {
        Payload::Hash(h) => h.data.clone(),
        _ => panic!("HASH first"),
    };
    let after_hash = |pt: &[u8]| {
        let (spans, used) = payload_spans(PayloadType::HASH, pt).unwrap();
        pt[spans[1].payload.start..used].to_vec()
    };
    let ni_b = raw_body(PayloadType::HASH, qm1, PayloadType::NONCE);
    let nr_b = raw_body(PayloadType::HASH, qm2, PayloadType::NONCE);
    let h1 = auth_v1::qm_hash1(PRF, &k.skeyid_a, mid, &after_hash(qm1));
    assert_eq!(h1.expose(), key("Hash(1)"));
    auth_v1::verify_hash(&h1, &hash_of(p1)).unwrap();
    let h2 = auth_v1::qm_hash2(PRF, &k.skeyid_a, mid, &ni_b, &after_hash(qm2));
    assert_eq!(h2.expose(), key("Hash(2)"));
    auth_v1::verify_hash(&h2, &hash_of(p2)).unwrap();
    let h3 = auth_v1::qm_hash3(PRF, &k.skeyid_a, mid, &ni_b, &nr_b);
    assert_eq!(h3.expose(), key("Hash(3)"));
    auth_v1::verify_hash(&h3, &hash_of(p3)).unwrap();
    assert!(auth_v1::verify_hash(&h3, &hash_of(p2)).is_err());
}

/// Every single-byte corruption of every captured message is either rejected or parses into
/// something that re-emits and re-parses equal (the codec never panics on it).
#[test]
fn every_single_byte_corruption_of_the_capture_is_handled() {
    for b in messages() {
        for i in 0..b.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut c = b.clone();
                c[i] ^= x;
                ike::fuzz_targets::v1_message(&c);
            }
        }
    }
}
