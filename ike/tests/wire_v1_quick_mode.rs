//! Quick mode and informational payload chains as the engine handles them: built from
//! `Repr`s, padded to the CBC block size as the engine does, then read back with the padded
//! chain parser; and an encrypted message whose body stays opaque.
#![allow(clippy::unwrap_used, clippy::panic)]

use ike::wire::v1::*;

fn quick_mode_1() -> Vec<Payload> {
    // RFC 2409 5.5: HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]; NAT-OA per RFC 3947 5.2.
    let esp = TransformRepr {
        number: 1,
        transform_id: TransformId::ESP_AES_CBC,
        attributes: vec![
            Attribute::basic(Phase2Attr::SA_LIFE_TYPE.0, LifeType::SECONDS.0),
            Attribute::variable_u32(Phase2Attr::SA_LIFE_DURATION.0, 3600),
            Attribute::basic(
                Phase2Attr::ENCAPSULATION_MODE.0,
                EncapsulationMode::UDP_ENCAPSULATED_TUNNEL.0,
            ),
            Attribute::basic(
                Phase2Attr::AUTHENTICATION_ALGORITHM.0,
                AuthAlgorithm::HMAC_SHA.0,
            ),
            Attribute::basic(Phase2Attr::KEY_LENGTH.0, 256),
            Attribute::basic(
                Phase2Attr::GROUP_DESCRIPTION.0,
                GroupDescription::MODP_2048.0,
            ),
        ],
    };
    vec![
        Payload::Hash(HashRepr {
            data: vec![0x11; 20],
        }),
        Payload::Sa(SaRepr {
            doi: Doi::IPSEC,
            situation: situation::IDENTITY_ONLY,
            proposals: vec![ProposalRepr {
                number: 1,
                protocol_id: ProtocolId::ESP,
                spi: vec![0xca, 0xfe, 0x00, 0x01],
                transforms: vec![esp],
            }],
        }),
        Payload::Nonce(NonceRepr {
            data: vec![0x22; 32],
        }),
        Payload::Ke(KeRepr {
            data: vec![0x33; 256],
        }),
        Payload::Id(IdRepr {
            protocol_id: 0,
            port: 0,
            id: Identification::Ipv4Subnet([10, 0, 1, 0].into(), [255, 255, 255, 0].into()),
        }),
        Payload::Id(IdRepr {
            protocol_id: 0,
            port: 0,
            id: Identification::Ipv4Subnet([10, 0, 2, 0].into(), [255, 255, 255, 0].into()),
        }),
        Payload::NatOa(NatOaRepr {
            addr: [192, 168, 0, 10].into(),
        }),
    ]
}

#[test]
fn quick_mode_plaintext_with_cbc_padding() {
    let chain = quick_mode_1();
    let mut plain = vec![0u8; chain_len(&chain)];
    emit_payload_chain(&chain, &mut plain).unwrap();
    let used = plain.len();
    // pad to the AES block size as the engine would before encrypting
    let pad = 16 - used % 16;
    plain.extend(std::iter::repeat_n(0u8, pad));

    assert!(parse_payload_chain(first_payload_type(&chain), &plain).is_err());
    let (back, n) = parse_payload_chain_padded(PayloadType::HASH, &plain).unwrap();
    assert_eq!(n, used);
    assert_eq!(back, chain);

    let Payload::Sa(sa) = &back[1] else {
        panic!("expected SA")
    };
    let t = &sa.proposals[0].transforms[0];
    let mode = t.attr(Phase2Attr::ENCAPSULATION_MODE.0).unwrap().as_u64();
    assert_eq!(mode, Some(3));
    assert!(EncapsulationMode(3).is_udp_encapsulated());
    assert_eq!(
        t.attr(Phase2Attr::SA_LIFE_DURATION.0).unwrap().as_u64(),
        Some(3600)
    );
}

#[test]
fn encrypted_quick_mode_message_keeps_ciphertext() {
    let mut header = HeaderRepr::new([9; 8], [8; 8], ExchangeType::QUICK_MODE, 0xa1b2_c3d4);
    header.next_payload = PayloadType::HASH;
    let msg = Message::encrypted(header, vec![0x5a; 48]);
    let bytes = msg.to_vec().unwrap();
    let back = parse_message(&bytes).unwrap();
    assert!(back.header.flags.contains(Flags::ENCRYPTION));
    assert_eq!(back.header.next_payload, PayloadType::HASH);
    assert_eq!(back.body, Body::Encrypted(vec![0x5a; 48]));
    assert!(back.payloads().is_none());
}

#[test]
fn informational_delete_of_isakmp_sa() {
    // RFC 2408 3.15: an ISAKMP SA is deleted with SPI size 16 (CKY-I | CKY-R).
    let mut spi = [9u8; 8].to_vec();
    spi.extend_from_slice(&[8u8; 8]);
    let chain = vec![
        Payload::Hash(HashRepr { data: vec![0; 20] }),
        Payload::Delete(DeleteRepr {
            doi: Doi::IPSEC,
            protocol_id: ProtocolId::ISAKMP,
            spi_size: 16,
            spis: vec![spi],
        }),
    ];
    let mut buf = vec![0u8; chain_len(&chain)];
    emit_payload_chain(&chain, &mut buf).unwrap();
    // the D payload header: next NONE, length 4 + 8 + 16
    assert_eq!(buf[24..28], [0, 0, 0, 28]);
    assert_eq!(buf[28..36], [0, 0, 0, 1, 1, 16, 0, 1]);
    assert_eq!(parse_payload_chain(PayloadType::HASH, &buf).unwrap(), chain);
}
