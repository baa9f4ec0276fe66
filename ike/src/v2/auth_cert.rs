//! X.509 helpers for certificate authentication in IKE_AUTH: loading a [`CertAuth`] from PEM
//! text, the CERTREQ CA hash (RFC 7296 3.7), and whether a certificate certifies an IKE
//! identity (RFC 7296 3.5 ID types against subjectAltName or the subject DN, RFC 4945 3.1).
//!
//! Pure functions over bytes and text: this module never reads files or clocks, never
//! validates a chain (that is [`crate::crypto::cert::verify_chain`]) and never puts key
//! material into an error message (key errors only name the PEM problem or ring's reason).

use crate::config::{CertAuth, WallClock};
use crate::crypto::cert::{public_key_of, rdn_eq};
use crate::crypto::sign::PrivateKey;
use crate::wire::v2::Identification;
use std::net::IpAddr;
use std::sync::Arc;
use x509_parser::{
    certificate::X509Certificate, extensions::GeneralName, pem::Pem, prelude::FromDer,
    x509::X509Name,
};

fn parse(der: &[u8]) -> Option<X509Certificate<'_>> {
    match X509Certificate::from_der(der) {
        Ok(([], c)) => Some(c),
        _ => None,
    }
}

/// Every `CERTIFICATE` block of `pem` as DER, each checked to parse as X.509. Other blocks
/// are skipped; no certificate at all is an error.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for block in Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| format!("malformed PEM ({e})"))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        if parse(&block.contents).is_none() {
            return Err(format!(
                "certificate {} is not valid X.509 DER",
                out.len() + 1
            ));
        }
        out.push(block.contents);
    }
    if out.is_empty() {
        return Err("no -----BEGIN CERTIFICATE----- block".into());
    }
    Ok(out)
}

/// Which input of [`CertAuth::from_pem`] was wrong, with a reason free of key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertLoadError {
    #[error("certificate: {0}")]
    Cert(String),
    #[error("private key: {0}")]
    Key(String),
    #[error("CA: {0}")]
    Ca(String),
}

impl CertAuth {
    /// Builds certificate authentication from PEM text: `cert_pem` holds our certificate
    /// first, then any intermediates; `key_pem` its private key (PKCS#8, or PKCS#1 RSA);
    /// `ca_pem` one or more trusted CA certificates. The key must belong to the certificate.
    pub fn from_pem(
        cert_pem: &str,
        key_pem: &str,
        ca_pem: &str,
        clock: Arc<dyn WallClock>,
    ) -> Result<CertAuth, CertLoadError> {
        let chain = pem_certificates(cert_pem).map_err(CertLoadError::Cert)?;
        let key = PrivateKey::from_pem(key_pem).map_err(|e| CertLoadError::Key(e.to_string()))?;
        let trusted_cas = pem_certificates(ca_pem).map_err(CertLoadError::Ca)?;
        let ours = chain
            .first()
            .map(|c| public_key_of(c))
            .ok_or_else(|| CertLoadError::Cert("empty".into()))?
            .map_err(|e| CertLoadError::Cert(e.to_string()))?;
        if ours != key.public_key() {
            return Err(CertLoadError::Key(
                "does not belong to the certificate (public keys differ)".into(),
            ));
        }
        Ok(CertAuth {
            chain,
            key: Arc::new(key),
            trusted_cas,
            clock,
        })
    }

    /// The DER subject DN of our certificate (an ID_DER_ASN1_DN identity, RFC 7296 3.5).
    pub fn subject_dn(&self) -> Option<Vec<u8>> {
        subject_dn(self.chain.first()?)
    }

    /// Whether our certificate certifies `id`.
    pub fn certifies(&self, id: &Identification) -> bool {
        self.chain.first().is_some_and(|c| certifies(c, id))
    }
}

/// The raw DER subject Name of a certificate.
pub fn subject_dn(der: &[u8]) -> Option<Vec<u8>> {
    Some(parse(der)?.subject().as_raw().to_vec())
}

