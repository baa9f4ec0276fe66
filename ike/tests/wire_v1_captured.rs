//! Recorded IKEv1 exchanges (main mode and aggressive mode with pre-shared keys) parsed through
//! the public `ike::wire::v1` API and re-emitted byte for byte.
//!
//! Source of the bytes: the recorded handshakes replayed by RUB-NDS/IPsec-StateMachineExtractor
//! (`src/test/java/de/rub/nds/ipsec/statemachineextractor/ike/IKEv1HandshakeIT.java`,
//! Apache-2.0), captured from a real IKEv1 responder. Only the plaintext messages and one
//! encrypted one are used; the hex strings are data, not code.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::net::Ipv4Addr;

use ike::wire::v1::*;

const AGG_M1: &str = concat!(
    "75cc633d664fd55600000000000000000110040000000000000000f00400003800000001000000010000002c",
    "00010001000000240001000080010007800e0080800200028004000280030001800b0001800c70800a000084",
    "375427d76a58cf3db4ab3cf2da9dd44dfef6233affc1d34d75c3aec9d93353a29fc3d6ec1fc4c343e4943930",
    "2cacca1a52d19877a0fa72a1ee023d67015ffc690361606ec24115655228b50d328636f4fce68253d7fbd1ea",
    "e905cfc6dc93194e147184279556d86ceeeb33a78b612aabdd6590ca4e609cc88906457787f13ff70500000c",
    "a3a34f453de42c670000000c010000000a000301",
);

const AGG_M2: &str = concat!(
    "75cc633d664fd5560534fc1813e089e10110040000000000000001400400003800000001000000010000002c",
    "00010001000000240101000080010007800e0080800200028004000280030001800b0001800c70800a000084",
    "3af9e9bbff0c40ca81e538ccaca7dab906ae2f48f68b3f03e8c81f361b5cf514ef20d46d46b2c513a342dd3c",
    "a210dd069ff995c53f363b4e05c5c4534fe566441343333b615d87efa9d55400c44d5b5a02e41872790749df",
    "8aff964cf937fc3e349ec31f3b1cab032202389f87784f44ec4878adec2b974bc17156238937133f05000024",
    "0f03492d4761a688f493d24424e9a7d19f1a64c4cd697dc900862aa1163f06450d00000c010000000a00030a",
    "0d00000c09002689dfd6b71208000014afcad71368a1f1c96b8696fc775701000000001891b7a7f96ea7a07c",
    "12ae03af0bc32e9f347685bb",
);

const MM_M1: &str = concat!(
    "59cedc5dcea558fe00000000000000000110020000000000000000540000003800000001000000010000002c",
    "00010001000000240001000080010007800e0080800200028004000280030001800b0001800c7080",
);

const MM_M2: &str = concat!(
    "59cedc5dcea558fe9e169842364452570110020000000000000000740d00003800000001000000010000002c",
    "00010001000000240101000080010007800e0080800200028004000280030001800b0001800c70800d00000c",
    "09002689dfd6b71200000014afcad71368a1f1c96b8696fc77570100",
);

const MM_M3: &str = concat!(
    "59cedc5dcea558fe9e169842364452570410020000000000000000ac0a000084b5fcea14e2593ee937054b98",
    "886ca43b00472167db154ff074e158e8b7fcae77ac35cef073698bfe63c99c6dd64ae25a95d55800a845a5db",
    "0640d1c3ea5bb8596cb0ffa5d4db0fd01e1875941b14ad4ac492fb5f6381db934664ad8493fe95aab7f1ff89",
    "76f329b5ea0f9ede244e906fb419353e878f2fa92ccd533ba33d79ee0000000c32ae9db36e7418a7",
);

const MM_M4: &str = concat!(
    "59cedc5dcea558fe9e169842364452570410020000000000000000c40a00008424bb23e799283854458c53d6",
    "d735ee8c099008c743c89900b312264d3d372e4ff3986d5890d43e5aa7f2c6adb910b302cddcdf773b74921f",
    "8ce0376a338a28d7569fb8d4dab85a799cc753bd7d2fd9a65d4e4b016ea9742349c0d8cb6271061e21f5d6af",
    "924fddf05fa3a0c83ce7a22074e779c4fee154a728a4c0d6488adbb300000024ce2b9ff5f8519260b6c8f153",
    "529bc5a43121e3aa57a3de7d0d63baba86679e57",
);

const MM_M5: &str = concat!(
    "59cedc5dcea558fe9e1698423644525705100201000000000000004cfabd2d66f56237c7810b25e185b01865",
    "59632459fde4ebb654970a62e83cdd47c9201aad89e40e9500d264aeaa968647",
);

fn parse_and_reemit(hex_str: &str) -> Message {
    let bytes = hex::decode(hex_str).unwrap();
    let msg = parse_message(&bytes).unwrap();
    assert_eq!(msg.buffer_len(), bytes.len());
    assert_eq!(msg.to_vec().unwrap(), bytes, "re-emitted bytes differ");
    msg
}

fn payloads(m: &Message) -> &[Payload] {
    m.payloads().unwrap()
}

