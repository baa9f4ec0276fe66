//! Hand-assembled IKEv1 main mode message 1 (RFC 2409 5: HDR, SA; plus the RFC 3947 NAT-T
//! vendor ID) read field by field through the public `ike::wire::v1` API, and rebuilt from
//! `Repr`s byte for byte.
#![allow(clippy::unwrap_used, clippy::panic)]

use ike::wire::v1::*;

/// One proposal, one KEY_IKE transform: AES-CBC-128 / SHA1 / PSK / MODP1024 / 28800 s.
#[rustfmt::skip]
const MM1: &[u8] = &[
    // ISAKMP header (RFC 2408 3.1)
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // initiator cookie
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // responder cookie (zero in message 1)
    0x01,                   // next payload: SA
    0x10,                   // version 1.0
    0x02,                   // exchange: Identity Protection (main mode)
    0x00,                   // flags
    0x00, 0x00, 0x00, 0x00, // message id 0
    0x00, 0x00, 0x00, 0x68, // length 104
    // SA payload (RFC 2408 3.4)
    0x0d, 0x00, 0x00, 0x38, // next VID, length 56
    0x00, 0x00, 0x00, 0x01, // DOI IPSEC
    0x00, 0x00, 0x00, 0x01, // SIT_IDENTITY_ONLY
    // Proposal payload (RFC 2408 3.5)
    0x00, 0x00, 0x00, 0x2c, // last proposal, length 44
    0x01, 0x01, 0x00, 0x01, // proposal #1, PROTO_ISAKMP, SPI size 0, 1 transform
    // Transform payload (RFC 2408 3.6)
    0x00, 0x00, 0x00, 0x24, // last transform, length 36
    0x01, 0x01, 0x00, 0x00, // transform #1, KEY_IKE, reserved
    // Attributes, all TV (RFC 2409 appendix A)
    0x80, 0x01, 0x00, 0x07, // Encryption Algorithm = AES-CBC
    0x80, 0x0e, 0x00, 0x80, // Key Length = 128
    0x80, 0x02, 0x00, 0x02, // Hash Algorithm = SHA
    0x80, 0x03, 0x00, 0x01, // Authentication Method = pre-shared key
    0x80, 0x04, 0x00, 0x02, // Group Description = MODP1024
    0x80, 0x0b, 0x00, 0x01, // Life Type = seconds
    0x80, 0x0c, 0x70, 0x80, // Life Duration = 28800
    // Vendor ID payload (RFC 2408 3.16): RFC 3947 NAT-T
    0x00, 0x00, 0x00, 0x14,
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
    0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
];

fn attr(t: &TransformRepr, class: Phase1Attr) -> u64 {
    t.attr(class.0).and_then(Attribute::as_u64).unwrap()
}

