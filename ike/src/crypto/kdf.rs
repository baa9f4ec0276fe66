//! IKEv2 key derivation: SKEYSEED and SK_* (RFC 7296 2.14), Child SA KEYMAT (2.17) and IKE SA
//! rekey SKEYSEED (2.18).
//!
//! All outputs are [`Secret`]s split in the RFC's order. This module never chooses algorithms
//! and never reorders keys by role: the initiator→responder keys always come first.

use super::{ids::EncrAlg, IntegAlg, PrfAlg, Result, Secret};

/// The IKE SA algorithms that size the key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeSuite {
    /// ENCR transform (AEAD or CBC).
    pub encr: EncrAlg,
    /// INTEG transform; `None` for AEAD (RFC 5282 8: no separate integrity).
    pub integ: Option<IntegAlg>,
    /// PRF transform.
    pub prf: PrfAlg,
}

/// The seven IKE SA keys of RFC 7296 2.14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeSaKeys {
    /// SK_d: seeds Child SA keys and IKE SA rekeying.
    pub sk_d: Secret,
    /// SK_ai: initiator→responder integrity (empty for AEAD).
    pub sk_ai: Secret,
    /// SK_ar: responder→initiator integrity (empty for AEAD).
    pub sk_ar: Secret,
    /// SK_ei: initiator→responder encryption (AEAD: key || 4-byte salt).
    pub sk_ei: Secret,
    /// SK_er: responder→initiator encryption (AEAD: key || 4-byte salt).
    pub sk_er: Secret,
    /// SK_pi: initiator AUTH payload key.
    pub sk_pi: Secret,
    /// SK_pr: responder AUTH payload key.
    pub sk_pr: Secret,
}

/// RFC 7296 2.14: `SKEYSEED = prf(Ni | Nr, g^ir)`.
pub fn skeyseed(prf: PrfAlg, ni: &[u8], nr: &[u8], g_ir: &Secret) -> Secret {
    let key = Secret::concat(&[ni, nr]);
    prf.prf(key.expose(), &[g_ir.expose()])
}

/// RFC 7296 2.18: `SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)`. `prf` MUST be the old
/// IKE SA's PRF (2.18: the rekeying exchange belongs to the old SA); the new SA's SK_* then
/// come from [`ike_sa_keys`] with the new suite.
pub fn rekey_skeyseed(
    old_prf: PrfAlg,
    old_sk_d: &Secret,
    g_ir_new: &Secret,
    ni: &[u8],
    nr: &[u8],
) -> Secret {
    old_prf.prf(old_sk_d.expose(), &[g_ir_new.expose(), ni, nr])
}

/// RFC 7296 2.14: `{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
/// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)`. SK_d/SK_pi/SK_pr take the PRF's preferred key
/// length; SK_e* take the cipher key plus salt for AEAD (RFC 5282 7.1); SK_a* are empty for
/// AEAD.
pub fn ike_sa_keys(
    suite: IkeSuite,
    skeyseed: &Secret,
    ni: &[u8],
    nr: &[u8],
    spi_i: &[u8; 8],
    spi_r: &[u8; 8],
) -> Result<IkeSaKeys> {
    let d_len = suite.prf.key_len();
    let a_len = if suite.encr.is_aead() {
        0
    } else {
        suite.integ.map_or(0, IntegAlg::key_len)
    };
    let e_len = suite.encr.keymat_len();
    let total = 3 * d_len + 2 * a_len + 2 * e_len;
    let seed = Secret::concat(&[ni, nr, spi_i, spi_r]);
    let km = suite
        .prf
        .prf_plus(skeyseed.expose(), seed.expose(), total)?;
    let mut off = 0;
    let mut take = |len: usize| {
        let s = km.slice(off, len);
        off += len;
        s.ok_or(super::CryptoError::Backend)
    };
    Ok(IkeSaKeys {
        sk_d: take(d_len)?,
        sk_ai: take(a_len)?,
        sk_ar: take(a_len)?,
        sk_ei: take(e_len)?,
        sk_er: take(e_len)?,
        sk_pi: take(d_len)?,
        sk_pr: take(d_len)?,
    })
}