/// RFC 7296 3.7: "the Certification Authority value is a concatenated list of SHA-1 hashes of
/// the public keys of trusted Certification Authorities (CAs). Each is encoded as the SHA-1
/// hash of the Subject Public Key Info element".
pub fn ca_hash(der: &[u8]) -> Option<Vec<u8>> {
    let c = parse(der)?;
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, c.public_key().raw);
    Some(d.as_ref().to_vec())
}

/// Whether the certificate `der` certifies the IKE identity `id`: ID_FQDN against dNSName,
/// ID_RFC822_ADDR against rfc822Name, ID_IPV4/IPV6_ADDR against iPAddress subjectAltNames
/// (case-insensitive for names), ID_DER_ASN1_DN against the subject (RFC 4945 3.1.1-3.1.5:
/// the identity MUST be present in the certificate). Other ID types never match.
pub fn certifies(der: &[u8], id: &Identification) -> bool {
    let Some(c) = parse(der) else {
        return false;
    };
    if let Identification::DerAsn1Dn(dn) = id {
        return dn_eq(c.subject().as_raw(), dn);
    }
    let Ok(Some(san)) = c.subject_alternative_name() else {
        return false;
    };
    san.value.general_names.iter().any(|n| match (id, n) {
        (Identification::Fqdn(f), GeneralName::DNSName(d)) => f.eq_ignore_ascii_case(d),
        (Identification::Rfc822(f), GeneralName::RFC822Name(d)) => f.eq_ignore_ascii_case(d),
        (Identification::Ipv4(a), GeneralName::IPAddress(b)) => a.octets().as_slice() == *b,
        (Identification::Ipv6(a), GeneralName::IPAddress(b)) => a.octets().as_slice() == *b,
        _ => false,
    })
}

fn name(der: &[u8]) -> Option<X509Name<'_>> {
    match X509Name::from_der(der) {
        Ok(([], n)) => Some(n),
        _ => None,
    }
}

/// Whether two DER Names are the same DN (same RDN sequence, attribute values compared as
/// in RFC 5280 7.1 for the common string types). Octet-equal Names are always equal.
pub fn dn_eq(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (Some(a), Some(b)) = (name(a), name(b)) else {
        return false;
    };
    let (ra, rb): (Vec<_>, Vec<_>) = (a.iter().collect(), b.iter().collect());
    ra.len() == rb.len() && ra.iter().zip(&rb).all(|(x, y)| rdn_eq(x, y))
}

/// DER of one tag-length-value (X.690 8.1.3 definite length).
fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = body.len();
    if n < 0x80 {
        v.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        let octets = len.get(skip..).unwrap_or_default();
        v.push(0x80 | octets.len() as u8);
        v.extend_from_slice(octets);
    }
    v.extend_from_slice(body);
    v
}

/// A DN written as text (`C=CH, O=Example, CN=gw.example`, RDNs in encoding order, one
/// attribute each) as a DER Name for ID_DER_ASN1_DN (RFC 7296 3.5). Known attributes: C, ST,
/// L, O, OU, CN, serialNumber, DC, E/emailAddress. Escapes and multi-valued RDNs are refused.
pub fn dn_from_text(text: &str) -> Option<Vec<u8>> {
    const STR_UTF8: u8 = 0x0c;
    const STR_PRINTABLE: u8 = 0x13;
    const STR_IA5: u8 = 0x16;
    let mut rdns = Vec::new();
    for part in text.split(',') {
        let (k, v) = part.split_once('=')?;
        let (k, v) = (k.trim(), v.trim());
        if v.is_empty() || v.contains(['\\', '+', '"']) {
            return None;
        }
        let (oid, tag): (&[u8], u8) = match k.to_ascii_uppercase().as_str() {
            "C" => (&[0x55, 0x04, 0x06], STR_PRINTABLE),
            "ST" => (&[0x55, 0x04, 0x08], STR_UTF8),
            "L" => (&[0x55, 0x04, 0x07], STR_UTF8),
            "O" => (&[0x55, 0x04, 0x0a], STR_UTF8),
            "OU" => (&[0x55, 0x04, 0x0b], STR_UTF8),
            "CN" => (&[0x55, 0x04, 0x03], STR_UTF8),
            "SERIALNUMBER" => (&[0x55, 0x04, 0x05], STR_PRINTABLE),
            "DC" => (
                &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
                STR_IA5,
            ),
            "E" | "EMAILADDRESS" => (
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
                STR_IA5,
            ),
            _ => return None,
        };
        let atv = tlv(0x30, &[tlv(0x06, oid), tlv(tag, v.as_bytes())].concat());
        rdns.extend(tlv(0x31, &atv));
    }
    Some(tlv(0x30, &rdns))
}

