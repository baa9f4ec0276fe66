//! IKEv1 SA payloads: the phase 1 offer and choice (RFC 2409 5 and appendix A, one proposal
//! of KEY_IKE transforms) and the quick mode ESP offer and choice (RFC 2407 4.4.4 / 4.5, one
//! ESP proposal of alternative transforms), with lifetime negotiation (RFC 2407 4.5.4).
//!
//! Pure functions from configuration and received payloads to choices; never sends, never
//! derives keys. Every refusal is a plain-words reason naming what was offered.

use crate::config::{ConnectionConfig, EspProposal, IkeProposal};
use crate::crypto::sign::KeyKind;
use crate::crypto::{ids_v1, DhGroup, EncrAlg, IntegAlg, PrfAlg};
use crate::wire::v1::{
    situation, Attribute, AuthMethod, Doi, EncapsulationMode, EncryptionAlgorithm, LifeType,
    Phase1Attr, Phase2Attr, ProposalRepr, ProtocolId, SaRepr, TransformId, TransformRepr,
};
use std::time::Duration;

/// The negotiated phase 1 suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct P1Suite {
    pub encr: EncrAlg,
    /// HMAC of the negotiated hash (RFC 2409 5: no PRF attribute => HMAC of the hash).
    pub prf: PrfAlg,
    pub dh: DhGroup,
    pub lifetime: Duration,
    /// The phase 1 Authentication Method both sides use (pre-shared key or a signature).
    pub auth: AuthMethod,
}

/// The negotiated ESP transform of a quick mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct P2Choice {
    pub prop: EspProposal,
    /// The lifetime both sides use (the shorter of the offer and ours).
    pub lifetime: Duration,
    /// The volume lifetime in kilobytes both sides use, when the peer negotiated one (RFC
    /// 2407 4.5: SA Life Type 2); we never offer one ourselves.
    pub kilobytes: Option<u64>,
    /// UDP-encapsulated tunnel mode (RFC 3947 5.1).
    pub encap: bool,
}

/// IKEv1 Hash Algorithm number of a PRF (RFC 2409 appendix A, RFC 4868 2.4).
pub fn hash_id(prf: PrfAlg) -> u16 {
    match prf {
        PrfAlg::HmacSha1 => 2,
        PrfAlg::HmacSha256 => 4,
        PrfAlg::HmacSha384 => 5,
        PrfAlg::HmacSha512 => 6,
    }
}

/// IPsec DOI Authentication Algorithm of an ESP integrity transform (RFC 2407 4.5, RFC 4868).
fn auth_id(integ: IntegAlg) -> u16 {
    match integ {
        IntegAlg::HmacSha1_96 => 2,
        IntegAlg::HmacSha256_128 => 5,
        IntegAlg::HmacSha384_192 => 6,
        IntegAlg::HmacSha512_256 => 7,
    }
}

/// A lifetime attribute value: basic when it fits 16 bits, else a 4-octet variable one.
fn duration_attr(ty: u16, secs: u64) -> Attribute {
    match u16::try_from(secs) {
        Ok(v) => Attribute::basic(ty, v),
        Err(_) => Attribute::variable_u32(ty, u32::try_from(secs).unwrap_or(u32::MAX)),
    }
}

/// Whether a phase 1 proposal can be expressed in IKEv1 (AES-CBC only: RFC 5282 defines
/// combined-mode ciphers for IKEv2 alone).
pub fn p1_supported(p: &IkeProposal) -> bool {
    matches!(p.encr, EncrAlg::AesCbc { .. })
}

fn p1_transform(
    number: u8,
    p: &IkeProposal,
    lifetime: Duration,
    auth: AuthMethod,
) -> TransformRepr {
    let mut attributes = vec![
        Attribute::basic(
            Phase1Attr::ENCRYPTION_ALGORITHM.0,
            EncryptionAlgorithm::AES_CBC.0,
        ),
        Attribute::basic(Phase1Attr::HASH_ALGORITHM.0, hash_id(p.prf)),
        Attribute::basic(Phase1Attr::AUTHENTICATION_METHOD.0, auth.0),
        Attribute::basic(Phase1Attr::GROUP_DESCRIPTION.0, p.dh.id()),
        Attribute::basic(Phase1Attr::LIFE_TYPE.0, LifeType::SECONDS.0),
        duration_attr(Phase1Attr::LIFE_DURATION.0, lifetime.as_secs()),
    ];
    if let Some(bits) = p.encr.key_bits_attr() {
        attributes.push(Attribute::basic(Phase1Attr::KEY_LENGTH.0, bits));
    }
    TransformRepr {
        number,
        transform_id: TransformId::KEY_IKE,
        attributes,
    }
}

