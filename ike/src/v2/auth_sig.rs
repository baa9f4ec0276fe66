//! The certificate half of IKE_AUTH (RFC 7296 2.15, 3.6-3.8; RFC 7427; RFC 4754): CERT and
//! CERTREQ payloads we send, our signature AUTH payload, and the checks on the peer's
//! certificate chain, identity and signature, each failure in plain words.
//!
//! The signed octets come from the caller (`ike_auth`, shared with PSK). Validity time comes
//! from the connection's injected [`WallClock`](crate::config::WallClock); this module never
//! reads a clock, never logs and never puts key material in an error.

use super::auth_cert::{ca_hash, certifies, dn_eq, id_words};
use crate::config::CertAuth;
use crate::crypto::cert::{verify_chain, CertError, CertPublicKey};
use crate::crypto::sig_alg::verify_digital_signature;
use crate::crypto::{auth::SigScheme, sign};
use crate::wire::v2::{
    AuthMethod, AuthPayload, CertEncoding, CertPayload, CertReqPayload, Identification, Message,
    NotifyType, Payload,
};

/// Our CERT payloads: end entity first (RFC 7296 3.6: "the first certificate provided MUST
/// contain the public key used to verify the AUTH field"), then intermediates, all encoding
/// 4 (X.509 Certificate - Signature).
pub fn cert_payloads(c: &CertAuth) -> Vec<Payload> {
    c.chain
        .iter()
        .map(|der| {
            Payload::Cert(CertPayload {
                encoding: CertEncoding::X509_CERT_SIGNATURE,
                data: der.clone(),
            })
        })
        .collect()
}

/// One CERTREQ naming our trusted CAs by the SHA-1 of their SubjectPublicKeyInfo (3.7).
pub fn certreq_payload(c: &CertAuth) -> Option<Payload> {
    let authorities: Vec<u8> = c
        .trusted_cas
        .iter()
        .filter_map(|d| ca_hash(d))
        .flatten()
        .collect();
    (!authorities.is_empty()).then_some(Payload::CertReq(CertReqPayload {
        encoding: CertEncoding::X509_CERT_SIGNATURE,
        authorities,
    }))
}

/// The CERTREQ a responder adds to its IKE_SA_INIT response when it authenticates with a
/// certificate (RFC 7296 1.2: `HDR, SAr1, KEr, Nr, [CERTREQ]`).
pub fn init_certreq(cert: Option<&CertAuth>) -> Option<Payload> {
    certreq_payload(cert?)
}

/// The hash algorithms the peer announced in its IKE_SA_INIT message (RFC 7427 4), empty when
/// it sent no SIGNATURE_HASH_ALGORITHMS.
pub fn peer_hash_algorithms(peer_init: &[u8]) -> Vec<u16> {
    let Ok(m) = Message::parse(peer_init) else {
        return Vec::new();
    };
    let list = m
        .notifies()
        .find(|n| n.ty == NotifyType::SIGNATURE_HASH_ALGORITHMS)
        .and_then(|n| n.hash_algorithms().ok())
        .map(|v| v.into_iter().map(|h| h.0).collect())
        .unwrap_or_default();
    list
}

/// Our AUTH payload over `octets`: RFC 7427 method 14 when the peer announced a hash our key
/// can use (RFC 7427 4: only then), else the classic method of the key (9 ECDSA P-256 /
/// 10 P-384, RFC 4754; RSA would need method 1 with SHA-1, which is refused).
pub fn our_auth(c: &CertAuth, octets: &[u8], peer_hashes: &[u16]) -> Result<AuthPayload, String> {
    let (method, data) = c
        .key
        .auth_method_and_data(octets, peer_hashes)
        .map_err(|_| {
            "cannot sign AUTH: the peer announced no SIGNATURE_HASH_ALGORITHMS (RFC 7427) usable \
         with our key and RSA auth method 1 (SHA-1) is not supported"
                .to_string()
        })?;
    if method == sign::AUTH_DIGITAL_SIGNATURE {
        let (alg, sig) =
            crate::crypto::sig_alg::split_auth_data(&data).ok_or("malformed own signature")?;
        return Ok(AuthPayload::DigitalSignature {
            algorithm: alg.to_vec(),
            signature: sig.to_vec(),
        });
    }
    Ok(AuthPayload::Other {
        method: AuthMethod(method),
        data,
    })
}

fn chain_words(e: &CertError) -> String {
    match e {
        CertError::UntrustedIssuer => "peer certificate not signed by the configured CA".into(),
        CertError::NotValidAtTime => {
            "peer certificate (or a certificate of its chain) has expired or is not yet valid"
                .into()
        }
        e => format!("peer certificate rejected: {e}"),
    }
}

/// Checks the peer: its first X.509 CERT chains to one of our CAs at the clock's time (other
/// CERTs are intermediates), its ID is certified by that certificate and equals the
/// configured `remote_id` if any, and its AUTH signature over `octets` verifies with the
/// certificate's key. `Err` is the reason in plain words.
pub fn verify_peer(
    c: &CertAuth,
    certs: &[&CertPayload],
    id: &Identification,
    remote_id: Option<&Identification>,
    auth: &AuthPayload,
    octets: &[u8],
) -> Result<(), String> {
    if auth.method() == AuthMethod::SHARED_KEY_MIC {
        return Err(
            "peer uses PSK authentication, this tunnel is configured for certificates".into(),
        );
    }
    let x509: Vec<&[u8]> = certs
        .iter()
        .filter(|p| p.encoding == CertEncoding::X509_CERT_SIGNATURE)
        .map(|p| p.data.as_slice())
        .collect();
    let key = peer_certificate_key(c, &x509, id, remote_id)?;
    verify_signature(&key, auth, octets)
}

