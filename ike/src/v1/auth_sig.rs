//! Main mode authenticated with signatures (RFC 2409 5.1; RFC 4754 for ECDSA): our CERT,
//! CERTREQ and SIG payloads, and the checks on the peer's certificate chain, identity and
//! signature over HASH_I / HASH_R, each failure in plain words.
//!
//! HASH_I / HASH_R come from the caller (main_mode.rs computes them as for pre-shared keys,
//! with the signature SKEYID). The certificate checks are the IKEv2 ones
//! ([`crate::v2::auth_sig::peer_certificate_key`]). This module never reads a clock (the
//! connection's injected one is used), never logs and never puts key material in an error.

use crate::config::CertAuth;
use crate::crypto::cert::CertPublicKey;
use crate::v2::auth_cert::subject_dn;
use crate::v2::auth_sig::peer_certificate_key;
use crate::wire::v1::{AuthMethod, CertEncoding, CertRepr, CertReqRepr, Identification, Payload};
use crate::wire::v2::Identification as V2Id;

/// Our CERT payloads: our certificate first, then intermediates, each encoding 4 (RFC 2408
/// 3.9: X.509 Certificate - Signature).
pub fn cert_payloads(c: &CertAuth) -> Vec<Payload> {
    c.chain
        .iter()
        .map(|der| {
            Payload::Cert(CertRepr {
                encoding: CertEncoding::X509_SIGNATURE,
                data: der.clone(),
            })
        })
        .collect()
}

/// One CERTREQ per trusted CA, naming it by its DER subject DN (RFC 2408 3.10: the
/// Certificate Authority field holds "an encoding of an acceptable certificate authority",
/// the distinguished name for X.509). Sent in main mode messages 3 and 4.
pub fn certreq_payloads(c: &CertAuth) -> Vec<Payload> {
    c.trusted_cas
        .iter()
        .filter_map(|ca| subject_dn(ca))
        .map(|authority| {
            Payload::CertReq(CertReqRepr {
                cert_type: CertEncoding::X509_SIGNATURE,
                authority,
            })
        })
        .collect()
}

/// A received phase 1 identity in the configuration's (IKEv2) form, for the certificate
/// checks. Subnets, ranges and unknown types have no certificate counterpart.
pub fn config_id(id: &Identification) -> Option<V2Id> {
    Some(match id {
        Identification::Ipv4(a) => V2Id::Ipv4(*a),
        Identification::Ipv6(a) => V2Id::Ipv6(*a),
        Identification::Fqdn(b) => V2Id::Fqdn(String::from_utf8(b.clone()).ok()?),
        Identification::UserFqdn(b) => V2Id::Rfc822(String::from_utf8(b.clone()).ok()?),
        Identification::DerAsn1Dn(d) => V2Id::DerAsn1Dn(d.clone()),
        Identification::KeyId(k) => V2Id::KeyId(k.clone()),
        _ => return None,
    })
}

/// Whether a method is one of the ECDSA methods we do (RFC 4754: 9 P-256, 10 P-384).
fn is_ecdsa(m: AuthMethod) -> bool {
    matches!(
        m,
        AuthMethod::ECDSA_SHA256_P256 | AuthMethod::ECDSA_SHA384_P384
    )
}

/// SIG_I / SIG_R: our signature over `hash` (HASH_I or HASH_R) with the negotiated method.
pub fn sign(c: &CertAuth, method: AuthMethod, hash: &[u8]) -> Result<Payload, String> {
    let data = if method == AuthMethod::RSA_SIGNATURES {
        // RFC 2409 5.1: the RSA signature is PKCS#1 type 1 over HASH_I itself (no
        // DigestInfo).
        c.key
            .sign_pkcs1_unprefixed(hash)
            .map_err(|_| "cannot sign HASH with our RSA key".to_string())?
    } else if is_ecdsa(method) {
        // RFC 4754 7: r || s, each the curve's size. HASH_I / HASH_R itself is the ECDSA
        // digest, not hashed again: strongSwan's IKEv1 does so (SIGN_ECDSA_WITH_NULL), and the
        // lab showed a second hash with the curve's SHA-2 rejected both ways.
        c.key
            .sign_ecdsa_prehash(hash)
            .map_err(|_| format!("our key cannot sign with auth method {}", method.0))?
    } else {
        return Err(format!(
            "auth method {} is not a signature method",
            method.0
        ));
    };
    Ok(Payload::Sig(crate::wire::v1::SigRepr { data }))
}