/// The phase 1 Authentication Method of a configuration: pre-shared key without a
/// certificate, else the signature method of our key. RFC 2409 appendix A: RSA signatures = 3;
/// RFC 4754 4: ECDSA-256 (SHA-256, P-256) = 9, ECDSA-384 (SHA-384, P-384) = 10.
pub fn p1_auth_method(cfg: &ConnectionConfig) -> AuthMethod {
    match cfg.cert.as_ref().map(|c| c.key.kind()) {
        None => AuthMethod::PRE_SHARED_KEY,
        Some(KeyKind::Rsa) => AuthMethod::RSA_SIGNATURES,
        Some(KeyKind::EcP256) => AuthMethod::ECDSA_SHA256_P256,
        Some(KeyKind::EcP384) => AuthMethod::ECDSA_SHA384_P384,
    }
}

/// Whether `m` is one of the signature methods (RFC 2409 5.1, RFC 4754).
pub fn is_signature_method(m: AuthMethod) -> bool {
    [
        AuthMethod::RSA_SIGNATURES,
        AuthMethod::ECDSA_SHA256_P256,
        AuthMethod::ECDSA_SHA384_P384,
    ]
    .contains(&m)
}

/// Our phase 1 offer: one ISAKMP proposal, one KEY_IKE transform per configured proposal
/// that IKEv1 can carry, in preference order, all with our authentication method.
pub fn p1_offer(cfg: &ConnectionConfig) -> SaRepr {
    p1_offer_where(cfg, |_| true)
}

/// Our aggressive mode offer and its group. RFC 2409 5: in aggressive mode the KE payload
/// travels with the offer, so the group cannot be negotiated: every transform carries the
/// group of our first IKEv1-capable proposal, and proposals of other groups are left out.
pub fn p1_offer_aggressive(cfg: &ConnectionConfig) -> Option<(SaRepr, DhGroup)> {
    let dh = cfg.ike_proposals.iter().find(|p| p1_supported(p))?.dh;
    Some((p1_offer_where(cfg, |p| p.dh == dh), dh))
}

fn p1_offer_where(cfg: &ConnectionConfig, keep: impl Fn(&IkeProposal) -> bool) -> SaRepr {
    let auth = p1_auth_method(cfg);
    let transforms = cfg
        .ike_proposals
        .iter()
        .filter(|p| p1_supported(p) && keep(p))
        .zip(1u8..)
        .map(|(p, n)| p1_transform(n, p, cfg.ike_lifetime, auth))
        .collect();
    SaRepr {
        doi: Doi::IPSEC,
        situation: situation::IDENTITY_ONLY,
        proposals: vec![ProposalRepr {
            number: 1,
            protocol_id: ProtocolId::ISAKMP,
            spi: Vec::new(),
            transforms,
        }],
    }
}

/// Reads the lifetimes from (type, duration) attribute pairs: (seconds, kilobytes), each if
/// present. RFC 2407 4.5 / RFC 2409 appendix A: a Life Duration follows its Life Type. Phase
/// 2 kilobytes become the kernel SA's byte limits; a phase 1 volume is not counted.
fn lifetimes(
    attrs: &[Attribute],
    type_attr: u16,
    duration_attr: u16,
) -> Option<(Option<u64>, Option<u64>)> {
    let mut secs = None;
    let mut kb = None;
    let mut current: Option<u16> = None;
    for a in attrs {
        if a.ty == type_attr {
            current = Some(u16::try_from(a.as_u64()?).ok()?);
        } else if a.ty == duration_attr {
            let v = a.as_u64()?;
            match current.take()? {
                t if t == LifeType::SECONDS.0 => secs = Some(v),
                t if t == LifeType::KILOBYTES.0 => kb = Some(v),
                _ => return None,
            }
        }
    }
    Some((secs, kb))
}