/// An identity in an operator's words: the address, name or DN text.
pub fn id_words(id: &Identification) -> String {
    match id {
        Identification::Ipv4(a) => IpAddr::V4(*a).to_string(),
        Identification::Ipv6(a) => IpAddr::V6(*a).to_string(),
        Identification::Fqdn(s) | Identification::Rfc822(s) => s.clone(),
        Identification::DerAsn1Dn(d) => {
            name(d).map_or_else(|| "<malformed DN>".into(), |n| format!("\"{n}\""))
        }
        Identification::KeyId(_) => "<key id>".into(),
        Identification::Other { ty, .. } => format!("<ID type {}>", ty.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ike/tests/fixtures/pki/leaf.der has subjectAltName DNS:gw.example.test.
    const LEAF: &[u8] = include_bytes!("../../tests/fixtures/pki/leaf.der");
    const ROOT: &[u8] = include_bytes!("../../tests/fixtures/pki/root.der");

    #[test]
    fn fqdn_matches_dns_san_case_insensitively_only() {
        assert!(certifies(
            LEAF,
            &Identification::Fqdn("GW.example.test".into())
        ));
        assert!(!certifies(LEAF, &Identification::Fqdn("gw.example".into())));
        assert!(!certifies(
            LEAF,
            &Identification::Rfc822("gw.example.test".into())
        ));
        assert!(!certifies(
            LEAF,
            &Identification::Ipv4("192.0.2.1".parse().unwrap())
        ));
    }

    #[test]
    fn dn_matches_subject() {
        let dn = subject_dn(LEAF).unwrap();
        assert!(certifies(LEAF, &Identification::DerAsn1Dn(dn.clone())));
        assert!(dn_eq(&dn, &dn));
        let other = subject_dn(ROOT).unwrap();
        assert!(!certifies(LEAF, &Identification::DerAsn1Dn(other.clone())));
        assert!(!dn_eq(&dn, &other));
        assert!(id_words(&Identification::DerAsn1Dn(dn)).contains('='));
    }

    #[test]
    fn dn_text_encodes_to_an_equal_name() {
        // tests/fixtures/pki/make.sh: the leaf's subject is built from these attributes; its
        // DER uses UTF8String/PrintableString as OpenSSL chose, compared semantically.
        let leaf = parse(LEAF).unwrap();
        let text = leaf.subject().to_string();
        let der = dn_from_text(&text).unwrap();
        assert!(dn_eq(&der, leaf.subject().as_raw()), "{text}");
        assert!(name(&der).is_some());
        assert_eq!(dn_from_text("CN=a+b"), None);
        assert_eq!(dn_from_text("XX=a"), None);
        assert_eq!(dn_from_text("gw.example"), None);
        // Long values take the long length form (X.690 8.1.3.5).
        let long = dn_from_text(&format!("CN={}", "a".repeat(300))).unwrap();
        assert_eq!(&long[..2], &[0x30, 0x82]);
        assert!(name(&long).is_some());
    }

    #[test]
    fn ca_hash_is_sha1_of_spki() {
        let c = parse(ROOT).unwrap();
        let h = ca_hash(ROOT).unwrap();
        assert_eq!(h.len(), 20);
        let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, c.public_key().raw);
        assert_eq!(h, d.as_ref());
        assert_ne!(ca_hash(LEAF), Some(h));
    }
}
