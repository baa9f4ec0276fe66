//! SA payload <-> configuration: building offers from configured proposals, choosing one as
//! responder (deterministically by LOCAL preference order), and checking the responder's
//! choice as initiator (RFC 7296 2.7, 3.3).
//!
//! Pure functions over wire values and config; never touches keys or state.

use super::types::{ChildSuiteInfo, IkeSuiteInfo};
use crate::config::{EspProposal, IkeProposal};
use crate::crypto::{DhGroup, EncrAlg};
use crate::wire::v2::{
    DhId, EncrId, EsnId, IntegId, PrfId, Proposal, ProtocolId, SaPayload, Transform, TransformType,
};

fn encr_t(e: EncrAlg) -> Transform {
    Transform::encr(EncrId(e.id()), e.key_bits_attr())
}

/// The IKE SA offer: one proposal per configured entry, numbered from 1. `spi` is empty in
/// IKE_SA_INIT and the new SPI (8 octets) in an IKE rekey (RFC 7296 3.3.1).
pub fn ike_offer(props: &[IkeProposal], spi: &[u8]) -> SaPayload {
    let proposals = props
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut t = vec![encr_t(p.encr), Transform::prf(PrfId(p.prf.id()))];
            if let (false, Some(i)) = (p.encr.is_aead(), p.integ) {
                t.push(Transform::integ(IntegId(i.id())));
            }
            t.push(Transform::dh(DhId(p.dh.id())));
            Proposal {
                num: u8::try_from(i + 1).unwrap_or(u8::MAX),
                protocol: ProtocolId::IKE,
                spi: spi.to_vec(),
                transforms: t,
            }
        })
        .collect();
    SaPayload { proposals }
}

/// The ESP offer with our inbound SPI. `with_dh` adds the PFS groups (CREATE_CHILD_SA only;
/// RFC 7296 1.2: IKE_AUTH SAs carry no KE).
pub fn esp_offer(props: &[EspProposal], spi: u32, with_dh: bool) -> SaPayload {
    let proposals = props
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut t = vec![encr_t(p.encr)];
            if let (false, Some(i)) = (p.encr.is_aead(), p.integ) {
                t.push(Transform::integ(IntegId(i.id())));
            }
            if let (true, Some(g)) = (with_dh, p.pfs) {
                t.push(Transform::dh(DhId(g.id())));
            }
            t.push(Transform::esn(if p.esn {
                EsnId::ESN
            } else {
                EsnId::NO_ESN
            }));
            Proposal {
                num: u8::try_from(i + 1).unwrap_or(u8::MAX),
                protocol: ProtocolId::ESP,
                spi: spi.to_be_bytes().to_vec(),
                transforms: t,
            }
        })
        .collect();
    SaPayload { proposals }
}

fn has(p: &Proposal, t: &Transform) -> bool {
    p.transforms_of(t.ty)
        .any(|x| x.id == t.id && x.key_length() == t.key_length())
}

fn ike_matches(p: &Proposal, l: &IkeProposal) -> bool {
    let integ_ok = match (l.encr.is_aead(), l.integ) {
        (false, Some(i)) => has(p, &Transform::integ(IntegId(i.id()))),
        // RFC 5282 8: an AEAD proposal carries no INTEG transform, or only NONE.
        _ => p.transforms_of(TransformType::INTEG).all(|t| t.id == 0),
    };
    p.protocol == ProtocolId::IKE
        && has(p, &encr_t(l.encr))
        && has(p, &Transform::prf(PrfId(l.prf.id())))
        && has(p, &Transform::dh(DhId(l.dh.id())))
        && integ_ok
}

fn esp_matches(p: &Proposal, l: &EspProposal, with_dh: bool) -> bool {
    let integ_ok = match (l.encr.is_aead(), l.integ) {
        (false, Some(i)) => has(p, &Transform::integ(IntegId(i.id()))),
        _ => p.transforms_of(TransformType::INTEG).all(|t| t.id == 0),
    };
    let dh_ok = match (with_dh, l.pfs) {
        (true, Some(g)) => has(p, &Transform::dh(DhId(g.id()))),
        (true, None) => p.transforms_of(TransformType::DH).all(|t| t.id == 0),
        // RFC 7296 1.2 (IKE_AUTH): D-H transforms in the SA are ignored.
        (false, _) => true,
    };
    let esn = Transform::esn(if l.esn { EsnId::ESN } else { EsnId::NO_ESN });
    p.protocol == ProtocolId::ESP
        && p.spi.len() == 4
        && has(p, &encr_t(l.encr))
        && has(p, &esn)
        && integ_ok
        && dh_ok
}

