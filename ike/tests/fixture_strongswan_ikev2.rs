//! A real IKEv2 exchange captured between two strongSwan 5.9.8 charons in the lab
//! (`tests/fixtures/strongswan-ikev2/README.md`): IKE_SA_INIT + IKE_AUTH with
//! aes128-sha256-ecp256 and PSK authentication. The initiator's charon logged its ECDH shared
//! secret and every derived key (`keys.txt`), so the whole RFC 7296 key schedule, the SK payload
//! protection (3.14) and the PSK AUTH computation (2.15) are checked against an independent
//! implementation on bytes that really crossed a wire.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::crypto::{
    auth, cipher,
    kdf::{self, IkeSuite},
    EncrAlg, IntegAlg, PrfAlg, Secret,
};
use ike::wire::v2::{
    self, encrypted_payload_offset, parse_payload_chain, raw_payloads, AuthMethod, AuthPayload,
    ExchangeType, Identification, Message, Payload, PayloadType,
};

const MESSAGES: &str = include_str!("fixtures/strongswan-ikev2/messages.txt");
const KEYS: &str = include_str!("fixtures/strongswan-ikev2/keys.txt");
/// The lab PSK (README.md); keys.txt also holds it as `secret`.
const PSK: &[u8] = b"LabCanary.Key.4711";

/// The negotiated suite: ENCR_AES_CBC-128, PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128.
const SUITE: IkeSuite = IkeSuite {
    encr: EncrAlg::AesCbc { key_bits: 128 },
    integ: Some(IntegAlg::HmacSha256_128),
    prf: PrfAlg::HmacSha256,
};

/// Index of each datagram in messages.txt (the IKE_AUTH request was retransmitted once).
const INIT_REQ: usize = 0;
const INIT_RESP: usize = 1;
const AUTH_REQ: usize = 2;
const AUTH_REQ_RETRANSMIT: usize = 3;
const AUTH_RESP: usize = 4;

#[path = "common/fixture.rs"]
mod fixture;

fn messages() -> Vec<Vec<u8>> {
    fixture::messages(MESSAGES)
}

fn key(name: &str) -> Vec<u8> {
    fixture::key(KEYS, name)
}

fn nonce(msg: &Message) -> Vec<u8> {
    msg.payloads
        .iter()
        .find_map(|p| match p {
            Payload::Nonce(n) => Some(n.nonce.clone()),
            _ => None,
        })
        .expect("IKE_SA_INIT carries a nonce")
}

/// Ni, Nr, SPIi, SPIr from the IKE_SA_INIT exchange.
fn init_params() -> (Vec<u8>, Vec<u8>, [u8; 8], [u8; 8]) {
    let m = messages();
    let req = Message::parse(&m[INIT_REQ]).unwrap();
    let resp = Message::parse(&m[INIT_RESP]).unwrap();
    (
        nonce(&req),
        nonce(&resp),
        resp.header.spi_i.to_be_bytes(),
        resp.header.spi_r.to_be_bytes(),
    )
}

fn derived_keys() -> kdf::IkeSaKeys {
    let (ni, nr, spi_i, spi_r) = init_params();
    let g_ir = Secret::new(key("shared_Diffie_Hellman_secret"));
    let skeyseed = kdf::skeyseed(SUITE.prf, &ni, &nr, &g_ir);
    kdf::ike_sa_keys(SUITE, &skeyseed, &ni, &nr, &spi_i, &spi_r).unwrap()
}