/// Parses one KEY_IKE transform into a suite (None if it uses anything we do not do).
fn p1_parse(t: &TransformRepr, want_auth: AuthMethod) -> Option<(IkeProposal, Option<u64>)> {
    if t.transform_id != TransformId::KEY_IKE {
        return None;
    }
    let known = [
        Phase1Attr::ENCRYPTION_ALGORITHM.0,
        Phase1Attr::HASH_ALGORITHM.0,
        Phase1Attr::AUTHENTICATION_METHOD.0,
        Phase1Attr::GROUP_DESCRIPTION.0,
        Phase1Attr::LIFE_TYPE.0,
        Phase1Attr::LIFE_DURATION.0,
        Phase1Attr::KEY_LENGTH.0,
    ];
    // RFC 2409 appendix A: an attribute we do not understand makes the transform
    // unacceptable (a PRF attribute included: none is defined, HMAC of the hash is used).
    if t.attributes.iter().any(|a| !known.contains(&a.ty)) {
        return None;
    }
    let get = |ty: Phase1Attr| {
        t.attr(ty.0)
            .and_then(Attribute::as_u64)
            .and_then(|v| u16::try_from(v).ok())
    };
    let key_bits = get(Phase1Attr::KEY_LENGTH);
    let encr = ids_v1::phase1_encr(get(Phase1Attr::ENCRYPTION_ALGORITHM)?, key_bits)?;
    let prf = PrfAlg::from_ikev1_hash(get(Phase1Attr::HASH_ALGORITHM)?)?;
    if get(Phase1Attr::AUTHENTICATION_METHOD)? != want_auth.0 {
        return None;
    }
    let dh = DhGroup::from_id(get(Phase1Attr::GROUP_DESCRIPTION)?)?;
    let (secs, _kb) = lifetimes(
        &t.attributes,
        Phase1Attr::LIFE_TYPE.0,
        Phase1Attr::LIFE_DURATION.0,
    )?;
    Some((
        IkeProposal {
            encr,
            prf,
            integ: None,
            dh,
        },
        secs,
    ))
}

fn same_p1(a: &IkeProposal, b: &IkeProposal) -> bool {
    a.encr == b.encr && a.prf == b.prf && a.dh == b.dh
}

fn describe_p1(t: &TransformRepr) -> String {
    let get = |ty: Phase1Attr| t.attr(ty.0).and_then(Attribute::as_u64).unwrap_or(0);
    format!(
        "encr {} key {} hash {} auth {} group {}",
        get(Phase1Attr::ENCRYPTION_ALGORITHM),
        get(Phase1Attr::KEY_LENGTH),
        get(Phase1Attr::HASH_ALGORITHM),
        get(Phase1Attr::AUTHENTICATION_METHOD),
        get(Phase1Attr::GROUP_DESCRIPTION)
    )
}

/// Responder: the first of OUR proposals (preference order) that the peer offered. Returns
/// the suite and the SA payload to answer with (the peer's transform, unchanged, RFC 2409 5:
/// the responder returns the one transform it accepted).
pub fn p1_choose(cfg: &ConnectionConfig, offer: &SaRepr) -> Result<(P1Suite, SaRepr), String> {
    if offer.doi != Doi::IPSEC || offer.situation != situation::IDENTITY_ONLY {
        return Err("phase 1 SA payload is not IPsec DOI / SIT_IDENTITY_ONLY".into());
    }
    let prop = match offer.proposals.as_slice() {
        [p] if p.protocol_id == ProtocolId::ISAKMP => p,
        _ => return Err("phase 1 SA payload must hold exactly one ISAKMP proposal".into()),
    };
    // The responder accepts only the authentication method matching its own configuration
    // (its pre-shared key or the type of its certificate's key).
    let auth = p1_auth_method(cfg);
    let parsed: Vec<(&TransformRepr, IkeProposal, Option<u64>)> = prop
        .transforms
        .iter()
        .filter_map(|t| p1_parse(t, auth).map(|(p, l)| (t, p, l)))
        .collect();
    for ours in cfg.ike_proposals.iter().filter(|p| p1_supported(p)) {
        if let Some((t, p, life)) = parsed.iter().find(|(_, p, _)| same_p1(p, ours)) {
            let theirs = life.map_or(cfg.ike_lifetime, Duration::from_secs);
            let reply = SaRepr {
                doi: Doi::IPSEC,
                situation: situation::IDENTITY_ONLY,
                proposals: vec![ProposalRepr {
                    number: prop.number,
                    protocol_id: ProtocolId::ISAKMP,
                    spi: Vec::new(),
                    transforms: vec![(*t).clone()],
                }],
            };
            return Ok((
                P1Suite {
                    encr: p.encr,
                    prf: p.prf,
                    dh: p.dh,
                    lifetime: theirs.min(cfg.ike_lifetime),
                    auth,
                },
                reply,
            ));
        }
    }
    let offered: Vec<String> = prop.transforms.iter().map(describe_p1).collect();
    Err(format!(
        "no phase 1 proposal chosen: the peer offered [{}] (IKEv1 numbers), none matches ours \
         (we authenticate with {} = auth {})",
        offered.join("; "),
        auth_words(auth),
        auth.0
    ))
}

