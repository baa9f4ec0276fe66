//! Pair test: an initiator configured with every combination of several algorithms of each
//! type (what an unrestricted site file yields) sends a short IKE_SA_INIT — one proposal per
//! family with several transforms of each type (RFC 7296 3.3) instead of one proposal per
//! combination — and a responder configured for one suite picks it from inside them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use std::cell::RefCell;
use std::rc::Rc;

use ike::config::{EspProposal, IkeProposal};
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
use ike::v2::Event;
use pair::*;

const ENCRS: [EncrAlg; 4] = [
    EncrAlg::AesGcm16 { key_bits: 256 },
    EncrAlg::AesGcm16 { key_bits: 128 },
    EncrAlg::AesCbc { key_bits: 256 },
    EncrAlg::AesCbc { key_bits: 128 },
];
const INTEGS: [IntegAlg; 3] = [
    IntegAlg::HmacSha256_128,
    IntegAlg::HmacSha384_192,
    IntegAlg::HmacSha1_96,
];
const PRFS: [PrfAlg; 3] = [PrfAlg::HmacSha384, PrfAlg::HmacSha256, PrfAlg::HmacSha1];
const DHS: [DhGroup; 4] = [
    DhGroup::Ecp384,
    DhGroup::Curve25519,
    DhGroup::Modp2048,
    DhGroup::Ecp256,
];

fn all_ike() -> Vec<IkeProposal> {
    let mut v = Vec::new();
    for encr in ENCRS {
        let integs: Vec<Option<IntegAlg>> = if encr.is_aead() {
            vec![None]
        } else {
            INTEGS.iter().copied().map(Some).collect()
        };
        for integ in integs {
            for prf in PRFS {
                for dh in DHS {
                    v.push(IkeProposal {
                        encr,
                        prf,
                        integ,
                        dh,
                    });
                }
            }
        }
    }
    v
}

fn all_esp() -> Vec<EspProposal> {
    let mut v = Vec::new();
    for encr in ENCRS {
        let integs: Vec<Option<IntegAlg>> = if encr.is_aead() {
            vec![None]
        } else {
            INTEGS.iter().copied().map(Some).collect()
        };
        for integ in integs {
            for pfs in DHS {
                v.push(EspProposal {
                    encr,
                    integ,
                    pfs: Some(pfs),
                    esn: false,
                });
            }
        }
    }
    v
}

#[test]
fn unrestricted_initiator_sends_few_proposals_and_the_responder_picks_inside_them() {
    let mut a = config(A, B, cbc128_sha256_modp2048());
    a.ike_proposals = all_ike();
    a.esp_proposals = all_esp();
    assert_eq!(a.ike_proposals.len(), 96);
    // The responder allows only the "common" suite, which sits in the middle of every list.
    let s = cbc128_sha256_modp2048();
    let mut b = config(B, A, s);
    b.esp_proposals[0].pfs = Some(DhGroup::Modp2048);
    let mut p = Pair::new(a, b);
    let first = Rc::new(RefCell::new(None::<usize>));
    let seen = first.clone();
    p.hook = Box::new(move |_, t, _| {
        seen.borrow_mut().get_or_insert(t.bytes.len());
        Verdict::Deliver
    });
    p.initiate();
    assert!(p.established(), "{:?} {:?}", p.ea, p.eb);
    // Two proposals (AEAD, classic) of 4-9 transforms of 8 octets (+ key length attributes):
    // far below one 40-odd octet proposal per combination (96 * 44 > 4000 octets).
    let init_len = first.borrow().unwrap();
    assert!(init_len < 600, "IKE_SA_INIT is {init_len} octets");
    for e in [&p.ea, &p.eb] {
        assert!(e
            .iter()
            .any(|e| matches!(e, Event::IkeSaEstablished { suite, .. }
            if suite.encr == s.ike.encr && suite.prf == s.ike.prf && suite.dh == s.ike.dh
                && suite.integ == s.ike.integ)));
        assert!(e
            .iter()
            .any(|e| matches!(e, Event::ChildSaEstablished { suite, .. }
            if suite.encr == s.esp.encr && suite.integ == s.esp.integ)));
    }
    assert_keys_match(&p);
}