#[test]
fn every_message_parses_and_re_emits_byte_identically() {
    let m = messages();
    assert_eq!(m.len(), 5);
    let exchanges: Vec<ExchangeType> = m
        .iter()
        .map(|b| {
            let msg = v2::parse_message(b).unwrap();
            assert_eq!(&msg.to_vec().unwrap(), b, "re-emit differs");
            msg.header.exchange_type
        })
        .collect();
    assert_eq!(
        exchanges,
        [
            ExchangeType::IKE_SA_INIT,
            ExchangeType::IKE_SA_INIT,
            ExchangeType::IKE_AUTH,
            ExchangeType::IKE_AUTH,
            ExchangeType::IKE_AUTH,
        ]
    );
    assert_eq!(m[AUTH_REQ], m[AUTH_REQ_RETRANSMIT]);
    // The IKE_SA_INIT request: SA, KE (group 19, 64 octets), Ni and notifies, in the clear.
    let req = Message::parse(&m[INIT_REQ]).unwrap();
    let ke = req
        .payloads
        .iter()
        .find_map(|p| match p {
            Payload::Ke(k) => Some(k),
            _ => None,
        })
        .unwrap();
    assert_eq!(ke.group.0, 19);
    assert_eq!(ke.data.len(), 64);
    assert!(req.notifies().count() >= 3);
    // IKE_AUTH messages carry exactly one SK payload.
    for i in [AUTH_REQ, AUTH_RESP] {
        let msg = Message::parse(&m[i]).unwrap();
        assert!(matches!(msg.payloads.as_slice(), [Payload::Sk(_)]));
        assert_eq!(encrypted_payload_offset(&m[i]).unwrap(), Some(28));
    }
}

/// RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir) and
/// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr),
/// compared with charon's dumps.
#[test]
fn key_schedule_matches_charon() {
    let (ni, nr, _, _) = init_params();
    assert_eq!(ni.len(), 32);
    assert_eq!(nr.len(), 32);
    let g_ir = Secret::new(key("shared_Diffie_Hellman_secret"));
    let skeyseed = kdf::skeyseed(SUITE.prf, &ni, &nr, &g_ir);
    assert_eq!(skeyseed.expose(), key("SKEYSEED"));
    let k = derived_keys();
    assert_eq!(k.sk_d.expose(), key("Sk_d_secret"));
    assert_eq!(k.sk_ai.expose(), key("Sk_ai_secret"));
    assert_eq!(k.sk_ar.expose(), key("Sk_ar_secret"));
    assert_eq!(k.sk_ei.expose(), key("Sk_ei_secret"));
    assert_eq!(k.sk_er.expose(), key("Sk_er_secret"));
    assert_eq!(k.sk_pi.expose(), key("Sk_pi_secret"));
    assert_eq!(k.sk_pr.expose(), key("Sk_pr_secret"));
    assert_eq!(key("secret"), PSK);
}

/// One IKE_AUTH message opened: (first inner type, padded plaintext, inner chain bytes).
struct Opened {
    first_inner: PayloadType,
    iv: Vec<u8>,
    plaintext: Vec<u8>,
    inner: Vec<u8>,
}

/// RFC 7296 3.14: check the ICV over the message up to the ICV, decrypt the ciphertext with the
/// IV from the payload, strip the padding.
fn open(msg: &[u8], sk_a: &Secret, sk_e: &Secret) -> Opened {
    let encr = SUITE.encr;
    let integ = SUITE.integ.unwrap();
    let parsed = Message::parse(msg).unwrap();
    let Some(Payload::Sk(sk)) = parsed.payloads.last() else {
        panic!("no SK payload");
    };
    let parts = sk.split(encr.iv_len(), integ.icv_len()).unwrap();
    assert_eq!(parts.ciphertext.len() % encr.block_len(), 0);
    let (covered, icv) = msg.split_at(msg.len() - integ.icv_len());
    assert_eq!(icv, parts.icv);
    integ.verify(sk_a, &[covered], icv).unwrap();
    // A flipped bit anywhere before the ICV must fail the check.
    let mut tampered = covered.to_vec();
    tampered[40] ^= 1;
    assert!(integ.verify(sk_a, &[&tampered], icv).is_err());
    let plaintext = cipher::decrypt(encr, sk_e, parts.iv, &[], parts.ciphertext).unwrap();
    let inner = v2::strip_padding(&plaintext).unwrap().to_vec();
    Opened {
        first_inner: sk.first_inner,
        iv: parts.iv.to_vec(),
        plaintext,
        inner,
    }
}

/// The raw body (after the generic header) of the first inner payload of type `ty`.
fn raw_body(o: &Opened, ty: PayloadType) -> Vec<u8> {
    raw_payloads(o.first_inner, &o.inner)
        .map(Result::unwrap)
        .find(|p| p.ty == ty)
        .unwrap()
        .body
        .to_vec()
}

