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

/// The distinct values of `f` over `items`, in order of first appearance (preference order).
fn distinct<T, U: PartialEq>(items: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    let mut out: Vec<U> = Vec::new();
    for i in items {
        let v = f(i);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The configured entries split by family, AEAD and non-AEAD, in order of the family's first
/// appearance. RFC 7296 3.3: combined-mode ciphers MUST offer no integrity algorithm (or only
/// NONE), so an initiator proposing both "must include two proposals": each family gets its own.
fn families<T: Copy>(items: &[T], aead: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    distinct(items, &aead)
        .into_iter()
        .map(|fam| items.iter().filter(|i| aead(i) == fam).copied().collect())
        .collect()
}

/// Number the proposals 1, 2, ... (RFC 7296 3.3.1: the first Proposal Num is one).
fn numbered(mut proposals: Vec<Proposal>) -> SaPayload {
    for (i, p) in proposals.iter_mut().enumerate() {
        p.num = u8::try_from(i + 1).unwrap_or(u8::MAX);
    }
    SaPayload { proposals }
}

/// Transforms of one IKE proposal entry.
fn ike_transforms(p: &IkeProposal) -> Vec<Transform> {
    let mut t = vec![encr_t(p.encr), Transform::prf(PrfId(p.prf.id()))];
    if let (false, Some(i)) = (p.encr.is_aead(), p.integ) {
        t.push(Transform::integ(IntegId(i.id())));
    }
    t.push(Transform::dh(DhId(p.dh.id())));
    t
}

/// The transforms of ONE proposal offering every combination of `fam`'s values, or None when
/// `fam` is not exactly all those combinations (the peer could pick one we did not configure).
fn ike_product(fam: &[IkeProposal]) -> Option<Vec<Transform>> {
    let encrs = distinct(fam, |p| p.encr);
    let prfs = distinct(fam, |p| p.prf);
    let integs = distinct(fam, |p| if p.encr.is_aead() { None } else { p.integ });
    let dhs = distinct(fam, |p| p.dh);
    // All entries carry an INTEG, or none does (AEAD): a mix cannot be one proposal.
    let uniform = integs.iter().all(Option::is_some) || integs == [None];
    let combos = encrs.len() * prfs.len() * integs.len() * dhs.len();
    if !uniform || combos != distinct(fam, |p| *p).len() {
        return None;
    }
    let mut t: Vec<Transform> = encrs.iter().map(|e| encr_t(*e)).collect();
    t.extend(prfs.iter().map(|p| Transform::prf(PrfId(p.id()))));
    t.extend(
        integs
            .iter()
            .flatten()
            .map(|i| Transform::integ(IntegId(i.id()))),
    );
    t.extend(dhs.iter().map(|g| Transform::dh(DhId(g.id()))));
    Some(t)
}

/// The IKE SA offer. Each family (AEAD / non-AEAD) becomes ONE proposal carrying every
/// configured transform of each type (RFC 7296 3.3: the responder picks one of each type)
/// when the configured entries are exactly all combinations of those transforms; else, when
/// the PRF is tied to the integrity algorithm (a site's integrity list names both), one such
/// proposal per (PRF, integrity) pair; otherwise (an explicit list of suites) one proposal per
/// entry, so the peer can never pick a combination we did not configure. `spi` is empty in
/// IKE_SA_INIT and the new SPI (8 octets) in an IKE rekey (RFC 7296 3.3.1).
pub fn ike_offer(props: &[IkeProposal], spi: &[u8]) -> SaPayload {
    let mut proposals = Vec::new();
    for fam in families(props, |p| p.encr.is_aead()) {
        let transforms: Vec<Vec<Transform>> = if let Some(t) = ike_product(&fam) {
            vec![t]
        } else {
            let by_pair: Option<Vec<Vec<Transform>>> = distinct(&fam, |p| (p.prf, p.integ))
                .into_iter()
                .map(|k| {
                    let part: Vec<IkeProposal> = fam
                        .iter()
                        .filter(|p| (p.prf, p.integ) == k)
                        .copied()
                        .collect();
                    ike_product(&part)
                })
                .collect();
            by_pair.unwrap_or_else(|| fam.iter().map(ike_transforms).collect())
        };
        proposals.extend(transforms.into_iter().map(|transforms| Proposal {
            num: 0,
            protocol: ProtocolId::IKE,
            spi: spi.to_vec(),
            transforms,
        }));
    }
    numbered(proposals)
}

fn esn_t(esn: bool) -> Transform {
    Transform::esn(if esn { EsnId::ESN } else { EsnId::NO_ESN })
}

/// Transforms of one ESP proposal entry.
fn esp_transforms(p: &EspProposal, with_dh: bool) -> Vec<Transform> {
    let mut t = vec![encr_t(p.encr)];
    if let (false, Some(i)) = (p.encr.is_aead(), p.integ) {
        t.push(Transform::integ(IntegId(i.id())));
    }
    if let (true, Some(g)) = (with_dh, p.pfs) {
        t.push(Transform::dh(DhId(g.id())));
    }
    t.push(esn_t(p.esn));
    t
}

/// The ESP offer with our inbound SPI, grouped like [`ike_offer`]. `with_dh` adds the PFS
/// groups (CREATE_CHILD_SA only; RFC 7296 1.2: IKE_AUTH SAs carry no KE).
pub fn esp_offer(props: &[EspProposal], spi: u32, with_dh: bool) -> SaPayload {
    // Without KE the PFS group is not offered: entries differing only in it are one.
    let props: Vec<EspProposal> = props
        .iter()
        .map(|p| EspProposal {
            pfs: if with_dh { p.pfs } else { None },
            ..*p
        })
        .collect();
    let mut proposals = Vec::new();
    for fam in families(&props, |p| p.encr.is_aead()) {
        let encrs = distinct(&fam, |p| p.encr);
        let integs = distinct(&fam, |p| if p.encr.is_aead() { None } else { p.integ });
        let pfss = distinct(&fam, |p| p.pfs);
        let esns = distinct(&fam, |p| p.esn);
        let combos = encrs.len() * integs.len() * pfss.len() * esns.len();
        let uniform = (integs.iter().all(Option::is_some) || integs == [None])
            && (pfss.iter().all(Option::is_some) || pfss == [None]);
        let transforms: Vec<Vec<Transform>> = if uniform && combos == distinct(&fam, |p| *p).len() {
            let mut t: Vec<Transform> = encrs.iter().map(|e| encr_t(*e)).collect();
            t.extend(
                integs
                    .iter()
                    .flatten()
                    .map(|i| Transform::integ(IntegId(i.id()))),
            );
            t.extend(pfss.iter().flatten().map(|g| Transform::dh(DhId(g.id()))));
            t.extend(esns.iter().map(|e| esn_t(*e)));
            vec![t]
        } else {
            fam.iter().map(|p| esp_transforms(p, with_dh)).collect()
        };
        proposals.extend(transforms.into_iter().map(|transforms| Proposal {
            num: 0,
            protocol: ProtocolId::ESP,
            spi: spi.to_be_bytes().to_vec(),
            transforms,
        }));
    }
    numbered(proposals)
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
        aggressive: false,
        version: 2,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::crypto::{IntegAlg, PrfAlg};

    const CBC128: EncrAlg = EncrAlg::AesCbc { key_bits: 128 };
    const CBC256: EncrAlg = EncrAlg::AesCbc { key_bits: 256 };
    const GCM128: EncrAlg = EncrAlg::AesGcm16 { key_bits: 128 };
    const GCM256: EncrAlg = EncrAlg::AesGcm16 { key_bits: 256 };

    /// Every combination, in the order a site's option lists produce them.
    fn ike_product(encrs: &[EncrAlg], prfs: &[PrfAlg], dhs: &[DhGroup]) -> Vec<IkeProposal> {
        let mut v = Vec::new();
        for &encr in encrs {
            for &prf in prfs {
                for &dh in dhs {
                    let integ = (!encr.is_aead()).then_some(IntegAlg::HmacSha256_128);
                    v.push(IkeProposal {
                        encr,
                        prf,
                        integ,
                        dh,
                    });
                }
            }
        }
        v
    }

    fn ids(p: &Proposal, ty: TransformType) -> Vec<u16> {
        p.transforms_of(ty).map(|t| t.id).collect()
    }

    #[test]
    fn a_full_product_is_one_proposal_per_family() {
        let encrs = [GCM256, CBC128, GCM128, CBC256];
        let prfs = [PrfAlg::HmacSha384, PrfAlg::HmacSha256];
        let dhs = [DhGroup::Ecp384, DhGroup::Modp2048, DhGroup::Curve25519];
        let props = ike_product(&encrs, &prfs, &dhs);
        assert_eq!(props.len(), 24);
        let sa = ike_offer(&props, &[]);
        // RFC 7296 3.3: AEAD first (the first configured entry is AEAD), then the rest.
        assert_eq!(sa.proposals.len(), 2);
        let (aead, classic) = (&sa.proposals[0], &sa.proposals[1]);
        assert_eq!((aead.num, classic.num), (1, 2));
        let keys = |p: &Proposal| -> Vec<Option<u16>> {
            p.transforms_of(TransformType::ENCR)
                .map(|t| t.key_length())
                .collect()
        };
        assert_eq!(ids(aead, TransformType::ENCR), vec![20, 20]);
        assert_eq!(keys(aead), vec![Some(256), Some(128)]);
        assert!(ids(aead, TransformType::INTEG).is_empty());
        assert_eq!(ids(classic, TransformType::ENCR), vec![12, 12]);
        assert_eq!(keys(classic), vec![Some(128), Some(256)]);
        assert_eq!(ids(classic, TransformType::INTEG), vec![12]);
        for p in [aead, classic] {
            assert_eq!(ids(p, TransformType::PRF), vec![6, 5]);
            assert_eq!(ids(p, TransformType::DH), vec![20, 14, 31]);
        }
        // Every configured combination is still acceptable in the reply.
        for l in &props {
            let reply = ike_offer(std::slice::from_ref(l), &[]);
            assert_eq!(accept_ike(&reply, &props).unwrap().0, *l);
        }
    }

    #[test]
    fn prf_tied_to_integrity_gives_one_proposal_per_pair() {
        // What a site's lists yield: the PRF follows the integrity algorithm.
        let mut props = Vec::new();
        for encr in [GCM256, CBC256, CBC128] {
            for (integ, prf) in [
                (IntegAlg::HmacSha384_192, PrfAlg::HmacSha384),
                (IntegAlg::HmacSha256_128, PrfAlg::HmacSha256),
            ] {
                for dh in [DhGroup::Ecp384, DhGroup::Modp2048] {
                    let integ = (!encr.is_aead()).then_some(integ);
                    props.push(IkeProposal {
                        encr,
                        prf,
                        integ,
                        dh,
                    });
                }
            }
        }
        let sa = ike_offer(&props, &[]);
        // AEAD: one proposal (no INTEG, both PRFs); non-AEAD: one per (PRF, INTEG) pair.
        assert_eq!(sa.proposals.len(), 3);
        assert_eq!(ids(&sa.proposals[0], TransformType::PRF), vec![6, 5]);
        for (p, prf, integ) in [(&sa.proposals[1], 6, 13), (&sa.proposals[2], 5, 12)] {
            assert_eq!(ids(p, TransformType::ENCR), vec![12, 12]);
            assert_eq!(ids(p, TransformType::PRF), vec![prf]);
            assert_eq!(ids(p, TransformType::INTEG), vec![integ]);
            assert_eq!(ids(p, TransformType::DH), vec![20, 14]);
        }
        for l in &props {
            let reply = ike_offer(std::slice::from_ref(l), &[]);
            assert_eq!(accept_ike(&reply, &props).unwrap().0, *l);
        }
    }

    #[test]
    fn an_explicit_list_that_is_not_a_product_stays_one_proposal_per_entry() {
        let a = IkeProposal {
            encr: CBC128,
            prf: PrfAlg::HmacSha1,
            integ: Some(IntegAlg::HmacSha1_96),
            dh: DhGroup::Modp2048,
        };
        let b = IkeProposal {
            encr: CBC256,
            prf: PrfAlg::HmacSha256,
            integ: Some(IntegAlg::HmacSha256_128),
            dh: DhGroup::Ecp256,
        };
        // Grouping would also offer aes128-sha256-ecp256, which was never configured.
        let sa = ike_offer(&[a, b], &[]);
        assert_eq!(sa.proposals.len(), 2);
        assert_eq!(sa.proposals[0].transforms.len(), 4);
        assert_eq!(
            super::super::suite_name::describe(&sa),
            "aes128-sha1-prfsha1-modp2048, aes256-sha256-prfsha256-ecp256"
        );
    }

    #[test]
    fn responder_picks_inside_a_multi_transform_proposal_by_local_order() {
        let props = ike_product(
            &[CBC128, CBC256, GCM128],
            &[PrfAlg::HmacSha256, PrfAlg::HmacSha384],
            &[DhGroup::Modp2048, DhGroup::Ecp384],
        );
        let offer = ike_offer(&props, &[]);
        let local = [
            IkeProposal {
                encr: EncrAlg::AesGcm16 { key_bits: 192 },
                prf: PrfAlg::HmacSha512,
                integ: None,
                dh: DhGroup::Ecp256,
            },
            IkeProposal {
                encr: CBC256,
                prf: PrfAlg::HmacSha384,
                integ: Some(IntegAlg::HmacSha256_128),
                dh: DhGroup::Ecp384,
            },
            props[0],
        ];
        let (chosen, reply, _) = choose_ike(&offer, &local, &[]).unwrap();
        assert_eq!(chosen, local[1]);
        // One transform of each type, under the initiator's proposal number (RFC 7296 3.3.1).
        let [p] = reply.proposals.as_slice() else {
            panic!()
        };
        assert_eq!(p.num, 1);
        assert_eq!(p.transforms.len(), 4);
        assert_eq!(accept_ike(&reply, &props).unwrap().0, local[1]);
    }

    #[test]
    fn esp_offers_group_too_and_drop_pfs_without_ke() {
        let mut props = Vec::new();
        for encr in [CBC128, CBC256] {
            for integ in [IntegAlg::HmacSha256_128, IntegAlg::HmacSha1_96] {
                for pfs in [DhGroup::Modp2048, DhGroup::Ecp256] {
                    props.push(EspProposal {
                        encr,
                        integ: Some(integ),
                        pfs: Some(pfs),
                        esn: false,
                    });
                }
            }
        }
        props.push(EspProposal {
            encr: GCM128,
            integ: None,
            pfs: Some(DhGroup::Modp2048),
            esn: false,
        });
        props.push(EspProposal {
            encr: GCM128,
            integ: None,
            pfs: Some(DhGroup::Ecp256),
            esn: false,
        });
        let with_ke = esp_offer(&props, 0xc000_0100, true);
        assert_eq!(with_ke.proposals.len(), 2);
        let p = &with_ke.proposals[0];
        assert_eq!(p.spi, 0xc000_0100u32.to_be_bytes().to_vec());
        assert_eq!(ids(p, TransformType::INTEG), vec![12, 2]);
        assert_eq!(ids(p, TransformType::DH), vec![14, 19]);
        assert_eq!(ids(p, TransformType::ESN), vec![0]);
        assert_eq!(ids(&with_ke.proposals[1], TransformType::DH), vec![14, 19]);
        // IKE_AUTH (RFC 7296 1.2): no D-H transform at all.
        let no_ke = esp_offer(&props, 1, false);
        assert_eq!(no_ke.proposals.len(), 2);
        assert!(no_ke
            .proposals
            .iter()
            .all(|p| ids(p, TransformType::DH).is_empty()));
        // The responder (same list, reversed preference) picks one of each type.
        let mut local = props.clone();
        local.reverse();
        let (chosen, spi, reply) = choose_esp(&with_ke, &local, 7, true).unwrap();
        assert_eq!((chosen, spi), (local[0], 0xc000_0100));
        assert_eq!(reply.proposals[0].num, 2);
        assert_eq!(accept_esp(&reply, &props, true).unwrap(), (local[0], 7));
    }

    #[test]
    fn mixed_pfs_falls_back_to_one_proposal_per_entry() {
        let a = EspProposal {
            encr: GCM128,
            integ: None,
            pfs: Some(DhGroup::Ecp256),
            esn: false,
        };
        let b = EspProposal { pfs: None, ..a };
        assert_eq!(esp_offer(&[a, b], 1, true).proposals.len(), 2);
        // Without KE the two entries are the same offer.
        assert_eq!(esp_offer(&[a, b], 1, false).proposals.len(), 1);
    }
}
