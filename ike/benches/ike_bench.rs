//! Micro-benchmarks of the hot paths of the IKE crate, without a benchmark framework: each case
//! is warmed up, then timed over N runs with `std::time::Instant`, and the median is printed in
//! µs per operation.
//!
//! (a) opening an IKE_AUTH request: integrity check + decrypt + padding strip + inner chain
//! parse, for the captured strongSwan message (AES-CBC-128 / HMAC-SHA2-256-128, keys from the
//! fixture) and for a self-built AES-GCM-16-128 message carrying the same inner payloads;
//! (b) one key exchange per D-H group: key pair generation + completing with a peer's value.
//!
//! Run: `cargo bench -p ike --bench ike_bench` (release profile). It never touches the network
//! and never prints key material.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ike::crypto::{
    cipher, dh,
    kdf::{self, IkeSuite},
    provider::RingRandom,
    DhGroup, EncrAlg, IntegAlg, PrfAlg, Secret,
};
use ike::wire::v2::{self, Message, Payload, PayloadType, SkPayload};

const MESSAGES: &str = include_str!("../tests/fixtures/strongswan-ikev2/messages.txt");
const KEYS: &str = include_str!("../tests/fixtures/strongswan-ikev2/keys.txt");

/// Time budget per case (after warm-up); N is derived from it, between MIN_N and MAX_N.
const BUDGET: Duration = Duration::from_millis(1500);
const MIN_N: usize = 5;
const MAX_N: usize = 20_000;

/// Median µs per call of `f` over N runs, after warm-up; also returns N.
fn bench(mut f: impl FnMut()) -> (f64, usize) {
    let t0 = Instant::now();
    f();
    let first = t0.elapsed().max(Duration::from_nanos(100));
    let warm = (BUDGET.as_nanos() / 10 / first.as_nanos()).clamp(1, 1000) as usize;
    for _ in 0..warm {
        f();
    }
    let n = ((BUDGET.as_nanos() / first.as_nanos()) as usize).clamp(MIN_N, MAX_N);
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    (samples[n / 2].as_secs_f64() * 1e6, n)
}

fn report(name: &str, (us, n): (f64, usize)) {
    println!("| {name:<48} | {us:>12.2} | {n:>6} |");
}

fn messages() -> Vec<Vec<u8>> {
    MESSAGES
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| hex::decode(l.split_whitespace().nth(2).unwrap()).unwrap())
        .collect()
}

fn key(name: &str) -> Secret {
    let line = KEYS
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap();
    Secret::new(hex::decode(line.split_whitespace().nth(1).unwrap()).unwrap())
}

/// Integrity check, decryption and inner parse of a CBC + HMAC IKE_AUTH message.
fn open_cbc(msg: &[u8], encr: EncrAlg, integ: IntegAlg, sk_a: &Secret, sk_e: &Secret) -> usize {
    let parsed = Message::parse(msg).unwrap();
    let Some(Payload::Sk(sk)) = parsed.payloads.last() else {
        panic!("no SK");
    };
    let (covered, icv) = msg.split_at(msg.len() - integ.icv_len());
    integ.verify(sk_a, &[covered], icv).unwrap();
    let parts = sk.split(encr.iv_len(), integ.icv_len()).unwrap();
    let pt = cipher::decrypt(encr, sk_e, parts.iv, &[], parts.ciphertext).unwrap();
    let inner = v2::strip_padding(&pt).unwrap();
    v2::parse_payload_chain(sk.first_inner, inner)
        .unwrap()
        .len()
}

/// Decryption (tag check included) and inner parse of an AEAD IKE_AUTH message.
fn open_aead(msg: &[u8], encr: EncrAlg, sk_e: &Secret) -> usize {
    let parsed = Message::parse(msg).unwrap();
    let Some(Payload::Sk(sk)) = parsed.payloads.last() else {
        panic!("no SK");
    };
    // RFC 5282 5.1: the associated data is the IKE header through the SK payload header.
    let off = v2::encrypted_payload_offset(msg).unwrap().unwrap();
    let aad = &msg[..off + 4];
    let (iv, ct_tag) = sk.body.split_at(encr.iv_len());
    let pt = cipher::decrypt(encr, sk_e, iv, aad, ct_tag).unwrap();
    let inner = v2::strip_padding(&pt).unwrap();
    v2::parse_payload_chain(sk.first_inner, inner)
        .unwrap()
        .len()
}