/// Re-encrypt the same plaintext with the same IV, recompute the ICV and re-emit: the result
/// must be the datagram that was captured.
fn reseal(msg: &[u8], o: &Opened, sk_a: &Secret, sk_e: &Secret) -> Vec<u8> {
    let encr = SUITE.encr;
    let integ = SUITE.integ.unwrap();
    let mut parsed = Message::parse(msg).unwrap();
    // Rebuild the plaintext from the parsed inner payloads, then pad as charon did.
    let inner = parse_payload_chain(o.first_inner, &o.inner).unwrap();
    let (first, chain) = v2::payload_chain_to_vec(&inner).unwrap();
    assert_eq!(first, o.first_inner);
    assert_eq!(chain, o.inner, "inner chain re-emit differs");
    let mut plaintext = chain;
    plaintext.extend_from_slice(&o.plaintext[o.inner.len()..]);
    let ct = cipher::encrypt(encr, sk_e, &o.iv, &[], &plaintext).unwrap();
    let Some(Payload::Sk(sk)) = parsed.payloads.last_mut() else {
        panic!("no SK payload");
    };
    let mut body = o.iv.clone();
    body.extend_from_slice(&ct);
    body.extend_from_slice(&vec![0; integ.icv_len()]);
    sk.body = body;
    let mut out = parsed.to_vec().unwrap();
    let icv_at = out.len() - integ.icv_len();
    let icv = integ.compute(sk_a, &[&out[..icv_at]]).unwrap();
    out[icv_at..].copy_from_slice(&icv);
    out
}

#[test]
fn ike_auth_request_decrypts_parses_and_reseals() {
    let m = messages();
    let k = derived_keys();
    let o = open(&m[AUTH_REQ], &k.sk_ai, &k.sk_ei);
    // The responder's keys must not open it.
    assert!(SUITE
        .integ
        .unwrap()
        .verify(
            &k.sk_ar,
            &[&m[AUTH_REQ][..m[AUTH_REQ].len() - 16]],
            &m[AUTH_REQ][m[AUTH_REQ].len() - 16..]
        )
        .is_err());
    let inner = parse_payload_chain(o.first_inner, &o.inner).unwrap();
    assert_eq!(o.first_inner, PayloadType::IDI);
    let ty: Vec<PayloadType> = inner.iter().map(Payload::payload_type).collect();
    for want in [
        PayloadType::IDI,
        PayloadType::AUTH,
        PayloadType::SA,
        PayloadType::TSI,
        PayloadType::TSR,
    ] {
        assert!(ty.contains(&want), "{want:?} missing from {ty:?}");
    }
    assert!(ty.contains(&PayloadType::N), "no notifies in {ty:?}");
    let Some(Payload::IdI(id)) = inner.first() else {
        panic!("IDi first");
    };
    assert_eq!(id.id, Identification::Fqdn("west.lab".into()));
    assert_eq!(reseal(&m[AUTH_REQ], &o, &k.sk_ai, &k.sk_ei), m[AUTH_REQ]);
}

#[test]
fn ike_auth_response_decrypts_parses_and_reseals() {
    let m = messages();
    let k = derived_keys();
    let o = open(&m[AUTH_RESP], &k.sk_ar, &k.sk_er);
    let inner = parse_payload_chain(o.first_inner, &o.inner).unwrap();
    assert_eq!(o.first_inner, PayloadType::IDR);
    let ty: Vec<PayloadType> = inner.iter().map(Payload::payload_type).collect();
    for want in [
        PayloadType::IDR,
        PayloadType::AUTH,
        PayloadType::SA,
        PayloadType::TSI,
        PayloadType::TSR,
    ] {
        assert!(ty.contains(&want), "{want:?} missing from {ty:?}");
    }
    let Some(Payload::IdR(id)) = inner.first() else {
        panic!("IDr first");
    };
    assert_eq!(id.id, Identification::Fqdn("east.lab".into()));
    // The Child SA proposal: ESP with AES-GCM-16 (the README's aes128gcm16).
    let Some(Payload::Sa(sa)) = inner.iter().find(|p| matches!(p, Payload::Sa(_))) else {
        panic!("no SA");
    };
    assert_eq!(sa.proposals.len(), 1);
    assert_eq!(reseal(&m[AUTH_RESP], &o, &k.sk_ar, &k.sk_er), m[AUTH_RESP]);
}

