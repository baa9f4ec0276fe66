//! Property tests for the IKEv2 wire codec: round trips for every payload repr and whole
//! messages, and "arbitrary or mutated bytes never panic".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{Ipv4Addr, Ipv6Addr};

use ike::wire::v2::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn attribute() -> impl Strategy<Value = TransformAttribute> {
    prop_oneof![
        (0u16..0x8000, any::<u16>()).prop_map(|(t, value)| TransformAttribute::Tv {
            ty: TransformAttributeType(t),
            value
        }),
        (0u16..0x8000, bytes(8)).prop_map(|(t, value)| TransformAttribute::Tlv {
            ty: TransformAttributeType(t),
            value
        }),
    ]
}

fn transform() -> impl Strategy<Value = Transform> {
    (any::<u8>(), any::<u16>(), vec(attribute(), 0..3)).prop_map(|(ty, id, attributes)| Transform {
        ty: TransformType(ty),
        id,
        attributes,
    })
}

fn proposal() -> impl Strategy<Value = Proposal> {
    let proto_spi = prop_oneof![
        Just((ProtocolId::IKE, vec![])),
        any::<[u8; 8]>().prop_map(|s| (ProtocolId::IKE, s.to_vec())),
        any::<[u8; 4]>().prop_map(|s| (ProtocolId::ESP, s.to_vec())),
        any::<[u8; 4]>().prop_map(|s| (ProtocolId::AH, s.to_vec())),
        (prop_oneof![Just(0u8), 4u8..=255], bytes(9)).prop_map(|(p, s)| (ProtocolId(p), s)),
    ];
    (proto_spi, vec(transform(), 0..6)).prop_map(|((protocol, spi), transforms)| Proposal {
        num: 0,
        protocol,
        spi,
        transforms,
    })
}

fn sa() -> impl Strategy<Value = SaPayload> {
    (0u8..=250, vec(proposal(), 0..4)).prop_map(|(start, mut proposals)| {
        for (i, p) in proposals.iter_mut().enumerate() {
            p.num = start + i as u8;
        }
        SaPayload { proposals }
    })
}

fn identification() -> impl Strategy<Value = Identification> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| Identification::Ipv4(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| Identification::Ipv6(Ipv6Addr::from(a))),
        "[a-z0-9.-]{1,40}".prop_map(Identification::Fqdn),
        "[a-z0-9.]{1,20}@[a-z0-9.]{1,20}".prop_map(Identification::Rfc822),
        bytes(64).prop_map(Identification::DerAsn1Dn),
        bytes(32).prop_map(Identification::KeyId),
        (
            prop_oneof![Just(0u8), Just(4), 6u8..=8, Just(10), 12u8..=255],
            bytes(16)
        )
            .prop_map(|(t, data)| Identification::Other {
                ty: IdType(t),
                data
            }),
    ]
}

fn auth() -> impl Strategy<Value = AuthPayload> {
    prop_oneof![
        (vec(any::<u8>(), 1..40), bytes(64)).prop_map(|(algorithm, signature)| {
            AuthPayload::DigitalSignature {
                algorithm,
                signature,
            }
        }),
        (any::<u8>().prop_filter("not 14", |m| *m != 14), bytes(64)).prop_map(|(m, data)| {
            AuthPayload::Other {
                method: AuthMethod(m),
                data,
            }
        }),
    ]
}

fn delete() -> impl Strategy<Value = DeletePayload> {
    prop_oneof![
        any::<u8>().prop_map(|p| DeletePayload {
            protocol: ProtocolId(p),
            spi_size: 0,
            spis: vec![]
        }),
        (any::<u8>(), 1u8..=8)
            .prop_flat_map(|(p, size)| (
                Just(p),
                Just(size),
                vec(vec(any::<u8>(), size as usize), 0..5)
            ))
            .prop_map(|(p, spi_size, spis)| DeletePayload {
                protocol: ProtocolId(p),
                spi_size,
                spis
            }),
    ]
}