/// Initiator: the responder's answer must be exactly one of the transforms we offered.
pub fn p1_accept(cfg: &ConnectionConfig, reply: &SaRepr) -> Result<P1Suite, String> {
    let t = match reply.proposals.as_slice() {
        [p] if p.protocol_id == ProtocolId::ISAKMP && p.transforms.len() == 1 => {
            p.transforms.first()
        }
        _ => None,
    }
    .ok_or("phase 1 reply must hold one proposal with one transform")?;
    let auth = p1_auth_method(cfg);
    let (p, life) = p1_parse(t, auth).ok_or_else(|| {
        format!(
            "phase 1 reply chose a transform we cannot use ({})",
            describe_p1(t)
        )
    })?;
    if !cfg
        .ike_proposals
        .iter()
        .any(|o| p1_supported(o) && same_p1(o, &p))
    {
        return Err(format!(
            "phase 1 reply chose a transform we did not offer ({})",
            describe_p1(t)
        ));
    }
    Ok(P1Suite {
        encr: p.encr,
        prf: p.prf,
        dh: p.dh,
        lifetime: life
            .map_or(cfg.ike_lifetime, Duration::from_secs)
            .min(cfg.ike_lifetime),
        auth,
    })
}

fn auth_words(m: AuthMethod) -> &'static str {
    match m {
        AuthMethod::PRE_SHARED_KEY => "a pre-shared key",
        AuthMethod::RSA_SIGNATURES => "RSA signatures",
        AuthMethod::ECDSA_SHA256_P256 => "ECDSA P-256 signatures",
        AuthMethod::ECDSA_SHA384_P384 => "ECDSA P-384 signatures",
        _ => "another method",
    }
}

/// ESP transform id of an encryption algorithm (RFC 2407 4.4.4: 12 = ESP_AES, RFC 4106 8.1:
/// 20 = ESP_AES-GCM with a 16-octet ICV).
fn esp_id(encr: EncrAlg) -> Option<u8> {
    match encr {
        EncrAlg::AesCbc { .. } => Some(12),
        EncrAlg::AesGcm16 { .. } => Some(20),
        EncrAlg::ChaCha20Poly1305 => None,
    }
}

fn encap_mode(nat: bool) -> EncapsulationMode {
    // RFC 3947 5.1: UDP-Encapsulated-Tunnel when a NAT is between the peers.
    if nat {
        EncapsulationMode::UDP_ENCAPSULATED_TUNNEL
    } else {
        EncapsulationMode::TUNNEL
    }
}

fn p2_transform(
    number: u8,
    p: &EspProposal,
    lifetime: Duration,
    kilobytes: Option<u64>,
    nat: bool,
) -> Option<TransformRepr> {
    let mut attributes = vec![
        Attribute::basic(Phase2Attr::SA_LIFE_TYPE.0, LifeType::SECONDS.0),
        duration_attr(Phase2Attr::SA_LIFE_DURATION.0, lifetime.as_secs()),
    ];
    if let Some(kb) = kilobytes {
        // RFC 2407 4.5: a second Life Type / Life Duration pair for the volume.
        attributes.push(Attribute::basic(
            Phase2Attr::SA_LIFE_TYPE.0,
            LifeType::KILOBYTES.0,
        ));
        attributes.push(duration_attr(Phase2Attr::SA_LIFE_DURATION.0, kb));
    }
    attributes.push(Attribute::basic(
        Phase2Attr::ENCAPSULATION_MODE.0,
        encap_mode(nat).0,
    ));
    if let Some(g) = p.pfs {
        attributes.push(Attribute::basic(Phase2Attr::GROUP_DESCRIPTION.0, g.id()));
    }
    if !p.encr.is_aead() {
        attributes.push(Attribute::basic(
            Phase2Attr::AUTHENTICATION_ALGORITHM.0,
            auth_id(p.integ?),
        ));
    }
    if let Some(bits) = p.encr.key_bits_attr() {
        attributes.push(Attribute::basic(Phase2Attr::KEY_LENGTH.0, bits));
    }
    if p.esn {
        attributes.push(Attribute::basic(Phase2Attr::EXTENDED_SEQUENCE_NUMBER.0, 1));
    }
    Some(TransformRepr {
        number,
        transform_id: TransformId(esp_id(p.encr)?),
        attributes,
    })
}

