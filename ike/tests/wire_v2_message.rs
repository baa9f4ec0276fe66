//! Whole-message tests for the IKEv2 codec: an IKE_SA_INIT request assembled byte by byte
//! from the RFC 7296 field layouts (3.1 - 3.10) and parsed field by field, and the payload
//! chain rules of RFC 7296 2.5 / 3.14.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ike::wire::v2::*;
use ike::wire::Error;

/// Appends a generic payload header (RFC 7296 3.2) and body.
fn payload(out: &mut Vec<u8>, next: u8, critical: bool, body: &[u8]) {
    out.push(next);
    out.push(if critical { 0x80 } else { 0 });
    out.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// Prepends an IKE header (RFC 7296 3.1) to a payload chain.
fn message(next: u8, exchange: u8, flags: u8, msg_id: u32, chain: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(&[next, 0x20, exchange, flags]);
    m.extend_from_slice(&msg_id.to_be_bytes());
    m.extend_from_slice(&((chain.len() + 28) as u32).to_be_bytes());
    m.extend_from_slice(chain);
    m
}

/// IKE_SA_INIT request: HDR, SAi1, KEi, Ni, N(NAT_DETECTION_SOURCE_IP),
/// N(NAT_DETECTION_DESTINATION_IP), N(IKEV2_FRAGMENTATION_SUPPORTED),
/// N(SIGNATURE_HASH_ALGORITHMS) (RFC 7296 1.2, RFC 7383 2.3, RFC 7427 4).
fn ike_sa_init_request() -> Vec<u8> {
    let sa = vec![
        0, 0, 0, 44, // last proposal, reserved, proposal length 44
        1, 1, 0, 4, // proposal #1, IKE, SPI size 0, 4 transforms
        3, 0, 0, 12, 1, 0, 0, 12, 0x80, 14, 0, 128, // ENCR_AES_CBC, KEY_LENGTH 128
        3, 0, 0, 8, 2, 0, 0, 5, // PRF_HMAC_SHA2_256
        3, 0, 0, 8, 3, 0, 0, 12, // AUTH_HMAC_SHA2_256_128
        0, 0, 0, 8, 4, 0, 0, 19, // last: DH group 19 (ECP_256)
    ];
    assert_eq!(sa.len(), 44);
    let mut ke = vec![0, 19, 0, 0];
    ke.extend_from_slice(&[0x42; 64]);
    let nonce = [0x5a; 32];
    let mut nat_src = vec![0, 0, 0x40, 0x04];
    nat_src.extend_from_slice(&[0x11; 20]);
    let mut nat_dst = vec![0, 0, 0x40, 0x05];
    nat_dst.extend_from_slice(&[0x22; 20]);
    let frag = [0, 0, 0x40, 0x2e];
    let sig = [0, 0, 0x40, 0x2f, 0, 2, 0, 3, 0, 4];

    let mut chain = Vec::new();
    payload(&mut chain, 34, false, &sa); // SA -> KE
    payload(&mut chain, 40, false, &ke); // KE -> Ni
    payload(&mut chain, 41, false, &nonce); // Ni -> N
    payload(&mut chain, 41, false, &nat_src);
    payload(&mut chain, 41, false, &nat_dst);
    payload(&mut chain, 41, false, &frag);
    payload(&mut chain, 0, false, &sig);
    message(33, 34, 0x08, 0, &chain)
}

#[test]
fn ike_sa_init_request_field_by_field() {
    let bytes = ike_sa_init_request();
    let m = parse_message(&bytes).unwrap();
    let h = &m.header;
    assert_eq!(h.spi_i, 0x0123456789abcdef);
    assert_eq!(h.spi_r, 0);
    assert_eq!((h.major_version, h.minor_version), (2, 0));
    assert_eq!(h.exchange_type, ExchangeType::IKE_SA_INIT);
    assert!(h.flags.initiator() && !h.flags.response() && !h.flags.version());
    assert_eq!(h.message_id, 0);
    assert_eq!(m.payloads.len(), 7);

    let Payload::Sa(sa) = &m.payloads[0] else {
        panic!("SA first")
    };
    assert_eq!(sa.proposals.len(), 1);
    let p = &sa.proposals[0];
    assert_eq!((p.num, p.protocol, p.spi.len()), (1, ProtocolId::IKE, 0));
    let t = &p.transforms;
    assert_eq!(
        (t[0].ty, EncrId(t[0].id), t[0].key_length()),
        (TransformType::ENCR, EncrId::AES_CBC, Some(128))
    );
    assert_eq!(
        (t[1].ty, PrfId(t[1].id)),
        (TransformType::PRF, PrfId::HMAC_SHA2_256)
    );
    assert_eq!(
        (t[2].ty, IntegId(t[2].id)),
        (TransformType::INTEG, IntegId::HMAC_SHA2_256_128)
    );
    assert_eq!((t[3].ty, DhId(t[3].id)), (TransformType::DH, DhId::ECP_256));
    assert!(sa.starts_at_one());

    let Payload::Ke(ke) = &m.payloads[1] else {
        panic!("KE second")
    };
    assert_eq!((ke.group, ke.data.len()), (DhId::ECP_256, 64));
    let Payload::Nonce(n) = &m.payloads[2] else {
        panic!("Ni third")
    };
    assert_eq!(n.nonce, [0x5a; 32]);

    let notifies: Vec<_> = m.notifies().collect();
    assert_eq!(
        notifies.iter().map(|n| n.ty).collect::<Vec<_>>(),
        [
            NotifyType::NAT_DETECTION_SOURCE_IP,
            NotifyType::NAT_DETECTION_DESTINATION_IP,
            NotifyType::IKEV2_FRAGMENTATION_SUPPORTED,
            NotifyType::SIGNATURE_HASH_ALGORITHMS
        ]
    );
    assert_eq!(notifies[0].data, [0x11; 20]);
    assert!(notifies
        .iter()
        .all(|n| n.protocol == ProtocolId::NONE && n.spi.is_empty()));
    assert_eq!(
        notifies[3].hash_algorithms().unwrap(),
        [
            HashAlgorithm::SHA2_256,
            HashAlgorithm::SHA2_384,
            HashAlgorithm::SHA2_512
        ]
    );

    // The non-allocating walk sees the same chain.
    let raw: Vec<_> = raw_payloads(PayloadType::SA, &bytes[28..])
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(raw.len(), 7);
    assert_eq!(
        (raw[0].offset, raw[0].body.len(), raw[0].next_payload),
        (0, 44, PayloadType::KE)
    );
    assert_eq!(
        (raw[6].ty, raw[6].next_payload),
        (PayloadType::N, PayloadType::NONE)
    );

    // Re-emitting yields the exact bytes.
    assert_eq!(m.to_vec().unwrap(), bytes);
    assert_eq!(encrypted_payload_offset(&bytes).unwrap(), None);
}

#[test]
fn header_length_must_match_datagram() {
    let mut b = ike_sa_init_request();
    b.push(0);
    assert!(matches!(parse_message(&b), Err(Error::BadLength { .. })));
    b.pop();
    b.pop();
    assert!(matches!(parse_message(&b), Err(Error::Truncated { .. })));
    let mut v1 = ike_sa_init_request();
    v1[17] = 0x10;
    assert!(parse_message(&v1).is_err());
    assert!(parse_message(&[]).is_err());
}

#[test]
fn unknown_payloads_follow_the_critical_bit() {
    // RFC 7296 2.5: skip a non-critical unknown payload, reject a critical one.
    let mut chain = Vec::new();
    payload(&mut chain, 43, false, &[1, 2, 3]); // unknown 200 -> V
    payload(&mut chain, 0, false, b"vid");
    let m = parse_message(&message(200, 37, 0x20, 1, &chain)).unwrap();
    assert_eq!(
        m.payloads[0],
        Payload::Unknown {
            ty: PayloadType(200),
            critical: false,
            body: vec![1, 2, 3]
        }
    );
    assert_eq!(m.to_vec().unwrap(), message(200, 37, 0x20, 1, &chain));

    let mut chain = Vec::new();
    payload(&mut chain, 0, true, &[1, 2, 3]);
    assert_eq!(
        parse_message(&message(200, 37, 0x20, 1, &chain)),
        Err(Error::UnsupportedCritical(200))
    );

    // The critical bit on a known payload is ignored on receipt.
    let mut chain = Vec::new();
    payload(&mut chain, 0, true, b"vid");
    assert!(parse_message(&message(43, 37, 0x20, 1, &chain)).is_ok());
}

#[test]
fn payload_lengths_are_checked() {
    let mut chain = Vec::new();
    payload(&mut chain, 0, false, b"vid");
    let good = message(43, 37, 0, 1, &chain);
    // Payload Length below the generic header, and past the end of the message.
    for (len, below_header) in [(3u16, true), (0, true), (8, false)] {
        let mut b = good.clone();
        b[30..32].copy_from_slice(&len.to_be_bytes());
        let e = parse_message(&b).unwrap_err();
        if below_header {
            assert!(matches!(e, Error::BadLength { .. }), "{e:?}");
        } else {
            assert!(matches!(e, Error::Truncated { .. }), "{e:?}");
        }
    }
    // Next Payload promises another payload that is not there.
    let mut b = good.clone();
    b[28] = 43;
    assert!(matches!(parse_message(&b), Err(Error::Truncated { .. })));
    // Bytes after the last payload.
    let mut chain2 = chain.clone();
    chain2.extend_from_slice(&[0, 0, 0, 4]);
    assert!(parse_message(&message(43, 37, 0, 1, &chain2)).is_err());
}

#[test]
fn sk_payload_ends_the_chain_and_wraps_the_inner_chain() {
    // Inner chain of an INFORMATIONAL request: D(IKE).
    let inner = vec![Payload::Delete(DeletePayload::ike())];
    let (first, plain) = payload_chain_to_vec(&inner).unwrap();
    assert_eq!(first, PayloadType::D);
    let padded = pad_plaintext(&plain, 16);
    // "Encrypt" with a null cipher: IV (16) || plaintext || ICV (12).
    let mut body = vec![0xee; 16];
    body.extend_from_slice(&padded);
    body.extend_from_slice(&[0xcc; 12]);
    let m = Message {
        header: Header::v2(1, 2, ExchangeType::INFORMATIONAL, Flags::INITIATOR, 5),
        payloads: vec![Payload::Sk(SkPayload {
            first_inner: first,
            body,
        })],
    };
    let bytes = m.to_vec().unwrap();
    // Header Next Payload is SK; SK's Next Payload names the inner D payload.
    assert_eq!(bytes[16], 46);
    assert_eq!(bytes[28], 42);
    assert_eq!(encrypted_payload_offset(&bytes).unwrap(), Some(28));

    let back = parse_message(&bytes).unwrap();
    let Payload::Sk(sk) = &back.payloads[0] else {
        panic!("SK")
    };
    let parts = sk.split(16, 12).unwrap();
    assert_eq!(parts.icv, [0xcc; 12]);
    let inner_back =
        parse_payload_chain(sk.first_inner, strip_padding(parts.ciphertext).unwrap()).unwrap();
    assert_eq!(inner_back, inner);

    // SK followed by another payload is rejected both ways.
    let mut chain = bytes[28..].to_vec();
    chain.extend_from_slice(&[0, 0, 0, 4]);
    assert!(parse_message(&message(46, 37, 0, 1, &chain)).is_err());
    let mut bad = m.clone();
    bad.payloads
        .push(Payload::Vendor(VendorPayload { id: vec![] }));
    assert!(bad.to_vec().is_err());
}

#[test]
fn empty_informational_round_trips() {
    // Liveness check: SK with no inner payloads (Next Payload NONE).
    let m = Message {
        header: Header::v2(1, 2, ExchangeType::INFORMATIONAL, Flags::RESPONSE, 9),
        payloads: vec![Payload::Sk(SkPayload {
            first_inner: PayloadType::NONE,
            body: vec![0; 8 + 1 + 16],
        })],
    };
    let b = m.to_vec().unwrap();
    assert_eq!(parse_message(&b).unwrap(), m);
    assert_eq!(parse_payload_chain(PayloadType::NONE, &[]).unwrap(), vec![]);
    assert!(parse_payload_chain(PayloadType::NONE, &[0]).is_err());
}

#[test]
fn emit_rejects_unknown_with_modelled_type() {
    let m = Message {
        header: Header::v2(1, 2, ExchangeType::IKE_AUTH, Flags::INITIATOR, 1),
        payloads: vec![Payload::Unknown {
            ty: PayloadType::SA,
            critical: false,
            body: vec![],
        }],
    };
    assert!(m.to_vec().is_err());
}
