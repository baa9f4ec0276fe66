//! RFC 5280 4.2.1.10 / 6.1.4 (g) name-constraint checks for certificate path validation:
//! dNSName, rfc822Name, iPAddress and directoryName permitted/excluded subtrees applied to the
//! subject DN and subjectAltNames of certificates below a constraining CA. Pure functions over
//! parsed certificates; this module never verifies signatures or reads a clock.

use super::{subject_of, CertError};
use x509_parser::{
    certificate::X509Certificate,
    extensions::{GeneralName, GeneralSubtree, NameConstraints},
    oid_registry::OID_PKCS9_EMAIL_ADDRESS,
    x509::{AttributeTypeAndValue, RelativeDistinguishedName, X509Name},
};

type R<T> = core::result::Result<T, CertError>;

/// The name forms whose constraints are enforced here.
fn supported(base: &GeneralName<'_>) -> bool {
    matches!(
        base,
        GeneralName::DNSName(_)
            | GeneralName::RFC822Name(_)
            | GeneralName::IPAddress(_)
            | GeneralName::DirectoryName(_)
    )
}

fn subtrees<'a, 'b>(s: &'b Option<Vec<GeneralSubtree<'a>>>) -> &'b [GeneralSubtree<'a>] {
    s.as_deref().unwrap_or(&[])
}

/// Refuse a critical nameConstraints extension that uses a name form not enforced here
/// (RFC 5280 4.2: a critical extension that cannot be processed MUST cause rejection).
pub(super) fn check_supported(ca: &X509Certificate<'_>) -> R<()> {
    let Some(ext) = ca.name_constraints().map_err(|_| bad(ca))? else {
        return Ok(());
    };
    let nc: &NameConstraints<'_> = ext.value;
    let mut all = subtrees(&nc.permitted_subtrees)
        .iter()
        .chain(subtrees(&nc.excluded_subtrees));
    if ext.critical && all.any(|s| !supported(&s.base)) {
        return Err(CertError::UnsupportedNameConstraint {
            subject: subject_of(ca),
        });
    }
    Ok(())
}

fn bad(c: &X509Certificate<'_>) -> CertError {
    CertError::BadExtension {
        subject: subject_of(c),
    }
}

/// Check `cert` against the name constraints of `ca` (a CA above it in the path).
pub(super) fn check(ca: &X509Certificate<'_>, cert: &X509Certificate<'_>) -> R<()> {
    let Some(nc) = ca.name_constraints().map_err(|_| bad(ca))? else {
        return Ok(());
    };
    let nc = nc.value;
    let san = cert.subject_alternative_name().map_err(|_| bad(cert))?;
    let mut names: Vec<GeneralName<'_>> = Vec::new();
    // RFC 5280 4.2.1.10: directoryName constraints apply to the subject field (when not
    // empty) and to directoryName subjectAltNames.
    if cert.subject().iter().next().is_some() {
        names.push(GeneralName::DirectoryName(cert.subject().clone()));
    }
    match san {
        Some(san) => names.extend(san.value.general_names.iter().cloned()),
        // RFC 5280 4.2.1.10: without subjectAltName, rfc822Name constraints MUST be applied
        // to emailAddress attributes of the subject DN.
        None => names.extend(
            cert.subject()
                .iter_by_oid(&OID_PKCS9_EMAIL_ADDRESS)
                .filter_map(|a| a.as_str().ok())
                .map(GeneralName::RFC822Name),
        ),
    }
    let permitted = subtrees(&nc.permitted_subtrees);
    let excluded = subtrees(&nc.excluded_subtrees);
    for name in names.iter().filter(|n| supported(n)) {
        // RFC 5280 6.1.3 (b): within the permitted subtrees of each name form that has any.
        let same_form: Vec<&GeneralSubtree<'_>> = permitted
            .iter()
            .filter(|s| same_form(&s.base, name))
            .collect();
        let outside_permitted =
            !same_form.is_empty() && !same_form.iter().any(|s| within(name, &s.base));
        // RFC 5280 6.1.3 (c): not within any excluded subtree.
        let inside_excluded = excluded.iter().any(|s| within(name, &s.base));
        if outside_permitted || inside_excluded {
            return Err(CertError::NameConstraintViolation {
                subject: subject_of(cert),
                constrained_by: subject_of(ca),
            });
        }
    }
    Ok(())
}

fn same_form(a: &GeneralName<'_>, b: &GeneralName<'_>) -> bool {
    core::mem::discriminant(a) == core::mem::discriminant(b)
}

/// Whether `name` lies within the subtree rooted at `base` (same name form required).
fn within(name: &GeneralName<'_>, base: &GeneralName<'_>) -> bool {
    match (name, base) {
        (GeneralName::DNSName(n), GeneralName::DNSName(c)) => dns_within(n, c),
        (GeneralName::RFC822Name(n), GeneralName::RFC822Name(c)) => rfc822_within(n, c),
        (GeneralName::IPAddress(n), GeneralName::IPAddress(c)) => ip_within(n, c),
        (GeneralName::DirectoryName(n), GeneralName::DirectoryName(c)) => dn_within(n, c),
        _ => false,
    }
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
}