fn selector() -> impl Strategy<Value = TrafficSelector> {
    prop_oneof![
        (
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 4]>(),
            any::<[u8; 4]>()
        )
            .prop_map(|(p, sp, ep, s, e)| {
                TrafficSelector::Ipv4 {
                    ip_proto: p,
                    start_port: sp,
                    end_port: ep,
                    start: s.into(),
                    end: e.into(),
                }
            }),
        (
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 16]>(),
            any::<[u8; 16]>()
        )
            .prop_map(|(p, sp, ep, s, e)| TrafficSelector::Ipv6 {
                ip_proto: p,
                start_port: sp,
                end_port: ep,
                start: s.into(),
                end: e.into(),
            }),
        (
            any::<u8>().prop_filter("not 7/8", |t| *t != 7 && *t != 8),
            any::<u8>(),
            bytes(16)
        )
            .prop_map(|(t, octet1, data)| TrafficSelector::Other {
                ty: TsType(t),
                octet1,
                data
            }),
    ]
}

fn cp() -> impl Strategy<Value = CpPayload> {
    (any::<u8>(), vec((0u16..0x8000, bytes(20)), 0..5)).prop_map(|(t, attrs)| CpPayload {
        cfg_type: CfgType(t),
        attributes: attrs
            .into_iter()
            .map(|(ty, value)| CfgAttribute {
                ty: CfgAttributeType(ty),
                value,
            })
            .collect(),
    })
}

fn unknown_type() -> impl Strategy<Value = PayloadType> {
    prop_oneof![1u8..=32, 49u8..=52, 54u8..=255].prop_map(PayloadType)
}

/// Every non-encrypted payload variant.
fn plain_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        sa().prop_map(Payload::Sa),
        (any::<u16>(), bytes(64)).prop_map(|(g, data)| Payload::Ke(KePayload {
            group: DhId(g),
            data
        })),
        identification().prop_map(|id| Payload::IdI(IdPayload { id })),
        identification().prop_map(|id| Payload::IdR(IdPayload { id })),
        (any::<u8>(), bytes(64)).prop_map(|(e, data)| Payload::Cert(CertPayload {
            encoding: CertEncoding(e),
            data
        })),
        (any::<u8>(), bytes(60)).prop_map(|(e, authorities)| Payload::CertReq(CertReqPayload {
            encoding: CertEncoding(e),
            authorities
        })),
        auth().prop_map(Payload::Auth),
        vec(any::<u8>(), 16..=256).prop_map(|nonce| Payload::Nonce(NoncePayload { nonce })),
        (any::<u8>(), bytes(9), any::<u16>(), bytes(32)).prop_map(|(p, spi, t, data)| {
            Payload::Notify(NotifyPayload {
                protocol: ProtocolId(p),
                spi,
                ty: NotifyType(t),
                data,
            })
        }),
        delete().prop_map(Payload::Delete),
        bytes(32).prop_map(|id| Payload::Vendor(VendorPayload { id })),
        vec(selector(), 0..4).prop_map(|selectors| Payload::TsI(TsPayload { selectors })),
        vec(selector(), 0..4).prop_map(|selectors| Payload::TsR(TsPayload { selectors })),
        cp().prop_map(Payload::Cp),
        bytes(32).prop_map(Payload::Eap),
        (unknown_type(), bytes(32)).prop_map(|(ty, body)| Payload::Unknown {
            ty,
            critical: false,
            body
        }),
    ]
}

fn encrypted_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        (any::<u8>(), bytes(96)).prop_map(|(t, body)| Payload::Sk(SkPayload {
            first_inner: PayloadType(t),
            body
        })),
        (any::<u8>(), 1u16..=u16::MAX, bytes(96))
            .prop_flat_map(|(t, total, body)| (Just(t), 1..=total, Just(total), Just(body)))
            .prop_map(
                |(t, fragment_number, total_fragments, body)| Payload::Skf(SkfPayload {
                    first_inner: PayloadType(t),
                    fragment_number,
                    total_fragments,
                    body
                })
            ),
    ]
}

fn chain() -> impl Strategy<Value = Vec<Payload>> {
    (
        vec(plain_payload(), 0..6),
        proptest::option::of(encrypted_payload()),
    )
        .prop_map(|(mut v, sk)| {
            v.extend(sk);
            v
        })
}

fn message() -> impl Strategy<Value = Message> {
    (
        any::<u64>(),
        any::<u64>(),
        0u8..16,
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
        chain(),
    )
        .prop_map(
            |(spi_i, spi_r, minor_version, x, f, message_id, payloads)| Message {
                header: Header {
                    spi_i,
                    spi_r,
                    major_version: 2,
                    minor_version,
                    exchange_type: ExchangeType(x),
                    flags: Flags(f),
                    message_id,
                },
                payloads,
            },
        )
}