fn auth_data(o: &Opened) -> Vec<u8> {
    let inner = parse_payload_chain(o.first_inner, &o.inner).unwrap();
    let auth = inner
        .iter()
        .find_map(|p| match p {
            Payload::Auth(a) => Some(a.clone()),
            _ => None,
        })
        .unwrap();
    match auth {
        AuthPayload::Other { method, data } => {
            assert_eq!(method, AuthMethod::SHARED_KEY_MIC);
            data
        }
        other => panic!("unexpected AUTH {other:?}"),
    }
}

/// RFC 7296 2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <InitiatorSignedOctets>),
/// InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, IDi').
#[test]
fn initiator_psk_auth_matches() {
    let m = messages();
    let k = derived_keys();
    let (_, nr, _, _) = init_params();
    let o = open(&m[AUTH_REQ], &k.sk_ai, &k.sk_ei);
    let idi = raw_body(&o, PayloadType::IDI);
    let octets = auth::signed_octets(SUITE.prf, &m[INIT_REQ], &nr, &k.sk_pi, &idi);
    let psk = Secret::from_slice(PSK);
    let mine = auth::psk_auth(SUITE.prf, &psk, &octets);
    let received = auth_data(&o);
    assert_eq!(mine.expose(), received);
    assert_eq!(
        mine.expose(),
        key("AUTH_=_prf(prf(secret,_keypad),_octets)")
    );
    assert_eq!(
        SUITE.prf.prf(PSK, &[auth::KEY_PAD]).expose(),
        key("prf(secret,_keypad)")
    );
    auth::verify_psk_auth(SUITE.prf, &psk, &octets, &received).unwrap();
    let wrong = Secret::from_slice(b"LabCanary.Key.4712");
    assert!(auth::verify_psk_auth(SUITE.prf, &wrong, &octets, &received).is_err());
    // Signed with SK_pr instead of SK_pi: must not match.
    let swapped = auth::signed_octets(SUITE.prf, &m[INIT_REQ], &nr, &k.sk_pr, &idi);
    assert!(auth::verify_psk_auth(SUITE.prf, &psk, &swapped, &received).is_err());
}

/// RFC 7296 2.15: ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, IDr').
#[test]
fn responder_psk_auth_matches() {
    let m = messages();
    let k = derived_keys();
    let (ni, _, _, _) = init_params();
    let o = open(&m[AUTH_RESP], &k.sk_ar, &k.sk_er);
    let idr = raw_body(&o, PayloadType::IDR);
    let octets = auth::signed_octets(SUITE.prf, &m[INIT_RESP], &ni, &k.sk_pr, &idr);
    let psk = Secret::from_slice(PSK);
    assert_eq!(
        auth::psk_auth(SUITE.prf, &psk, &octets).expose(),
        auth_data(&o)
    );
}

/// Every single-byte corruption of every captured message (and of the decrypted IKE_AUTH
/// contents) is rejected or round-trips; the codec never panics on it.
#[test]
fn every_single_byte_corruption_of_the_capture_is_handled() {
    let m = messages();
    let k = derived_keys();
    let mut inputs: Vec<Vec<u8>> = m.clone();
    for (i, a, e) in [
        (AUTH_REQ, &k.sk_ai, &k.sk_ei),
        (AUTH_RESP, &k.sk_ar, &k.sk_er),
    ] {
        let o = open(&m[i], a, e);
        let mut chain = vec![o.first_inner.0];
        chain.extend_from_slice(&o.inner);
        inputs.push(chain);
    }
    for (n, b) in inputs.iter().enumerate() {
        for i in 0..b.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut c = b.clone();
                c[i] ^= x;
                if n < m.len() {
                    ike::fuzz_targets::v2_message(&c);
                } else {
                    ike::fuzz_targets::v2_chain(&c);
                }
            }
        }
    }
}