/// Our quick mode offer: one ESP proposal with our inbound SPI and one transform per
/// configured ESP proposal (alternatives, RFC 2408 4.2), in preference order. `kilobytes` is
/// the volume lifetime of the pair a rekey replaces (one the peer negotiated before): we
/// offer it again so the new pair keeps it.
pub fn p2_offer(cfg: &ConnectionConfig, spi_in: u32, nat: bool, kilobytes: Option<u64>) -> SaRepr {
    let transforms = cfg
        .esp_proposals
        .iter()
        .filter_map(|p| Some((p, esp_id(p.encr)?)))
        .zip(1u8..)
        .filter_map(|((p, _), n)| p2_transform(n, p, cfg.child_lifetime, kilobytes, nat))
        .collect();
    SaRepr {
        doi: Doi::IPSEC,
        situation: situation::IDENTITY_ONLY,
        proposals: vec![ProposalRepr {
            number: 1,
            protocol_id: ProtocolId::ESP,
            spi: spi_in.to_be_bytes().to_vec(),
            transforms,
        }],
    }
}

/// What an ESP transform says: the proposal, its (seconds, kilobytes) lifetimes and whether
/// it asks for UDP encapsulation.
type P2Parsed = (EspProposal, (Option<u64>, Option<u64>), bool);

/// Parses an ESP transform (None if it uses anything we do not do).
fn p2_parse(t: &TransformRepr) -> Option<P2Parsed> {
    let known = [
        Phase2Attr::SA_LIFE_TYPE.0,
        Phase2Attr::SA_LIFE_DURATION.0,
        Phase2Attr::GROUP_DESCRIPTION.0,
        Phase2Attr::ENCAPSULATION_MODE.0,
        Phase2Attr::AUTHENTICATION_ALGORITHM.0,
        Phase2Attr::KEY_LENGTH.0,
        Phase2Attr::EXTENDED_SEQUENCE_NUMBER.0,
    ];
    if t.attributes.iter().any(|a| !known.contains(&a.ty)) {
        return None;
    }
    let get = |ty: Phase2Attr| {
        t.attr(ty.0)
            .and_then(Attribute::as_u64)
            .and_then(|v| u16::try_from(v).ok())
    };
    let encr = ids_v1::esp_transform(u16::from(t.transform_id.0), get(Phase2Attr::KEY_LENGTH))?;
    let integ = match get(Phase2Attr::AUTHENTICATION_ALGORITHM) {
        Some(a) => Some(ids_v1::esp_auth(a)?),
        None => None,
    };
    // RFC 2407 4.5: ESP without authentication is not offered by us and not accepted;
    // a combined-mode cipher carries no separate authentication algorithm (RFC 4106 8.1).
    if encr.is_aead() == integ.is_some() {
        return None;
    }
    let pfs = match get(Phase2Attr::GROUP_DESCRIPTION) {
        Some(g) => Some(DhGroup::from_id(g)?),
        None => None,
    };
    // RFC 2407 4.5 leaves an absent Encapsulation Mode to the DOI default; we negotiate
    // tunnel mode only, so anything stated must be a tunnel mode.
    let mode =
        get(Phase2Attr::ENCAPSULATION_MODE).map_or(EncapsulationMode::TUNNEL, EncapsulationMode);
    if !mode.is_tunnel() {
        return None;
    }
    let esn = get(Phase2Attr::EXTENDED_SEQUENCE_NUMBER) == Some(1);
    let life = lifetimes(
        &t.attributes,
        Phase2Attr::SA_LIFE_TYPE.0,
        Phase2Attr::SA_LIFE_DURATION.0,
    )?;
    Some((
        EspProposal {
            encr,
            integ,
            pfs,
            esn,
        },
        life,
        mode.is_udp_encapsulated(),
    ))
}

fn describe_p2(t: &TransformRepr) -> String {
    let get = |ty: Phase2Attr| t.attr(ty.0).and_then(Attribute::as_u64).unwrap_or(0);
    format!(
        "esp {} key {} auth {} group {} mode {}",
        t.transform_id.0,
        get(Phase2Attr::KEY_LENGTH),
        get(Phase2Attr::AUTHENTICATION_ALGORITHM),
        get(Phase2Attr::GROUP_DESCRIPTION),
        get(Phase2Attr::ENCAPSULATION_MODE)
    )
}