/// Emits one payload with its generic header and parses it back.
fn payload_round_trip(p: &Payload) -> Payload {
    let mut b = vec![0u8; p.buffer_len()];
    p.emit(&mut b, PayloadType::NONE).unwrap();
    assert!(p
        .emit(&mut b[..p.buffer_len() - 1], PayloadType::NONE)
        .is_err());
    let h = GenericHeader::parse(&b).unwrap();
    assert_eq!(h.length, b.len());
    Payload::parse(p.payload_type(), h.next_payload, h.critical, &b[4..]).unwrap()
}

proptest! {
    // PROPTEST_CASES raises the count for long local runs.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn sa_round_trips(sa in sa()) {
        let p = Payload::Sa(sa);
        prop_assert_eq!(payload_round_trip(&p), p);
    }

    #[test]
    fn id_round_trips(id in identification()) {
        let p = Payload::IdI(IdPayload { id });
        prop_assert_eq!(payload_round_trip(&p), p);
    }

    #[test]
    fn auth_round_trips(a in auth()) {
        let p = Payload::Auth(a);
        prop_assert_eq!(payload_round_trip(&p), p);
    }

    #[test]
    fn ts_round_trips(selectors in vec(selector(), 0..6)) {
        let p = Payload::TsR(TsPayload { selectors });
        prop_assert_eq!(payload_round_trip(&p), p);
    }

    #[test]
    fn every_payload_round_trips(p in prop_oneof![plain_payload(), encrypted_payload()]) {
        prop_assert_eq!(payload_round_trip(&p), p);
    }

    #[test]
    fn chains_round_trip(c in chain()) {
        let (first, bytes) = payload_chain_to_vec(&c).unwrap();
        prop_assert_eq!(bytes.len(), payload_chain_len(&c));
        prop_assert_eq!(parse_payload_chain(first, &bytes).unwrap(), c);
    }

    #[test]
    fn messages_round_trip(m in message()) {
        let bytes = m.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), m.buffer_len());
        let back = parse_message(&bytes).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_vec().unwrap(), bytes.clone());
        prop_assert!(m.emit(&mut vec![0u8; bytes.len() - 1]).is_err());
        let sk = encrypted_payload_offset(&bytes).unwrap();
        prop_assert_eq!(sk.is_some(), m.payloads.last().is_some_and(Payload::is_encrypted));
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in vec(any::<u8>(), 0..2048), ty in any::<u8>()) {
        let _ = parse_message(&b);
        let _ = encrypted_payload_offset(&b);
        let _ = parse_payload_chain(PayloadType(ty), &b);
        let _ = Payload::parse(PayloadType(ty), PayloadType::NONE, false, &b);
        let _ = strip_padding(&b);
        let _ = raw_payloads(PayloadType(ty), &b).count();
        if let Ok(v) = HeaderView::new_checked(&b[..]) {
            let _ = (v.payload(), v.length(), Header::from_view(&v));
        }
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_header_never_panic(
        b in vec(any::<u8>(), 0..2048),
        first in any::<u8>(),
    ) {
        let h = Header::v2(1, 2, ExchangeType::IKE_AUTH, Flags::INITIATOR, 1);
        let mut msg = vec![0u8; HEADER_LEN];
        h.emit(&mut msg, PayloadType(first), HEADER_LEN + b.len()).unwrap();
        msg.extend_from_slice(&b);
        if let Ok(m) = parse_message(&msg) {
            prop_assert_eq!(parse_message(&m.to_vec().unwrap()).unwrap(), m);
        }
        let _ = encrypted_payload_offset(&msg);
    }

    #[test]
    fn raw_walk_agrees_with_parse(c in chain()) {
        let (first, bytes) = payload_chain_to_vec(&c).unwrap();
        let raw: Vec<_> = raw_payloads(first, &bytes).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(raw.len(), c.len());
        for (r, p) in raw.iter().zip(&c) {
            prop_assert_eq!(r.ty, p.payload_type());
            prop_assert_eq!(r.body.len(), p.body_len());
        }
    }

    #[test]
    fn mutated_messages_never_panic_and_reparse_stably(
        m in message(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut b = m.to_vec().unwrap();
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        for input in [&b[..], &b[..cut.index(b.len() + 1)]] {
            if let Ok(parsed) = parse_message(input) {
                // Whatever parses must re-emit into something that parses to the same value.
                let again = parsed.to_vec().unwrap();
                prop_assert_eq!(parse_message(&again).unwrap(), parsed);
            }
        }
    }
}
