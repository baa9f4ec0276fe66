//! Round-trip tests: model -> netlink bytes -> `Wire::decode` -> model.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use netlink_packet_core::Emitable;
use netlink_packet_xfrm::{policy, state, XfrmMessage};

use super::*;
use crate::netlink::wire::Wire;
use crate::netlink::xfrm_codec_policy::{policy_from_nl, policy_to_nl};
use crate::testutil::*;

fn bytes_of(m: &XfrmMessage) -> Vec<u8> {
    let mut buf = vec![0u8; m.buffer_len()];
    m.emit(&mut buf);
    buf
}

fn roundtrip_sa(sa: &Sa) -> Sa {
    let (user_sa_info, nlas) = sa_to_nl(sa).unwrap();
    let msg = XfrmMessage::AddSa(state::ModifyMessage { user_sa_info, nlas });
    match &Wire::decode(XFRM_MSG_NEWSA, &bytes_of(&msg)) {
        Wire::Msg(XfrmMessage::AddSa(m)) => match sa_from_nl(&m.user_sa_info, &m.nlas) {
            Some(DecodedSa::Full(i)) => i.sa,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn aead_esn_sa_roundtrips() {
    let mut s = sa("192.0.2.1", "198.51.100.1", 0xc000_1234, OUR_REQID);
    s.mark = Some(Mark {
        value: 7,
        mask: 0xff,
    });
    s.encap = Some(Encap {
        sport: 4500,
        dport: 4500,
    });
    s.lifetime.soft_bytes = Some(1 << 30);
    s.lifetime.hard_packets = Some(1 << 20);
    s.selector = Some(Selector::nets(
        "10.1.0.0/16".parse().unwrap(),
        "10.2.0.0/16".parse().unwrap(),
    ));
    assert_eq!(roundtrip_sa(&s), s);
}

#[test]
fn cbc_hmac_small_window_v6_roundtrips() {
    let mut s = sa("2001:db8::1", "2001:db8::2", 0x0000_1000, 9);
    s.crypto = SaCrypto::CryptAuth {
        enc_name: "cbc(aes)".into(),
        enc_key: crate::Key::from_slice(&[1; 32]),
        auth_name: "hmac(sha256)".into(),
        auth_key: crate::Key::from_slice(&[2; 32]),
        trunc_bits: 128,
    };
    s.esn = false;
    s.replay_window = 32;
    s.if_id = None;
    s.mode = Mode::Transport;
    let mut sel = Selector::any(true);
    sel.proto = 17;
    sel.dport = Some(500);
    s.selector = Some(sel);
    assert_eq!(roundtrip_sa(&s), s);
}

#[test]
fn large_window_uses_replay_esn_and_zero_legacy_window() {
    let mut s = sa("192.0.2.1", "198.51.100.1", 1, 1);
    s.esn = false;
    s.replay_window = 2048;
    let (info, nlas) = sa_to_nl(&s).unwrap();
    assert_eq!(info.replay_window, 0);
    assert_eq!(info.flags & XFRM_STATE_ESN, 0);
    let esn = nlas.iter().find_map(|a| match a {
        XfrmAttrs::ReplayStateEsn(r) => Some(r.clone()),
        _ => None,
    });
    let esn = esn.unwrap();
    assert_eq!(
        (esn.bmp_len, esn.replay_window, esn.bmp.len()),
        (64, 2048, 64)
    );
    s.replay_window = 8192;
    assert!(sa_to_nl(&s).is_err());
}

#[test]
fn sa_without_algorithms_is_larval() {
    let s = sa("198.51.100.1", "192.0.2.1", 0x4242, OUR_REQID);
    let (info, _) = sa_to_nl(&s).unwrap();
    match sa_from_nl(&info, &[]) {
        Some(DecodedSa::Larval(l)) => {
            assert_eq!(l.id, s.id());
            assert_eq!(l.reqid, OUR_REQID);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn policy_roundtrips_with_template_mark_and_if_id() {
    let mut p = policy(crate::PolicyDir::Fwd, OUR_REQID);
    p.if_id = Some(OUR_IF_ID);
    p.mark = Some(Mark {
        value: 1,
        mask: u32::MAX,
    });
    p.selector.proto = 6;
    p.selector.sport = Some(179);
    let (user_policy_info, nlas) = policy_to_nl(&p);
    let msg = XfrmMessage::AddPolicy(policy::ModifyMessage {
        user_policy_info,
        nlas,
    });
    match &Wire::decode(XFRM_MSG_NEWPOLICY, &bytes_of(&msg)) {
        Wire::Msg(XfrmMessage::AddPolicy(m)) => {
            assert_eq!(policy_from_nl(&m.user_policy_info, &m.nlas), Some(p));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn overlong_algorithm_name_is_refused() {
    let mut s = sa("192.0.2.1", "198.51.100.1", 1, 1);
    s.crypto = SaCrypto::Aead {
        name: "x".repeat(64),
        key: crate::Key::from_slice(&[0; 20]),
        icv_bits: 128,
    };
    assert!(sa_to_nl(&s).is_err());
}

#[test]
fn dropping_a_wire_message_wipes_its_keys() {
    let s = sa("192.0.2.1", "198.51.100.1", 1, 1);
    let (user_sa_info, nlas) = sa_to_nl(&s).unwrap();
    let mut w = Wire::Msg(XfrmMessage::AddSa(state::ModifyMessage {
        user_sa_info,
        nlas,
    }));
    // What Drop does, observed before the memory is freed.
    if let Wire::Msg(XfrmMessage::AddSa(m)) = &mut w {
        crate::netlink::wire::scrub_keys(&mut m.nlas);
        let keys: Vec<&Vec<u8>> = m
            .nlas
            .iter()
            .filter_map(|a| match a {
                XfrmAttrs::EncryptionAlgAead(x) => Some(&x.alg_key),
                _ => None,
            })
            .collect();
        assert_eq!(keys.len(), 1);
        assert!(keys[0].is_empty(), "key bytes left behind");
    }
}

#[test]
fn selectorless_tunnel_sa_is_af_unspec_and_transport_needs_a_selector() {
    let mut s = sa("192.0.2.1", "198.51.100.1", 7, 1);
    let (info, _) = sa_to_nl(&s).unwrap();
    assert_eq!(info.selector.family, 0);
    assert_ne!(info.flags & XFRM_STATE_AF_UNSPEC, 0);
    assert_eq!(roundtrip_sa(&s), s);
    s.mode = Mode::Transport;
    assert!(sa_to_nl(&s).is_err());
}