/// An IKE_AUTH request like the captured one, its inner payloads sealed with AES-GCM-16-128.
fn build_gcm(template: &[u8], first_inner: PayloadType, inner: &[u8], keymat: &Secret) -> Vec<u8> {
    let encr = EncrAlg::AesGcm16 { key_bits: 128 };
    let mut msg = Message::parse(template).unwrap();
    let pt = cipher::pad_ikev2(encr, inner);
    let iv = [7u8; 8];
    let body_len = iv.len() + pt.len() + encr.icv_len();
    msg.payloads = vec![Payload::Sk(SkPayload {
        first_inner,
        body: vec![0; body_len],
    })];
    let mut out = msg.to_vec().unwrap();
    let off = v2::encrypted_payload_offset(&out).unwrap().unwrap();
    let ct = cipher::encrypt(encr, keymat, &iv, &out[..off + 4], &pt).unwrap();
    let body = off + 4;
    out[body..body + 8].copy_from_slice(&iv);
    out[body + 8..].copy_from_slice(&ct);
    out
}

fn ike_auth_cases() {
    let m = messages();
    let suite = IkeSuite {
        encr: EncrAlg::AesCbc { key_bits: 128 },
        integ: Some(IntegAlg::HmacSha256_128),
        prf: PrfAlg::HmacSha256,
    };
    let integ = IntegAlg::HmacSha256_128;
    let (sk_ai, sk_ei) = (key("Sk_ai_secret"), key("Sk_ei_secret"));
    let req = &m[2];
    let n = open_cbc(req, suite.encr, integ, &sk_ai, &sk_ei);
    report(
        &format!("IKE_AUTH req {} B, AES-CBC-128/HMAC-SHA256", req.len()),
        bench(|| {
            black_box(open_cbc(black_box(req), suite.encr, integ, &sk_ai, &sk_ei));
        }),
    );
    // The same inner payloads, sealed with AES-GCM-16-128.
    let parsed = Message::parse(req).unwrap();
    let Some(Payload::Sk(sk)) = parsed.payloads.last() else {
        panic!("no SK");
    };
    let parts = sk.split(16, 16).unwrap();
    let pt = cipher::decrypt(suite.encr, &sk_ei, parts.iv, &[], parts.ciphertext).unwrap();
    let inner = v2::strip_padding(&pt).unwrap();
    let gcm = EncrAlg::AesGcm16 { key_bits: 128 };
    let keymat = Secret::new((0u8..20).collect());
    let sealed = build_gcm(req, sk.first_inner, inner, &keymat);
    assert_eq!(open_aead(&sealed, gcm, &keymat), n);
    report(
        &format!("IKE_AUTH req {} B, AES-GCM-16-128", sealed.len()),
        bench(|| {
            black_box(open_aead(black_box(&sealed), gcm, &keymat));
        }),
    );
    // The key schedule for the same exchange (SKEYSEED + prf+ for all SK_*), for scale.
    let g = key("shared_Diffie_Hellman_secret");
    report(
        "SKEYSEED + SK_* (PRF_HMAC_SHA2_256)",
        bench(|| {
            let s = kdf::skeyseed(suite.prf, &[1; 32], &[2; 32], &g);
            black_box(kdf::ike_sa_keys(suite, &s, &[1; 32], &[2; 32], &[3; 8], &[4; 8]).unwrap());
        }),
    );
}

fn key_exchange_cases() {
    let rng = RingRandom::new();
    for id in [2u16, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 31] {
        let group = DhGroup::from_id(id).unwrap();
        let peer = dh::start(group, &rng).unwrap().public_value();
        report(
            &format!("D-H group {id} ({group:?}): keygen + complete"),
            bench(|| {
                let ke = dh::start(group, &rng).unwrap();
                black_box(ke.public_value());
                black_box(ke.complete(black_box(&peer)).unwrap());
            }),
        );
    }
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent; keep that run short.
    if !std::env::args().any(|a| a == "--bench") {
        println!("ike_bench: pass --bench (cargo bench) to run the benchmarks");
        return;
    }
    println!(
        "| {:<48} | {:>12} | {:>6} |",
        "operation", "µs/op (med)", "N"
    );
    println!("|{:-<50}|{:->14}|{:->8}|", "", "", "");
    ike_auth_cases();
    key_exchange_cases();
}