#[test]
fn main_mode_message_1_field_by_field() {
    assert_eq!(MM1.len(), 104);
    let view = Header::new_checked(MM1).unwrap();
    assert_eq!(view.length(), 104);

    let msg = parse_message(MM1).unwrap();
    let h = &msg.header;
    assert_eq!(h.initiator_cookie, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(h.responder_cookie, [0; 8]);
    assert_eq!(h.next_payload, PayloadType::SA);
    assert_eq!((h.major_version, h.minor_version), (1, 0));
    assert_eq!(h.exchange_type, ExchangeType::MAIN_MODE);
    assert_eq!(h.flags, Flags::default());
    assert_eq!(h.message_id, 0);

    let payloads = msg.payloads().unwrap();
    assert_eq!(payloads.len(), 2);
    let Payload::Sa(sa) = &payloads[0] else {
        panic!("first payload is not SA: {:?}", payloads[0]);
    };
    assert_eq!(sa.doi, Doi::IPSEC);
    assert_eq!(sa.situation, situation::IDENTITY_ONLY);
    assert_eq!(sa.proposals.len(), 1);
    let p = &sa.proposals[0];
    assert_eq!(p.number, 1);
    assert_eq!(p.protocol_id, ProtocolId::ISAKMP);
    assert!(p.spi.is_empty());
    assert_eq!(p.transforms.len(), 1);
    let t = &p.transforms[0];
    assert_eq!(t.number, 1);
    assert_eq!(t.transform_id, TransformId::KEY_IKE);
    assert_eq!(t.attributes.len(), 7);
    assert_eq!(
        attr(t, Phase1Attr::ENCRYPTION_ALGORITHM),
        u64::from(EncryptionAlgorithm::AES_CBC.0)
    );
    assert_eq!(attr(t, Phase1Attr::KEY_LENGTH), 128);
    assert_eq!(
        attr(t, Phase1Attr::HASH_ALGORITHM),
        u64::from(HashAlgorithm::SHA.0)
    );
    assert_eq!(
        attr(t, Phase1Attr::AUTHENTICATION_METHOD),
        u64::from(AuthMethod::PRE_SHARED_KEY.0)
    );
    assert_eq!(
        attr(t, Phase1Attr::GROUP_DESCRIPTION),
        u64::from(GroupDescription::MODP_1024.0)
    );
    assert_eq!(
        attr(t, Phase1Attr::LIFE_TYPE),
        u64::from(LifeType::SECONDS.0)
    );
    assert_eq!(attr(t, Phase1Attr::LIFE_DURATION), 28800);
    assert!(t
        .attributes
        .iter()
        .all(|a| matches!(a.value, AttrValue::Basic(_))));

    let Payload::VendorId(vid) = &payloads[1] else {
        panic!("second payload is not VID: {:?}", payloads[1]);
    };
    assert_eq!(vid.identify(), Some(KnownVendorId::NatTRfc3947));
}

#[test]
fn main_mode_message_1_rebuilt_from_reprs() {
    let transform = TransformRepr {
        number: 1,
        transform_id: TransformId::KEY_IKE,
        attributes: vec![
            Attribute::basic(
                Phase1Attr::ENCRYPTION_ALGORITHM.0,
                EncryptionAlgorithm::AES_CBC.0,
            ),
            Attribute::basic(Phase1Attr::KEY_LENGTH.0, 128),
            Attribute::basic(Phase1Attr::HASH_ALGORITHM.0, HashAlgorithm::SHA.0),
            Attribute::basic(
                Phase1Attr::AUTHENTICATION_METHOD.0,
                AuthMethod::PRE_SHARED_KEY.0,
            ),
            Attribute::basic(
                Phase1Attr::GROUP_DESCRIPTION.0,
                GroupDescription::MODP_1024.0,
            ),
            Attribute::basic(Phase1Attr::LIFE_TYPE.0, LifeType::SECONDS.0),
            Attribute::basic(Phase1Attr::LIFE_DURATION.0, 28800),
        ],
    };
    let sa = SaRepr {
        doi: Doi::IPSEC,
        situation: situation::IDENTITY_ONLY,
        proposals: vec![ProposalRepr {
            number: 1,
            protocol_id: ProtocolId::ISAKMP,
            spi: vec![],
            transforms: vec![transform],
        }],
    };
    let msg = Message::plain(
        HeaderRepr::new([1, 2, 3, 4, 5, 6, 7, 8], [0; 8], ExchangeType::MAIN_MODE, 0),
        vec![
            Payload::Sa(sa),
            Payload::VendorId(VendorIdRepr::known(KnownVendorId::NatTRfc3947)),
        ],
    );
    assert_eq!(msg.buffer_len(), MM1.len());
    assert_eq!(msg.to_vec().unwrap(), MM1);
}

#[test]
fn life_duration_as_four_byte_tlv() {
    // Same message with Life Duration sent as a 4-byte TLV (RFC 2408 3.3 variable form):
    // every enclosing length grows by 4.
    let mut bytes = MM1.to_vec();
    let at = 28 + 12 + 8 + 8 + 6 * 4; // start of the Life Duration attribute
    assert_eq!(bytes[at..at + 4], [0x80, 0x0c, 0x70, 0x80]);
    bytes.splice(at..at + 4, [0x00, 0x0c, 0x00, 0x04, 0x00, 0x00, 0x70, 0x80]);
    bytes[27] += 4; // message length
    bytes[31] += 4; // SA length
    bytes[43] += 4; // proposal length
    bytes[51] += 4; // transform length
    let msg = parse_message(&bytes).unwrap();
    let Some([Payload::Sa(sa), _]) = msg.payloads() else {
        panic!("unexpected payloads");
    };
    let t = &sa.proposals[0].transforms[0];
    let life = t.attr(Phase1Attr::LIFE_DURATION.0).unwrap();
    assert_eq!(life.value, AttrValue::Variable(vec![0, 0, 0x70, 0x80]));
    assert_eq!(life.as_u64(), Some(28800));
    assert_eq!(msg.to_vec().unwrap(), bytes);
}

#[test]
fn every_truncation_of_message_1_is_an_error() {
    for n in 0..MM1.len() {
        assert!(
            parse_message(&MM1[..n]).is_err(),
            "prefix of {n} bytes parsed"
        );
    }
    // Inner lengths lying about the buffer are errors too, never panics.
    for at in [31usize, 43, 51] {
        for v in [0u8, 3, 0xff] {
            let mut bytes = MM1.to_vec();
            bytes[at] = v;
            assert!(parse_message(&bytes).is_err(), "byte {at} = {v} parsed");
        }
    }
}