/// RFC 2409 5.1: an RSA SIG is PKCS#1 v1.5 type 1 over HASH_I / HASH_R itself (no DigestInfo).
/// `pkcs1` is the DER RSAPublicKey of the peer's certificate.
fn verify_rsa_unprefixed(pkcs1: &[u8], hash: &[u8], sig: &[u8]) -> Option<()> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let key = rsa::RsaPublicKey::from_pkcs1_der(pkcs1).ok()?;
    key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), hash, sig)
        .ok()
}

fn verify_sig(
    key: &CertPublicKey,
    method: AuthMethod,
    hash: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let fits = matches!(
        (key, method),
        (CertPublicKey::Rsa(_), AuthMethod::RSA_SIGNATURES)
            | (CertPublicKey::EcP256(_), AuthMethod::ECDSA_SHA256_P256)
            | (CertPublicKey::EcP384(_), AuthMethod::ECDSA_SHA384_P384)
    );
    if !fits {
        return Err(format!(
            "the peer's certificate key does not fit the negotiated auth method {}",
            method.0
        ));
    }
    let bad = || {
        format!(
            "the peer's signature (auth method {}) does not verify with its certificate's key",
            method.0
        )
    };
    match key {
        CertPublicKey::Rsa(pkcs1) => verify_rsa_unprefixed(pkcs1, hash, sig).ok_or_else(bad),
        _ => key.verify_ecdsa_prehash(hash, sig).map_err(|_| bad()),
    }
}