/// The certificate checks shared by IKEv2 IKE_AUTH and IKEv1 main mode: `x509[0]` (the end
/// entity; the others are intermediates) chains to one of our CAs at the clock's time, the
/// peer's `id` is certified by it (RFC 4945 3.1) and equals `remote_id` when one is set.
/// Returns the end entity's public key; `Err` is the failed check in plain words.
pub(crate) fn peer_certificate_key(
    c: &CertAuth,
    x509: &[&[u8]],
    id: &Identification,
    remote_id: Option<&Identification>,
) -> Result<CertPublicKey, String> {
    let Some((ee, inter)) = x509.split_first() else {
        return Err("peer sent no X.509 certificate (CERT payload, encoding 4)".into());
    };
    let anchors: Vec<&[u8]> = c.trusted_cas.iter().map(Vec::as_slice).collect();
    let key =
        verify_chain(ee, inter, &anchors, c.clock.unix_time()).map_err(|e| chain_words(&e))?;
    // RFC 4945 3.1: the identity in the ID payload MUST be certified by the certificate.
    if !certifies(ee, id) {
        return Err(format!("peer ID {} not in its certificate", id_words(id)));
    }
    if let Some(want) = remote_id {
        let same = match (want, id) {
            (Identification::DerAsn1Dn(a), Identification::DerAsn1Dn(b)) => dn_eq(a, b),
            (a, b) => a == b,
        };
        if !same {
            return Err(format!(
                "peer ID {} does not match the configured remote_id {}",
                id_words(id),
                id_words(want)
            ));
        }
    }
    Ok(key)
}

fn verify_signature(key: &CertPublicKey, auth: &AuthPayload, octets: &[u8]) -> Result<(), String> {
    let bad = |m: AuthMethod| {
        format!(
            "the peer's signature (AUTH method {}) does not verify with its certificate's key",
            m.0
        )
    };
    let scheme = match auth {
        AuthPayload::DigitalSignature {
            algorithm,
            signature,
        } => {
            // RFC 7427 3: ASN.1 Length | AlgorithmIdentifier | Signature Value.
            let len = u8::try_from(algorithm.len()).map_err(|_| bad(auth.method()))?;
            let data = [&[len][..], algorithm, signature].concat();
            return verify_digital_signature(key, &data, octets).map_err(|_| bad(auth.method()));
        }
        AuthPayload::Other { method, .. } if *method == AuthMethod::SHARED_KEY_MIC => {
            return Err(
                "peer uses PSK authentication, this tunnel is configured for certificates".into(),
            )
        }
        // RFC 4754 7: fixed r || s signatures.
        AuthPayload::Other { method, .. } if *method == AuthMethod::ECDSA_SHA256_P256 => {
            SigScheme::EcdsaP256Sha256Fixed
        }
        AuthPayload::Other { method, .. } if *method == AuthMethod::ECDSA_SHA384_P384 => {
            SigScheme::EcdsaP384Sha384Fixed
        }
        // RFC 7296 3.8 method 1: RSASSA-PKCS1-v1_5 over SHA-1.
        AuthPayload::Other { method, .. } if *method == AuthMethod::RSA_DIGITAL_SIGNATURE => {
            SigScheme::RsaPkcs1Sha1
        }
        AuthPayload::Other { method, .. } => {
            return Err(format!("peer used unsupported AUTH method {}", method.0))
        }
    };
    let AuthPayload::Other { method, data } = auth else {
        return Err(bad(auth.method()));
    };
    key.verify(scheme, octets, data).map_err(|_| bad(*method))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::sign::PrivateKey;

    #[test]
    fn classic_ecdsa_auth_round_trips_and_psk_is_refused() {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let k = PrivateKey::from_pkcs8_der(pkcs8.as_ref()).unwrap();
        let pk = k.public_key();
        // RFC 7427 4: no SIGNATURE_HASH_ALGORITHMS -> classic method 9 (RFC 4754).
        let (m, data) = k.auth_method_and_data(b"octets", &[]).unwrap();
        assert_eq!(m, sign::AUTH_ECDSA_256);
        let a = AuthPayload::Other {
            method: AuthMethod(m),
            data,
        };
        assert!(verify_signature(&pk, &a, b"octets").is_ok());
        assert!(verify_signature(&pk, &a, b"octetz").is_err());
        let psk = AuthPayload::Other {
            method: AuthMethod::SHARED_KEY_MIC,
            data: vec![0; 32],
        };
        assert!(verify_signature(&pk, &psk, b"octets")
            .unwrap_err()
            .contains("PSK"));
    }

    #[test]
    fn hash_list_is_read_from_the_peer_init_message() {
        use crate::wire::v2::{ExchangeType, Flags, HashAlgorithm, Header, NotifyPayload};
        let m = Message {
            header: Header::v2(1, 0, ExchangeType::IKE_SA_INIT, Flags(0), 0),
            payloads: vec![Payload::Notify(NotifyPayload::signature_hash_algorithms(
                &[HashAlgorithm::SHA2_256, HashAlgorithm::SHA2_512],
            ))],
        };
        assert_eq!(peer_hash_algorithms(&m.to_vec().unwrap()), vec![2, 4]);
        assert!(peer_hash_algorithms(&[1, 2, 3]).is_empty());
    }
}