/// Responder choice for an IKE SA: the first LOCAL proposal any received proposal contains.
/// Returns the chosen config, the single-proposal SA payload and the peer's SPI to answer with (RFC 7296
/// 3.3.1: the accepted proposal keeps the initiator's Proposal Num).
pub fn choose_ike(
    offer: &SaPayload,
    local: &[IkeProposal],
    spi: &[u8],
) -> Option<(IkeProposal, SaPayload, Vec<u8>)> {
    for l in local {
        if let Some(p) = offer.proposals.iter().find(|p| ike_matches(p, l)) {
            let mut reply = ike_offer(std::slice::from_ref(l), spi);
            if let Some(r) = reply.proposals.first_mut() {
                r.num = p.num;
            }
            return Some((*l, reply, p.spi.clone()));
        }
    }
    None
}

/// Responder choice for ESP; returns the config, the peer's SPI and the reply SA payload.
pub fn choose_esp(
    offer: &SaPayload,
    local: &[EspProposal],
    our_spi: u32,
    with_dh: bool,
) -> Option<(EspProposal, u32, SaPayload)> {
    for l in local {
        if let Some(p) = offer.proposals.iter().find(|p| esp_matches(p, l, with_dh)) {
            let peer_spi = u32::from_be_bytes(p.spi.as_slice().try_into().ok()?);
            let mut l = *l;
            if !with_dh {
                l.pfs = None;
            }
            let mut reply = esp_offer(std::slice::from_ref(&l), our_spi, with_dh);
            if let Some(r) = reply.proposals.first_mut() {
                r.num = p.num;
            }
            return Some((l, peer_spi, reply));
        }
    }
    None
}

/// Initiator check of the responder's IKE SA choice: exactly one proposal that matches one we
/// offered (RFC 7296 2.7: the responder MUST choose a single suite).
pub fn accept_ike(reply: &SaPayload, offered: &[IkeProposal]) -> Option<(IkeProposal, Vec<u8>)> {
    let [p] = reply.proposals.as_slice() else {
        return None;
    };
    let l = offered.iter().find(|l| ike_matches(p, l))?;
    // Exactly the transforms of `l`: no extra types.
    let expect = ike_offer(std::slice::from_ref(l), &p.spi);
    let n = expect.proposals.first().map_or(0, |e| e.transforms.len());
    (p.transforms.len() == n).then(|| (*l, p.spi.clone()))
}

/// Initiator check of the responder's ESP choice; returns config and the peer's SPI.
pub fn accept_esp(
    reply: &SaPayload,
    offered: &[EspProposal],
    with_dh: bool,
) -> Option<(EspProposal, u32)> {
    let [p] = reply.proposals.as_slice() else {
        return None;
    };
    let mut l = *offered.iter().find(|l| esp_matches(p, l, with_dh))?;
    if !with_dh {
        l.pfs = None;
    }
    let spi = u32::from_be_bytes(p.spi.as_slice().try_into().ok()?);
    Some((l, spi))
}

/// Public suite description of a chosen IKE proposal.
pub fn ike_info(p: &IkeProposal) -> IkeSuiteInfo {
    IkeSuiteInfo {
        encr: p.encr,
        prf: p.prf,
        integ: if p.encr.is_aead() { None } else { p.integ },
        dh: p.dh,
    }
}

/// Public suite description of a chosen ESP proposal.
pub fn esp_info(p: &EspProposal) -> ChildSuiteInfo {
    ChildSuiteInfo {
        encr: p.encr,
        integ: if p.encr.is_aead() { None } else { p.integ },
        pfs: p.pfs,
        esn: p.esn,
    }
}

/// Plain-words description of an offer, for NegotiationFailed reasons
/// (`aes128-sha256-prfsha256-modp2048, ...`).
pub fn describe(offer: &SaPayload) -> String {
    super::suite_name::describe(offer)
}

/// What we offer for the IKE SA, in the same words.
pub fn describe_ike(props: &[IkeProposal]) -> String {
    describe(&ike_offer(props, &[]))
}

/// What we offer (or accept) for ESP; `with_dh` includes the PFS groups (CREATE_CHILD_SA).
pub fn describe_esp(props: &[EspProposal], with_dh: bool) -> String {
    describe(&esp_offer(props, 0, with_dh))
}

/// The D-H group an IKE proposal list starts with (what the initiator guesses in KE).
pub fn first_group(props: &[IkeProposal]) -> Option<DhGroup> {
    props.first().map(|p| p.dh)
}
