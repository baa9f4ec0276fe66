//! IKEv1 authentication hashes (RFC 2409 5, 5.4, 5.5; RFC 2408 / 2409 informational HASH).
//!
//! The caller passes the payload bodies exactly as RFC 2409 defines them (generic payload
//! header stripped: "SAi_b", "IDii_b", nonces' bodies ...). Results are [`Secret`]s compared in
//! constant time. This module does not parse payloads and does not choose the PRF.

use super::{secret::ct_eq, CryptoError, PrfAlg, Result, Secret};

/// The phase 1 values both HASH_I and HASH_R cover.
#[derive(Debug, Clone, Copy)]
pub struct Phase1Transcript<'a> {
    /// Initiator's D-H public value g^xi.
    pub g_xi: &'a [u8],
    /// Responder's D-H public value g^xr.
    pub g_xr: &'a [u8],
    /// Initiator cookie.
    pub cky_i: &'a [u8; 8],
    /// Responder cookie.
    pub cky_r: &'a [u8; 8],
    /// The initiator's SA payload body (the whole proposal set as sent).
    pub sai_b: &'a [u8],
}

/// RFC 2409 5: `HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)`.
pub fn hash_i(prf: PrfAlg, skeyid: &Secret, t: &Phase1Transcript<'_>, idii_b: &[u8]) -> Secret {
    prf.prf(
        skeyid.expose(),
        &[t.g_xi, t.g_xr, t.cky_i, t.cky_r, t.sai_b, idii_b],
    )
}

/// RFC 2409 5: `HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)`.
pub fn hash_r(prf: PrfAlg, skeyid: &Secret, t: &Phase1Transcript<'_>, idir_b: &[u8]) -> Secret {
    prf.prf(
        skeyid.expose(),
        &[t.g_xr, t.g_xi, t.cky_r, t.cky_i, t.sai_b, idir_b],
    )
}

/// RFC 2409 5.5: `HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])`.
/// `rest` is the message after the HASH payload, payloads with their generic headers.
pub fn qm_hash1(prf: PrfAlg, skeyid_a: &Secret, message_id: u32, rest: &[u8]) -> Secret {
    prf.prf(skeyid_a.expose(), &[&message_id.to_be_bytes(), rest])
}

/// RFC 2409 5.5: `HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])`.
pub fn qm_hash2(
    prf: PrfAlg,
    skeyid_a: &Secret,
    message_id: u32,
    ni_b: &[u8],
    rest: &[u8],
) -> Secret {
    prf.prf(skeyid_a.expose(), &[&message_id.to_be_bytes(), ni_b, rest])
}

/// RFC 2409 5.5: `HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)` (one zero octet).
pub fn qm_hash3(
    prf: PrfAlg,
    skeyid_a: &Secret,
    message_id: u32,
    ni_b: &[u8],
    nr_b: &[u8],
) -> Secret {
    prf.prf(
        skeyid_a.expose(),
        &[&[0], &message_id.to_be_bytes(), ni_b, nr_b],
    )
}

/// RFC 2409 5.7: informational exchange `HASH(1) = prf(SKEYID_a, M-ID | N/D)`, where N/D is
/// the Notify or Delete payload including its generic header.
pub fn info_hash(prf: PrfAlg, skeyid_a: &Secret, message_id: u32, payloads: &[u8]) -> Secret {
    qm_hash1(prf, skeyid_a, message_id, payloads)
}

/// Compare a received hash with the expected one in constant time.
pub fn verify_hash(expected: &Secret, received: &[u8]) -> Result<()> {
    if ct_eq(expected.expose(), received) {
        Ok(())
    } else {
        Err(CryptoError::IntegrityFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
        ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key), data)
            .as_ref()
            .to_vec()
    }

    #[test]
    fn hashes_follow_rfc2409_concatenation_order() {
        let p = PrfAlg::HmacSha256;
        let k = Secret::from_slice(b"skeyid");
        let (ci, cr) = ([1u8; 8], [2u8; 8]);
        let t = Phase1Transcript {
            g_xi: b"GXI",
            g_xr: b"GXR",
            cky_i: &ci,
            cky_r: &cr,
            sai_b: b"SA",
        };
        let hi = hash_i(p, &k, &t, b"IDI");
        assert_eq!(
            hi.expose(),
            hmac256(
                b"skeyid",
                &[b"GXIGXR".as_slice(), &ci, &cr, b"SAIDI"].concat()
            )
        );
        let hr = hash_r(p, &k, &t, b"IDR");
        assert_eq!(
            hr.expose(),
            hmac256(
                b"skeyid",
                &[b"GXRGXI".as_slice(), &cr, &ci, b"SAIDR"].concat()
            )
        );
        assert_ne!(hi, hr);
        let h3 = qm_hash3(p, &k, 0x01020304, b"NI", b"NR");
        assert_eq!(h3.expose(), hmac256(b"skeyid", b"\x00\x01\x02\x03\x04NINR"));
        let h2 = qm_hash2(p, &k, 7, b"NI", b"REST");
        assert_eq!(h2.expose(), hmac256(b"skeyid", b"\x00\x00\x00\x07NIREST"));
        let h1 = info_hash(p, &k, 7, b"N");
        assert_eq!(h1.expose(), hmac256(b"skeyid", b"\x00\x00\x00\x07N"));
        assert!(verify_hash(&h1, h1.expose()).is_ok());
        assert!(verify_hash(&h1, &h1.expose()[1..]).is_err());
    }
}
