//! RFC 5280 6.1 path construction and processing order for `verify_chain`: choosing each
//! issuer (name, signature, authorityKeyIdentifier) and walking the path from the trust
//! anchor down to the end entity, applying the checks in `rules` and `names`. It never reads
//! a clock and never returns key material.

use super::{names, rules, signed_by, valid_at, CertError};
use x509_parser::{certificate::X509Certificate, time::ASN1Time};

/// The issuer of `child` among the anchors and intermediates: `(certificate, is_anchor)`.
/// Candidates must match the issuer name and verify the signature; among several, the one
/// whose subjectKeyIdentifier equals the child's authorityKeyIdentifier is preferred
/// (RFC 5280 4.2.1.1: the AKI identifies the issuer's key).
pub(super) fn select_issuer<'c, 'a>(
    child: &X509Certificate<'_>,
    anchors: &'c [X509Certificate<'a>],
    intermediates: &'c [X509Certificate<'a>],
) -> core::result::Result<Option<(&'c X509Certificate<'a>, bool)>, CertError> {
    let kid = rules::aki(child)?.flatten();
    let mut first = None;
    let candidates = anchors
        .iter()
        .map(|c| (c, true))
        .chain(intermediates.iter().map(|c| (c, false)));
    for (cand, is_anchor) in candidates {
        if !signed_by(child, cand) {
            continue;
        }
        if kid.is_some() && rules::ski(cand).ok().flatten() == kid {
            return Ok(Some((cand, is_anchor)));
        }
        first.get_or_insert((cand, is_anchor));
    }
    Ok(first)
}

/// RFC 5280 6.1.3 / 6.1.4: process the path from the anchor (last) down to the end entity.
pub(super) fn validate(
    path: &[&X509Certificate<'_>],
    now: ASN1Time,
) -> core::result::Result<(), CertError> {
    let anchor_at = path.len().saturating_sub(1);
    for i in (0..path.len()).rev() {
        let Some(cert) = path.get(i).copied() else {
            continue;
        };
        // RFC 5280 6.1.3 (a)(2): the certificate validity period includes the current time.
        valid_at(cert, now)?;
        rules::check_extensions(cert)?;
        if i > 0 {
            rules::check_issuer(cert, path.get(..i).unwrap_or(&[]))?;
            names::check_supported(cert)?;
        }
        // RFC 5280 6.1.3 (b)-(c): names are checked against every constraining CA above,
        // except for self-issued intermediates.
        if i == 0 || !rules::self_issued(cert) {
            for ca in path.get(i + 1..).unwrap_or(&[]) {
                names::check(ca, cert)?;
            }
        }
        if i < anchor_at {
            if let Some(issuer) = path.get(i + 1) {
                rules::check_key_ids(cert, issuer)?;
            }
        }
        if i == 0 {
            rules::check_end_entity(cert)?;
        }
    }
    Ok(())
}
