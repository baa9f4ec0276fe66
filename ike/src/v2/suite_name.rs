//! Plain-words names for SA payload proposals, for NO_PROPOSAL_CHOSEN log lines and status:
//! each proposal becomes a dash-joined list in the spelling operators know from strongSwan's
//! and libreswan's proposal strings (`aes128-sha256-prfsha256-modp2048`), with the IANA
//! number kept for anything unknown (`encr99`).
//!
//! Pure formatting over wire values (RFC 7296 3.3.2 transform types and IDs); never judges
//! whether a proposal is acceptable and never sees key material.

use crate::wire::v2::{Proposal, SaPayload, Transform, TransformType};

fn encr_name(id: u16, bits: Option<u16>) -> String {
    let b = bits.map(|b| b.to_string()).unwrap_or_default();
    // IANA "Transform Type 1 - Encryption Algorithm Transform IDs" (RFC 7296 3.3.2,
    // RFC 4106 AES-GCM, RFC 7634 ChaCha20-Poly1305).
    match id {
        3 => "3des".into(),
        12 => format!("aes{b}"),
        13 => format!("aes{b}ctr"),
        14 => format!("aes{b}ccm8"),
        16 => format!("aes{b}ccm16"),
        18 => format!("aes{b}gcm8"),
        19 => format!("aes{b}gcm12"),
        20 => format!("aes{b}gcm16"),
        28 => "chacha20poly1305".into(),
        _ if b.is_empty() => format!("encr{id}"),
        _ => format!("encr{id}/{b}"),
    }
}

fn prf_name(id: u16) -> String {
    match id {
        1 => "prfmd5".into(),
        2 => "prfsha1".into(),
        4 => "prfaesxcbc".into(),
        5 => "prfsha256".into(),
        6 => "prfsha384".into(),
        7 => "prfsha512".into(),
        _ => format!("prf{id}"),
    }
}

fn integ_name(id: u16) -> String {
    match id {
        0 => "none".into(),
        1 => "md5".into(),
        2 => "sha1".into(),
        5 => "aesxcbc".into(),
        12 => "sha256".into(),
        13 => "sha384".into(),
        14 => "sha512".into(),
        _ => format!("integ{id}"),
    }
}

/// D-H group names (IANA "Transform Type 4"; RFC 3526, RFC 5903, RFC 5114, RFC 8031).
fn dh_name(id: u16) -> String {
    match id {
        0 => "nodh".into(),
        1 => "modp768".into(),
        2 => "modp1024".into(),
        5 => "modp1536".into(),
        14 => "modp2048".into(),
        15 => "modp3072".into(),
        16 => "modp4096".into(),
        17 => "modp6144".into(),
        18 => "modp8192".into(),
        19 => "ecp256".into(),
        20 => "ecp384".into(),
        21 => "ecp521".into(),
        22 => "modp1024s160".into(),
        23 => "modp2048s224".into(),
        24 => "modp2048s256".into(),
        31 => "curve25519".into(),
        32 => "curve448".into(),
        _ => format!("dh{id}"),
    }
}

/// One transform's name.
pub fn transform_name(t: &Transform) -> String {
    match t.ty {
        TransformType::ENCR => encr_name(t.id, t.key_length()),
        TransformType::PRF => prf_name(t.id),
        TransformType::INTEG => integ_name(t.id),
        TransformType::DH => dh_name(t.id),
        TransformType::ESN => if t.id == 0 { "noesn" } else { "esn" }.into(),
        other => format!("type{}:{}", other.0, t.id),
    }
}

/// One proposal: its transforms in type order (encryption, integrity, PRF, D-H, ESN).
pub fn proposal_name(p: &Proposal) -> String {
    let order = [
        TransformType::ENCR,
        TransformType::INTEG,
        TransformType::PRF,
        TransformType::DH,
        TransformType::ESN,
    ];
    let mut parts: Vec<String> = order
        .iter()
        .flat_map(|ty| p.transforms_of(*ty).map(transform_name))
        .collect();
    parts.extend(
        p.transforms
            .iter()
            .filter(|t| !order.contains(&t.ty))
            .map(transform_name),
    );
    parts.join("-")
}

/// Every proposal of an SA payload, comma separated (`none` for an empty payload).
pub fn describe(sa: &SaPayload) -> String {
    if sa.proposals.is_empty() {
        return "none".into();
    }
    sa.proposals
        .iter()
        .map(proposal_name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EspProposal, IkeProposal};
    use crate::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
    use crate::v2::proposal::{esp_offer, ike_offer};

    #[test]
    fn ike_offers_read_like_proposal_strings() {
        let legacy = IkeProposal {
            encr: EncrAlg::AesCbc { key_bits: 128 },
            prf: PrfAlg::HmacSha1,
            integ: Some(IntegAlg::HmacSha1_96),
            dh: DhGroup::Modp1024,
        };
        let modern = IkeProposal {
            encr: EncrAlg::AesGcm16 { key_bits: 256 },
            prf: PrfAlg::HmacSha384,
            integ: None,
            dh: DhGroup::Ecp384,
        };
        assert_eq!(
            describe(&ike_offer(&[legacy, modern], &[])),
            "aes128-sha1-prfsha1-modp1024, aes256gcm16-prfsha384-ecp384"
        );
    }

    #[test]
    fn esp_offer_names_pfs_and_esn() {
        let p = EspProposal {
            encr: EncrAlg::AesCbc { key_bits: 256 },
            integ: Some(IntegAlg::HmacSha256_128),
            pfs: Some(DhGroup::Modp2048),
            esn: false,
        };
        assert_eq!(
            describe(&esp_offer(&[p], 1, true)),
            "aes256-sha256-modp2048-noesn"
        );
        assert_eq!(describe(&esp_offer(&[p], 1, false)), "aes256-sha256-noesn");
        assert_eq!(describe(&SaPayload { proposals: vec![] }), "none");
    }

    #[test]
    fn unknown_ids_keep_their_number() {
        let t = Transform::encr(crate::wire::v2::EncrId(99), Some(128));
        assert_eq!(transform_name(&t), "encr99/128");
        assert_eq!(
            transform_name(&Transform::dh(crate::wire::v2::DhId(77))),
            "dh77"
        );
    }
}
