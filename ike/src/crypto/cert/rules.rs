//! Per-certificate RFC 5280 checks used by path validation: basic constraints and
//! pathLenConstraint (4.2.1.9), key usage (4.2.1.3), authority/subject key identifiers
//! (4.2.1.1, 4.2.1.2) and critical-extension recognition (4.2). Pure functions over parsed
//! certificates; this module never verifies signatures or reads a clock.

use super::{subject_of, CertError};
use x509_parser::{
    certificate::X509Certificate,
    extensions::ParsedExtension,
    oid_registry::{
        OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_BASIC_CONSTRAINTS,
        OID_X509_EXT_CERTIFICATE_POLICIES, OID_X509_EXT_EXTENDED_KEY_USAGE,
        OID_X509_EXT_INHIBIT_ANY_POLICY, OID_X509_EXT_KEY_USAGE, OID_X509_EXT_NAME_CONSTRAINTS,
        OID_X509_EXT_POLICY_MAPPINGS, OID_X509_EXT_SUBJECT_ALT_NAME,
        OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
    },
};

type R<T> = core::result::Result<T, CertError>;

fn bad(c: &X509Certificate<'_>) -> CertError {
    CertError::BadExtension {
        subject: subject_of(c),
    }
}

/// RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension, and
/// a system MUST reject a certificate with a critical extension it does not recognise or
/// cannot process. Recognised here: the extensions this module and `names` enforce, plus
/// extendedKeyUsage (carried, not enforced, per RFC 4945 5.1.3.12) and certificatePolicies,
/// policyMappings and inhibitAnyPolicy, which cannot change the outcome of RFC 5280 6.1 with
/// the default inputs (any-policy, no explicit policy required) as long as policyConstraints
/// (the only source of requireExplicitPolicy) is refused when critical, as it is here.
pub(super) fn check_extensions(cert: &X509Certificate<'_>) -> R<()> {
    cert.extensions_map().map_err(|_| bad(cert))?;
    let known = [
        &OID_X509_EXT_BASIC_CONSTRAINTS,
        &OID_X509_EXT_KEY_USAGE,
        &OID_X509_EXT_EXTENDED_KEY_USAGE,
        &OID_X509_EXT_SUBJECT_ALT_NAME,
        &OID_X509_EXT_NAME_CONSTRAINTS,
        &OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
        &OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
        &OID_X509_EXT_CERTIFICATE_POLICIES,
        &OID_X509_EXT_POLICY_MAPPINGS,
        &OID_X509_EXT_INHIBIT_ANY_POLICY,
    ];
    for ext in cert.extensions().iter().filter(|e| e.critical) {
        if !known.contains(&&ext.oid) {
            return Err(CertError::UnknownCriticalExtension {
                subject: subject_of(cert),
                oid: ext.oid.to_id_string(),
            });
        }
        if matches!(ext.parsed_extension(), ParsedExtension::ParseError { .. }) {
            return Err(bad(cert));
        }
    }
    Ok(())
}

/// The subjectKeyIdentifier, if present.
pub(super) fn ski<'a>(cert: &'a X509Certificate<'_>) -> R<Option<&'a [u8]>> {
    let ext = cert
        .get_extension_unique(&OID_X509_EXT_SUBJECT_KEY_IDENTIFIER)
        .map_err(|_| bad(cert))?;
    match ext.map(|e| e.parsed_extension()) {
        None => Ok(None),
        Some(ParsedExtension::SubjectKeyIdentifier(k)) => Ok(Some(k.0)),
        Some(_) => Err(bad(cert)),
    }
}

/// The keyIdentifier of the authorityKeyIdentifier: outer `None` when the extension is
/// absent, inner `None` when it carries only issuer/serial.
pub(super) fn aki<'a>(cert: &'a X509Certificate<'_>) -> R<Option<Option<&'a [u8]>>> {
    let ext = cert
        .get_extension_unique(&OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER)
        .map_err(|_| bad(cert))?;
    match ext.map(|e| e.parsed_extension()) {
        None => Ok(None),
        Some(ParsedExtension::AuthorityKeyIdentifier(a)) => {
            Ok(Some(a.key_identifier.as_ref().map(|k| k.0)))
        }
        Some(_) => Err(bad(cert)),
    }
}

/// Whether the certificate is self-issued (subject and issuer names equal, RFC 5280 6.1).
pub(super) fn self_issued(cert: &X509Certificate<'_>) -> bool {
    cert.subject() == cert.issuer()
}

/// Checks on a certificate that issues the one below it in the path. `below` holds the
/// certificates under it, starting with the end entity.
pub(super) fn check_issuer(ca: &X509Certificate<'_>, below: &[&X509Certificate<'_>]) -> R<()> {
    let subject = || subject_of(ca);
    // RFC 5280 4.2.1.9 / 6.1.4 (k): an issuer MUST assert basicConstraints cA = TRUE.
    let bc = ca.basic_constraints().map_err(|_| bad(ca))?;
    let Some(bc) = bc.filter(|b| b.value.ca) else {
        return Err(CertError::IssuerNotCa { subject: subject() });
    };
    // RFC 5280 4.2.1.9 / 6.1.4 (l)-(m): pathLenConstraint is the maximum number of
    // non-self-issued intermediate certificates that may follow this one in the path.
    if let Some(max) = bc.value.path_len_constraint {
        let intermediates = below.iter().skip(1).filter(|c| !self_issued(c)).count();
        if intermediates > usize::try_from(max).unwrap_or(usize::MAX) {
            return Err(CertError::PathLenExceeded { subject: subject() });
        }
    }
    // RFC 5280 4.2.1.3 / 6.1.4 (n): if keyUsage is present, keyCertSign MUST be set.
    if let Some(ku) = ca.key_usage().map_err(|_| bad(ca))? {
        if !ku.value.key_cert_sign() {
            return Err(CertError::CaKeyUsage { subject: subject() });
        }
    }
    // RFC 5280 4.2.1.2: subjectKeyIdentifier MUST appear in all conforming CA certificates.
    if ski(ca)?.is_none() {
        return Err(CertError::MissingSubjectKeyId { subject: subject() });
    }
    Ok(())
}

/// RFC 5280 4.2.1.1: a certificate not issued by itself MUST carry an authorityKeyIdentifier
/// with a keyIdentifier, which is the issuer's subjectKeyIdentifier.
pub(super) fn check_key_ids(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> R<()> {
    let Some(Some(kid)) = aki(cert)? else {
        return Err(CertError::MissingAuthorityKeyId {
            subject: subject_of(cert),
        });
    };
    match ski(issuer)? {
        Some(s) if s != kid => Err(CertError::KeyIdMismatch {
            subject: subject_of(cert),
        }),
        _ => Ok(()),
    }
}

/// RFC 5280 4.2.1.3: the end-entity key signs IKE AUTH (RFC 7296 2.15), so a keyUsage, when
/// present, must allow digitalSignature (or nonRepudiation).
pub(super) fn check_end_entity(ee: &X509Certificate<'_>) -> R<()> {
    if let Some(ku) = ee.key_usage().map_err(|_| bad(ee))? {
        if !(ku.value.digital_signature() || ku.value.non_repudiation()) {
            return Err(CertError::EndEntityKeyUsage {
                subject: subject_of(ee),
            });
        }
    }
    Ok(())
}