/// The single KEY_IKE transform both peers use in these captures.
fn check_phase1_transform(sa: &SaRepr) {
    assert_eq!(sa.doi, Doi::IPSEC);
    assert_eq!(sa.situation, situation::IDENTITY_ONLY);
    let [p] = sa.proposals.as_slice() else {
        panic!("expected one proposal")
    };
    assert_eq!(p.protocol_id, ProtocolId::ISAKMP);
    assert!(p.spi.is_empty());
    let [t] = p.transforms.as_slice() else {
        panic!("expected one transform")
    };
    assert_eq!(t.transform_id, TransformId::KEY_IKE);
    let get = |c: Phase1Attr| t.attr(c.0).and_then(Attribute::as_u64).unwrap();
    assert_eq!(get(Phase1Attr::ENCRYPTION_ALGORITHM), 7); // AES-CBC
    assert_eq!(get(Phase1Attr::KEY_LENGTH), 128);
    assert_eq!(get(Phase1Attr::HASH_ALGORITHM), 2); // SHA
    assert_eq!(get(Phase1Attr::GROUP_DESCRIPTION), 2); // MODP1024
    assert_eq!(get(Phase1Attr::AUTHENTICATION_METHOD), 1); // pre-shared key
    assert_eq!(get(Phase1Attr::LIFE_TYPE), 1); // seconds
    assert_eq!(get(Phase1Attr::LIFE_DURATION), 28800);
}

#[test]
fn main_mode_message_1_and_2() {
    let m1 = parse_and_reemit(MM_M1);
    assert_eq!(m1.header.exchange_type, ExchangeType::MAIN_MODE);
    assert_eq!(m1.header.responder_cookie, [0; 8]);
    let [Payload::Sa(sa)] = payloads(&m1) else {
        panic!("m1 is HDR, SA")
    };
    check_phase1_transform(sa);
    // This initiator numbers its proposal and transform from 0.
    assert_eq!(sa.proposals[0].number, 0);

    let m2 = parse_and_reemit(MM_M2);
    assert_eq!(m2.header.initiator_cookie, m1.header.initiator_cookie);
    assert_eq!(
        m2.header.responder_cookie,
        [0x9e, 0x16, 0x98, 0x42, 0x36, 0x44, 0x52, 0x57]
    );
    let [Payload::Sa(sa), Payload::VendorId(v1), Payload::VendorId(v2)] = payloads(&m2) else {
        panic!("m2 is HDR, SA, VID, VID")
    };
    check_phase1_transform(sa);
    assert_eq!(v1.identify(), Some(KnownVendorId::Xauth));
    assert_eq!(v2.identify(), Some(KnownVendorId::Dpd));
}

#[test]
fn main_mode_message_3_and_4() {
    for (hex_str, nonce_len) in [(MM_M3, 8), (MM_M4, 32)] {
        let m = parse_and_reemit(hex_str);
        assert_eq!(m.header.next_payload, PayloadType::KE);
        let [Payload::Ke(ke), Payload::Nonce(n)] = payloads(&m) else {
            panic!("m3/m4 are HDR, KE, NONCE")
        };
        assert_eq!(ke.data.len(), 128); // MODP1024 public value
        assert_eq!(n.data.len(), nonce_len);
    }
}

#[test]
fn main_mode_message_5_is_encrypted() {
    let m = parse_and_reemit(MM_M5);
    assert!(m.header.flags.contains(Flags::ENCRYPTION));
    assert_eq!(m.header.next_payload, PayloadType::ID);
    let Body::Encrypted(c) = &m.body else {
        panic!("E flag set but body not encrypted")
    };
    assert_eq!(c.len(), 48);
    assert_eq!(c.len() % 16, 0); // AES-CBC blocks
}

#[test]
fn aggressive_mode_message_1_and_2() {
    let m1 = parse_and_reemit(AGG_M1);
    assert_eq!(m1.header.exchange_type, ExchangeType::AGGRESSIVE);
    let [Payload::Sa(sa), Payload::Ke(ke), Payload::Nonce(_), Payload::Id(id)] = payloads(&m1)
    else {
        panic!("aggressive m1 is HDR, SA, KE, Ni, IDii")
    };
    check_phase1_transform(sa);
    assert_eq!(ke.data.len(), 128);
    assert_eq!(id.id, Identification::Ipv4(Ipv4Addr::new(10, 0, 3, 1)));
    assert_eq!((id.protocol_id, id.port), (0, 0));

    let m2 = parse_and_reemit(AGG_M2);
    let [Payload::Sa(sa), Payload::Ke(_), Payload::Nonce(n), Payload::Id(id), Payload::VendorId(x), Payload::VendorId(d), Payload::Hash(h)] =
        payloads(&m2)
    else {
        panic!("aggressive m2 is HDR, SA, KE, Nr, IDir, VID, VID, HASH_R")
    };
    check_phase1_transform(sa);
    assert_eq!(n.data.len(), 32);
    assert_eq!(id.id, Identification::Ipv4(Ipv4Addr::new(10, 0, 3, 10)));
    assert_eq!(x.identify(), Some(KnownVendorId::Xauth));
    assert_eq!(d.identify(), Some(KnownVendorId::Dpd));
    assert_eq!(h.data.len(), 20); // HMAC-SHA1 output
}

#[test]
fn every_single_byte_corruption_of_the_captures_is_handled() {
    // Deterministic fuzzing: each byte of each plaintext capture set to 0, 0xff and +1, and
    // each prefix; parsing returns (Ok or Err) and never panics, and whatever parses re-emits
    // to a message that parses to the same value.
    for hex_str in [MM_M1, MM_M2, MM_M3, MM_M4, AGG_M1, AGG_M2] {
        let good = hex::decode(hex_str).unwrap();
        for i in 0..good.len() {
            for v in [0u8, 0xff, good[i].wrapping_add(1)] {
                let mut bad = good.clone();
                bad[i] = v;
                if let Ok(m) = parse_message(&bad) {
                    let again = m.to_vec().unwrap();
                    assert_eq!(parse_message(&again).unwrap(), m);
                }
            }
            let _ = parse_message(&good[..i]);
        }
    }
}