/// Checks the peer of main mode message 5 or 6: its first X.509 CERT chains to one of our
/// CAs (others are intermediates), its ID is certified by that certificate and equals
/// `remote_id` when set, and `sig` is its signature over `hash` (HASH_I or HASH_R) with the
/// negotiated `method`. `Err` is the failed check in plain words.
pub fn verify_peer(
    c: &CertAuth,
    certs: &[&CertRepr],
    id: &Identification,
    remote_id: Option<&V2Id>,
    method: AuthMethod,
    hash: &[u8],
    sig: Option<&[u8]>,
) -> Result<(), String> {
    let sig = sig.ok_or("the peer sent no SIG payload (does it use a pre-shared key?)")?;
    let x509: Vec<&[u8]> = certs
        .iter()
        .filter(|p| p.encoding == CertEncoding::X509_SIGNATURE)
        .map(|p| p.data.as_slice())
        .collect();
    let id = config_id(id).ok_or_else(|| {
        format!(
            "peer ID {} cannot be certified by a certificate",
            super::ids::describe(id)
        )
    })?;
    let key = peer_certificate_key(c, &x509, &id, remote_id)?;
    verify_sig(&key, method, hash, sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::auth::SigScheme;
    use crate::crypto::sign::PrivateKey;

    fn sign_bytes(k: &PrivateKey, hash: &[u8]) -> Vec<u8> {
        k.sign_ecdsa_prehash(hash).unwrap()
    }

    #[test]
    fn ecdsa_sig_is_fixed_r_s_over_the_hash_and_checks_the_method() {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let k = PrivateKey::from_pkcs8_der(pkcs8.as_ref()).unwrap();
        let pk = k.public_key();
        let hash = [7u8; 32];
        let sig = sign_bytes(&k, &hash);
        // RFC 4754 7: r || s, 32 octets each for P-256.
        assert_eq!(sig.len(), 64);
        assert!(verify_sig(&pk, AuthMethod::ECDSA_SHA256_P256, &hash, &sig).is_ok());
        // HASH_I is the digest itself: a signature over SHA-256(HASH_I) (ring's ECDSA, which
        // hashes its input) is not what we verify, nor what we make.
        let hashed_again = k.sign(SigScheme::EcdsaP256Sha256Fixed, &hash).unwrap();
        assert!(verify_sig(&pk, AuthMethod::ECDSA_SHA256_P256, &hash, &hashed_again).is_err());
        assert!(pk
            .verify(SigScheme::EcdsaP256Sha256Fixed, &hash, &sig)
            .is_err());
        assert!(verify_sig(&pk, AuthMethod::ECDSA_SHA256_P256, &[8u8; 32], &sig).is_err());
        let e = verify_sig(&pk, AuthMethod::RSA_SIGNATURES, &hash, &sig).unwrap_err();
        assert!(e.contains("does not fit"), "{e}");
        let e = verify_sig(&pk, AuthMethod::ECDSA_SHA384_P384, &hash, &sig).unwrap_err();
        assert!(e.contains("does not fit"), "{e}");
    }

    #[test]
    fn rsa_sig_is_pkcs1_type_1_over_the_raw_hash_without_digest_info() {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let key_pem = include_str!("../../tests/fixtures/cert/west_rsa.key.pem");
        let cert_pem = include_str!("../../tests/fixtures/cert/west_rsa.pem");
        let k = PrivateKey::from_pem(key_pem).unwrap();
        let hash = [5u8; 32];
        let sig = k.sign_pkcs1_unprefixed(&hash).unwrap();
        // RFC 2409 5.1 with RFC 8017 9.2: EM = 0x00 || 0x01 || PS (0xff...) || 0x00 || HASH_I,
        // the hash itself in place of a DigestInfo. Recover EM with the public exponent.
        let pk = rsa::RsaPrivateKey::from_pkcs8_pem(key_pem)
            .unwrap()
            .to_public_key();
        let em = rsa::BigUint::from_bytes_be(&sig)
            .modpow(pk.e(), pk.n())
            .to_bytes_be();
        assert_eq!(em.len(), pk.size() - 1, "leading 0x00 dropped by BigUint");
        assert_eq!(em[0], 0x01);
        let ps = &em[1..em.len() - hash.len() - 1];
        assert!(ps.len() >= 8 && ps.iter().all(|b| *b == 0xff));
        assert_eq!(em[em.len() - hash.len() - 1], 0x00);
        assert_eq!(&em[em.len() - hash.len()..], &hash);
        // The certificate's key verifies it; another hash or a P-256 method does not.
        let der = crate::v2::auth_cert::pem_certificates(cert_pem).unwrap();
        let cpk = crate::crypto::cert::public_key_of(&der[0]).unwrap();
        assert!(verify_sig(&cpk, AuthMethod::RSA_SIGNATURES, &hash, &sig).is_ok());
        let e = verify_sig(&cpk, AuthMethod::RSA_SIGNATURES, &[6u8; 32], &sig).unwrap_err();
        assert!(e.contains("does not verify"), "{e}");
        assert!(verify_sig(&cpk, AuthMethod::ECDSA_SHA256_P256, &hash, &sig).is_err());
        // An ECDSA key has no raw PKCS#1 signing.
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let ec = PrivateKey::from_pkcs8_der(pkcs8.as_ref()).unwrap();
        assert!(ec.sign_pkcs1_unprefixed(&hash).is_err());
    }

    #[test]
    fn ids_convert_for_certificate_checks() {
        assert_eq!(
            config_id(&Identification::Fqdn(b"gw.example".to_vec())),
            Some(V2Id::Fqdn("gw.example".into()))
        );
        assert_eq!(
            config_id(&Identification::UserFqdn(b"a@b".to_vec())),
            Some(V2Id::Rfc822("a@b".into()))
        );
        assert_eq!(config_id(&Identification::Fqdn(vec![0xff])), None);
        let a = "192.0.2.1".parse().unwrap();
        assert_eq!(config_id(&Identification::Ipv4Subnet(a, a)), None);
    }
}