fn esp_spi(p: &ProposalRepr) -> Option<u32> {
    let b: [u8; 4] = p.spi.as_slice().try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// The result of choosing a quick mode proposal as responder.
#[derive(Debug, Clone)]
pub struct P2Chosen {
    pub choice: P2Choice,
    /// The initiator's inbound SPI (our outbound).
    pub peer_spi: u32,
    /// Our lifetime was shorter than the offer: send RESPONDER-LIFETIME (RFC 2407 4.6.3.1).
    pub responder_lifetime: bool,
    /// The accepted transform, to answer with.
    pub transform: TransformRepr,
    pub proposal_number: u8,
}

/// Responder: the first of OUR ESP proposals that the peer offered (in any of its ESP
/// proposals). The encapsulation mode must match whether a NAT was detected.
pub fn p2_choose(cfg: &ConnectionConfig, offer: &SaRepr, nat: bool) -> Result<P2Chosen, String> {
    let mut parsed = Vec::new();
    for p in &offer.proposals {
        if p.protocol_id != ProtocolId::ESP {
            continue;
        }
        let Some(spi) = esp_spi(p) else {
            continue;
        };
        for t in &p.transforms {
            if let Some((e, life, encap)) = p2_parse(t) {
                parsed.push((p.number, spi, t, e, life, encap));
            }
        }
    }
    for ours in &cfg.esp_proposals {
        let hit = parsed.iter().find(|(_, _, _, e, _, encap)| {
            e.encr == ours.encr
                && (e.encr.is_aead() || e.integ == ours.integ)
                && e.pfs == ours.pfs
                && e.esn == ours.esn
                && *encap == nat
        });
        if let Some((number, spi, t, e, (secs, kb), encap)) = hit {
            let offered = secs.map_or(cfg.child_lifetime, Duration::from_secs);
            let lifetime = offered.min(cfg.child_lifetime);
            return Ok(P2Chosen {
                choice: P2Choice {
                    prop: *e,
                    lifetime,
                    // RFC 2407 4.5: the initiator's volume applies (we have none shorter).
                    kilobytes: *kb,
                    encap: *encap,
                },
                peer_spi: *spi,
                responder_lifetime: lifetime < offered,
                transform: (*t).clone(),
                proposal_number: *number,
            });
        }
    }
    let offered: Vec<String> = offer
        .proposals
        .iter()
        .flat_map(|p| p.transforms.iter().map(describe_p2))
        .collect();
    Err(format!(
        "no quick mode proposal chosen: the peer offered [{}] (IKEv1 numbers{}), none matches ours",
        offered.join("; "),
        if nat { ", NAT detected" } else { "" }
    ))
}

/// Responder: our answer SA payload (our inbound SPI, the accepted transform).
pub fn p2_reply(chosen: &P2Chosen, spi_in: u32) -> SaRepr {
    SaRepr {
        doi: Doi::IPSEC,
        situation: situation::IDENTITY_ONLY,
        proposals: vec![ProposalRepr {
            number: chosen.proposal_number,
            protocol_id: ProtocolId::ESP,
            spi: spi_in.to_be_bytes().to_vec(),
            transforms: vec![chosen.transform.clone()],
        }],
    }
}

/// Initiator: the responder's answer must be one ESP transform we offered; returns it with
/// the responder's SPI.
pub fn p2_accept(
    cfg: &ConnectionConfig,
    reply: &SaRepr,
    nat: bool,
) -> Result<(P2Choice, u32), String> {
    let (p, t) = match reply.proposals.as_slice() {
        [p] if p.protocol_id == ProtocolId::ESP => match p.transforms.as_slice() {
            [t] => (p, t),
            _ => return Err("quick mode reply must hold one transform".into()),
        },
        _ => return Err("quick mode reply must hold one ESP proposal".into()),
    };
    let spi = esp_spi(p).ok_or("quick mode reply has no 4-octet ESP SPI")?;
    let (e, (secs, kilobytes), encap) = p2_parse(t).ok_or_else(|| {
        format!(
            "quick mode reply chose a transform we cannot use ({})",
            describe_p2(t)
        )
    })?;
    let ours = cfg.esp_proposals.iter().any(|o| {
        o.encr == e.encr
            && (e.encr.is_aead() || o.integ == e.integ)
            && o.pfs == e.pfs
            && o.esn == e.esn
    });
    if !ours || encap != nat {
        return Err(format!(
            "quick mode reply chose a transform we did not offer ({})",
            describe_p2(t)
        ));
    }
    let lifetime = secs
        .map_or(cfg.child_lifetime, Duration::from_secs)
        .min(cfg.child_lifetime);
    Ok((
        P2Choice {
            prop: e,
            lifetime,
            kilobytes,
            encap,
        },
        spi,
    ))
}

/// The PFS group of our offer (the KE payload of quick mode 1 is for this group).
pub fn p2_pfs(cfg: &ConnectionConfig) -> Option<DhGroup> {
    cfg.esp_proposals.first().and_then(|p| p.pfs)
}

/// RESPONDER-LIFETIME notification data (RFC 2407 4.6.3.1): the attribute list with our
/// seconds lifetime.
pub fn responder_lifetime_attrs(lifetime: Duration) -> Vec<Attribute> {
    vec![
        Attribute::basic(Phase2Attr::SA_LIFE_TYPE.0, LifeType::SECONDS.0),
        duration_attr(Phase2Attr::SA_LIFE_DURATION.0, lifetime.as_secs()),
    ]
}

/// The (seconds, kilobytes) lifetimes of a RESPONDER-LIFETIME notification's attribute list.
pub fn parse_responder_lifetime(data: &[u8]) -> Option<(Option<Duration>, Option<u64>)> {
    let attrs = Attribute::parse_list(data).ok()?;
    let (secs, kb) = lifetimes(
        &attrs,
        Phase2Attr::SA_LIFE_TYPE.0,
        Phase2Attr::SA_LIFE_DURATION.0,
    )?;
    Some((secs.map(Duration::from_secs), kb))
}

/// The kernel byte limits (soft, hard) of a volume lifetime of `kilobytes`: the hard limit
/// is the negotiated volume, the soft one (a kernel soft EXPIRE starts the rekey) at 90 %
/// of it, so the rekey finishes before the hard limit deletes the SA.
pub fn byte_limits(kilobytes: Option<u64>) -> Option<(u64, u64)> {
    let hard = kilobytes?.checked_mul(1024)?.max(1);
    Some((hard - hard / 10, hard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TunnelRef;
    use crate::crypto::Secret;

    fn cfg() -> ConnectionConfig {
        let mut c = ConnectionConfig::new(
            TunnelRef(1),
            "192.0.2.1:500".parse().unwrap(),
            "192.0.2.2:500".parse().unwrap(),
            Secret::from_slice(b"psk"),
        );
        c.ike_proposals = vec![
            IkeProposal {
                encr: EncrAlg::AesGcm16 { key_bits: 256 },
                prf: PrfAlg::HmacSha384,
                integ: None,
                dh: DhGroup::Ecp384,
            },
            IkeProposal {
                encr: EncrAlg::AesCbc { key_bits: 128 },
                prf: PrfAlg::HmacSha256,
                integ: Some(IntegAlg::HmacSha256_128),
                dh: DhGroup::Modp2048,
            },
        ];
        c.esp_proposals = vec![EspProposal {
            encr: EncrAlg::AesCbc { key_bits: 128 },
            integ: Some(IntegAlg::HmacSha256_128),
            pfs: Some(DhGroup::Modp2048),
            esn: false,
        }];
        c
    }

    #[test]
    fn phase1_offer_skips_gcm_and_round_trips_through_choose_and_accept() {
        let c = cfg();
        let offer = p1_offer(&c);
        assert_eq!(offer.proposals[0].transforms.len(), 1, "GCM is IKEv2-only");
        let (suite, reply) = p1_choose(&c, &offer).unwrap();
        assert_eq!(suite.encr, EncrAlg::AesCbc { key_bits: 128 });
        assert_eq!(suite.prf, PrfAlg::HmacSha256);
        assert_eq!(suite.dh, DhGroup::Modp2048);
        assert_eq!(suite.lifetime, c.ike_lifetime);
        assert_eq!(p1_accept(&c, &reply).unwrap(), suite);
    }

    #[test]
    fn phase1_mismatch_names_what_was_offered() {
        let c = cfg();
        let mut other = cfg();
        other.ike_proposals[1].dh = DhGroup::Modp1024;
        let err = p1_choose(&c, &p1_offer(&other)).unwrap_err();
        assert!(err.contains("group 2"), "{err}");
    }

    #[test]
    fn phase1_longer_peer_lifetime_is_cut_to_ours() {
        let c = cfg();
        let mut peer = cfg();
        peer.ike_lifetime = Duration::from_secs(86400);
        let offer = p1_offer(&peer);
        // 86400 does not fit 16 bits: a variable attribute.
        let (suite, _) = p1_choose(&c, &offer).unwrap();
        assert_eq!(suite.lifetime, c.ike_lifetime);
    }

    #[test]
    fn quick_mode_offer_choose_accept_and_responder_lifetime() {
        let c = cfg();
        let mut peer = cfg();
        peer.child_lifetime = Duration::from_secs(7200);
        let offer = p2_offer(&peer, 0x1111_2222, false, None);
        let chosen = p2_choose(&c, &offer, false).unwrap();
        assert_eq!(chosen.peer_spi, 0x1111_2222);
        assert!(chosen.responder_lifetime);
        assert_eq!(chosen.choice.lifetime, c.child_lifetime);
        let reply = p2_reply(&chosen, 0x3333_4444);
        let (choice, spi) = p2_accept(&peer, &reply, false).unwrap();
        assert_eq!(spi, 0x3333_4444);
        assert_eq!(choice.prop, c.esp_proposals[0]);
        let data = {
            let attrs = responder_lifetime_attrs(Duration::from_secs(3600));
            let mut v = Vec::new();
            for a in attrs {
                let mut b = vec![0u8; a.buffer_len()];
                a.emit(&mut b).unwrap();
                v.extend(b);
            }
            v
        };
        assert_eq!(
            parse_responder_lifetime(&data),
            Some((Some(Duration::from_secs(3600)), None))
        );
    }

    /// An ESP offer with a kilobyte lifetime (RFC 2407 4.5: SA Life Type 2 = kilobytes),
    /// as Cisco routers and Windows send by default.
    fn with_kilobytes(mut offer: SaRepr, kb: u32) -> SaRepr {
        for t in &mut offer.proposals[0].transforms {
            t.attributes.push(Attribute::basic(
                Phase2Attr::SA_LIFE_TYPE.0,
                LifeType::KILOBYTES.0,
            ));
            t.attributes
                .push(Attribute::variable_u32(Phase2Attr::SA_LIFE_DURATION.0, kb));
        }
        offer
    }

    #[test]
    fn quick_mode_kilobyte_lifetime_is_negotiated_and_becomes_byte_limits() {
        let c = cfg();
        let offer = with_kilobytes(p2_offer(&c, 7, false, None), 4_608_000);
        let chosen = p2_choose(&c, &offer, false).unwrap();
        assert_eq!(chosen.choice.kilobytes, Some(4_608_000));
        assert_eq!(chosen.choice.lifetime, c.child_lifetime, "seconds kept too");
        // The reply echoes the transform: the initiator sees the same volume.
        let (choice, _) = p2_accept(&c, &p2_reply(&chosen, 9), false).unwrap();
        assert_eq!(choice.kilobytes, Some(4_608_000));
        assert_eq!(
            byte_limits(choice.kilobytes),
            Some((4_246_732_800, 4_718_592_000))
        );
        assert_eq!(byte_limits(None), None);
        // Without one, nothing is limited by volume.
        let plain = p2_choose(&c, &p2_offer(&c, 7, false, None), false).unwrap();
        assert_eq!(plain.choice.kilobytes, None);
        // A rekey offers the volume the pair it replaces had.
        let again = p2_choose(&c, &p2_offer(&c, 7, false, Some(200)), false).unwrap();
        assert_eq!(again.choice.kilobytes, Some(200));
        assert_eq!(plain.choice.kilobytes, None);
    }

    #[test]
    fn responder_lifetime_may_carry_kilobytes() {
        let attrs = [
            Attribute::basic(Phase2Attr::SA_LIFE_TYPE.0, LifeType::KILOBYTES.0),
            Attribute::variable_u32(Phase2Attr::SA_LIFE_DURATION.0, 100_000),
            Attribute::basic(Phase2Attr::SA_LIFE_TYPE.0, LifeType::SECONDS.0),
            Attribute::basic(Phase2Attr::SA_LIFE_DURATION.0, 1800),
        ];
        let mut data = Vec::new();
        for a in attrs {
            let mut b = vec![0u8; a.buffer_len()];
            a.emit(&mut b).unwrap();
            data.extend(b);
        }
        assert_eq!(
            parse_responder_lifetime(&data),
            Some((Some(Duration::from_secs(1800)), Some(100_000)))
        );
    }

    #[test]
    fn quick_mode_nat_mode_must_match_and_pfs_must_match() {
        let c = cfg();
        assert!(p2_choose(&c, &p2_offer(&c, 7, true, None), false).is_err());
        assert!(p2_choose(&c, &p2_offer(&c, 7, true, None), true).is_ok());
        let mut nopfs = cfg();
        nopfs.esp_proposals[0].pfs = None;
        let err = p2_choose(&c, &p2_offer(&nopfs, 7, false, None), false).unwrap_err();
        assert!(err.contains("group 0"), "{err}");
    }
}