/// RFC 7296 2.17: `KEYMAT = prf+(SK_d, Ni | Nr)`, or with PFS
/// `KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)`. Ni/Nr are the CREATE_CHILD_SA nonces (or the
/// IKE_SA_INIT nonces for the first Child SA).
pub fn child_keymat(
    prf: PrfAlg,
    sk_d: &Secret,
    g_ir_new: Option<&Secret>,
    ni: &[u8],
    nr: &[u8],
    len: usize,
) -> Result<Secret> {
    let seed = match g_ir_new {
        Some(g) => Secret::concat(&[g.expose(), ni, nr]),
        None => Secret::concat(&[ni, nr]),
    };
    prf.prf_plus(sk_d.expose(), seed.expose(), len)
}

/// ESP keys for one Child SA, both directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSaKeys {
    /// Initiator→responder encryption key (AEAD: key || salt).
    pub encr_i: Secret,
    /// Initiator→responder integrity key (empty for AEAD).
    pub integ_i: Secret,
    /// Responder→initiator encryption key.
    pub encr_r: Secret,
    /// Responder→initiator integrity key.
    pub integ_r: Secret,
}

/// Derive and split Child SA KEYMAT. RFC 7296 2.17: the initiator→responder SA's keys come
/// first; within one direction the encryption key precedes the integrity key. Only
/// `encr.keymat_len()` / `integ.key_len()` bytes are taken for each.
pub fn child_sa_keys(
    prf: PrfAlg,
    sk_d: &Secret,
    g_ir_new: Option<&Secret>,
    ni: &[u8],
    nr: &[u8],
    encr: EncrAlg,
    integ: Option<IntegAlg>,
) -> Result<ChildSaKeys> {
    let e = encr.keymat_len();
    let a = if encr.is_aead() {
        0
    } else {
        integ.map_or(0, IntegAlg::key_len)
    };
    let km = child_keymat(prf, sk_d, g_ir_new, ni, nr, 2 * (e + a))?;
    let get = |off: usize, len: usize| km.slice(off, len).ok_or(super::CryptoError::Backend);
    Ok(ChildSaKeys {
        encr_i: get(0, e)?,
        integ_i: get(e, a)?,
        encr_r: get(e + a, e)?,
        integ_r: get(2 * e + a, a)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aead_suite_has_no_integrity_keys_and_salted_encryption_keys() {
        // RFC 5282 7.1: SK_ai/SK_ar are empty; SK_ei/SK_er carry key || 4-byte salt.
        let suite = IkeSuite {
            encr: EncrAlg::AesGcm16 { key_bits: 256 },
            integ: None,
            prf: PrfAlg::HmacSha384,
        };
        let s = Secret::from_slice(&[1; 48]);
        let k = ike_sa_keys(suite, &s, b"ni", b"nr", &[1; 8], &[2; 8]).unwrap();
        assert!(k.sk_ai.is_empty() && k.sk_ar.is_empty());
        assert_eq!((k.sk_ei.len(), k.sk_er.len()), (36, 36));
        assert_eq!((k.sk_d.len(), k.sk_pi.len(), k.sk_pr.len()), (48, 48, 48));
        let all = PrfAlg::HmacSha384
            .prf_plus(
                s.expose(),
                b"ninr\x01\x01\x01\x01\x01\x01\x01\x01\x02\x02\x02\x02\x02\x02\x02\x02",
                48 * 3 + 72,
            )
            .unwrap();
        assert_eq!(k.sk_ei.expose(), &all.expose()[48..84]);
        assert_eq!(k.sk_pr.expose(), &all.expose()[48 * 2 + 72..]);
        // An integrity transform passed with an AEAD is ignored for key sizing.
        let suite2 = IkeSuite {
            integ: Some(IntegAlg::HmacSha256_128),
            ..suite
        };
        assert_eq!(
            ike_sa_keys(suite2, &s, b"ni", b"nr", &[1; 8], &[2; 8]).unwrap(),
            k
        );
        assert_eq!(format!("{:?}", k.sk_d), "<redacted>");
    }
}