/// RFC 5280 4.2.1.10: a dNSName constraint is satisfied by any name formed by adding zero or
/// more labels to the left ("example.com" matches "host.example.com", not "host1example.com").
/// A leading-period constraint (common practice) admits only strict subdomains.
pub(crate) fn dns_within(name: &str, constraint: &str) -> bool {
    if constraint.is_empty() {
        return true;
    }
    if constraint.starts_with('.') {
        return name.len() > constraint.len() && ends_with_ci(name, constraint);
    }
    if name.eq_ignore_ascii_case(constraint) {
        return true;
    }
    name.len() > constraint.len()
        && ends_with_ci(name, constraint)
        && name.as_bytes().get(name.len() - constraint.len() - 1) == Some(&b'.')
}

/// RFC 5280 4.2.1.10: an rfc822Name constraint is a mailbox ("a@host"), a host ("host": all
/// mailboxes on that host) or a domain (".host": mailboxes on any host in the domain).
pub(crate) fn rfc822_within(name: &str, constraint: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    if let Some((clocal, chost)) = constraint.rsplit_once('@') {
        return local == clocal && host.eq_ignore_ascii_case(chost);
    }
    if constraint.starts_with('.') {
        return host.len() > constraint.len() && ends_with_ci(host, constraint);
    }
    host.eq_ignore_ascii_case(constraint)
}

/// RFC 5280 4.2.1.10: an iPAddress constraint is address followed by mask (8 octets for
/// IPv4, 32 for IPv6); the name matches when it is in that range. Other lengths never match.
pub(crate) fn ip_within(name: &[u8], constraint: &[u8]) -> bool {
    if !matches!(name.len(), 4 | 16) || constraint.len() != 2 * name.len() {
        return false;
    }
    let (addr, mask) = constraint.split_at(name.len());
    name.iter()
        .zip(addr)
        .zip(mask)
        .all(|((n, a), m)| n & m == a & m)
}

/// RFC 5280 4.2.1.10 / 7.1: a directoryName matches when the constraint's RDN sequence is a
/// prefix of the name's. Attribute values compare case-insensitively (ASCII) when both are
/// strings, else octet for octet (a subset of the RFC 4518 string preparation).
fn dn_within(name: &X509Name<'_>, constraint: &X509Name<'_>) -> bool {
    let n: Vec<&RelativeDistinguishedName<'_>> = name.iter().collect();
    let c: Vec<&RelativeDistinguishedName<'_>> = constraint.iter().collect();
    c.len() <= n.len() && c.iter().zip(&n).all(|(a, b)| rdn_eq(a, b))
}

/// Two RDNs hold the same attributes (in any order), values compared as [`atv_eq`] does.
pub(crate) fn rdn_eq(a: &RelativeDistinguishedName<'_>, b: &RelativeDistinguishedName<'_>) -> bool {
    let a: Vec<&AttributeTypeAndValue<'_>> = a.iter().collect();
    let b: Vec<&AttributeTypeAndValue<'_>> = b.iter().collect();
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| atv_eq(x, y)))
}

fn atv_eq(a: &AttributeTypeAndValue<'_>, b: &AttributeTypeAndValue<'_>) -> bool {
    if a.attr_type() != b.attr_type() {
        return false;
    }
    match (a.as_str(), b.as_str()) {
        // RFC 5280 7.1 (simplified RFC 4518 preparation): case and outer spaces ignored, so
        // a PrintableString and a UTF8String of the same text are equal.
        (Ok(x), Ok(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        _ => a.as_slice() == b.as_slice(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_rules() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("Host.Example.COM", "example.com"));
        assert!(!dns_within("host1example.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("a.example.com", ".example.com"));
        assert!(dns_within("anything", ""));
    }

    #[test]
    fn rfc822_rules() {
        assert!(rfc822_within("a@host.test", "a@HOST.test"));
        assert!(!rfc822_within("b@host.test", "a@host.test"));
        assert!(rfc822_within("b@host.test", "host.test"));
        assert!(!rfc822_within("b@x.host.test", "host.test"));
        assert!(rfc822_within("b@x.host.test", ".host.test"));
        assert!(!rfc822_within("b@host.test", ".host.test"));
        assert!(!rfc822_within("no-at-sign", "host.test"));
    }

    #[test]
    fn ip_rules() {
        let c = [192, 0, 2, 0, 255, 255, 255, 0];
        assert!(ip_within(&[192, 0, 2, 77], &c));
        assert!(!ip_within(&[192, 0, 3, 77], &c));
        let mut v6 = [0u8; 32];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[16] = 0xff;
        v6[17] = 0xff;
        let mut n6 = [0u8; 16];
        n6[0] = 0x20;
        n6[1] = 0x01;
        n6[15] = 9;
        assert!(ip_within(&n6, &v6));
        assert!(!ip_within(&[192, 0, 2, 77], &v6));
        assert!(!ip_within(&[192, 0, 2, 77], &c[..7]));
    }
}
