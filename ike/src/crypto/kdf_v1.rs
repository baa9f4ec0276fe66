//! IKEv1 key derivation (RFC 2409 5, appendix B): SKEYID for PSK and signature authentication,
//! SKEYID_d/a/e, the encryption key expansion, the phase 1/2 CBC IVs and quick mode KEYMAT.
//!
//! Pure functions over [`Secret`]s. This module never selects algorithms and never truncates
//! a PRF output except where RFC 2409 says to (key and IV lengths).

use super::{CryptoError, PrfAlg, Result, Secret};

/// RFC 2409 5: `SKEYID = prf(pre-shared-key, Ni_b | Nr_b)` (pre-shared key authentication).
pub fn skeyid_psk(prf: PrfAlg, psk: &Secret, ni_b: &[u8], nr_b: &[u8]) -> Secret {
    prf.prf(psk.expose(), &[ni_b, nr_b])
}

/// RFC 2409 5: `SKEYID = prf(Ni_b | Nr_b, g^xy)` (signature authentication).
pub fn skeyid_sig(prf: PrfAlg, ni_b: &[u8], nr_b: &[u8], g_xy: &Secret) -> Secret {
    let key = Secret::concat(&[ni_b, nr_b]);
    prf.prf(key.expose(), &[g_xy.expose()])
}

/// The three ISAKMP SA keys derived from SKEYID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Keys {
    /// SKEYID_d: derives quick mode KEYMAT.
    pub skeyid_d: Secret,
    /// SKEYID_a: ISAKMP message authentication (HASH payloads).
    pub skeyid_a: Secret,
    /// SKEYID_e: ISAKMP encryption key seed.
    pub skeyid_e: Secret,
}

/// RFC 2409 5:
/// `SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)`,
/// `SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)`,
/// `SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)`.
pub fn skeyid_dae(
    prf: PrfAlg,
    skeyid: &Secret,
    g_xy: &Secret,
    cky_i: &[u8; 8],
    cky_r: &[u8; 8],
) -> V1Keys {
    let k = skeyid.expose();
    let g = g_xy.expose();
    let skeyid_d = prf.prf(k, &[g, cky_i, cky_r, &[0]]);
    let skeyid_a = prf.prf(k, &[skeyid_d.expose(), g, cky_i, cky_r, &[1]]);
    let skeyid_e = prf.prf(k, &[skeyid_a.expose(), g, cky_i, cky_r, &[2]]);
    V1Keys {
        skeyid_d,
        skeyid_a,
        skeyid_e,
    }
}

/// RFC 2409 appendix B: the encryption key is the first `key_len` bytes of SKEYID_e, or, if
/// SKEYID_e is too short, of `K1 | K2 | ...` with `K1 = prf(SKEYID_e, 0)` (one zero octet) and
/// `Kn = prf(SKEYID_e, Kn-1)`.
pub fn encryption_key(prf: PrfAlg, skeyid_e: &Secret, key_len: usize) -> Secret {
    if skeyid_e.len() >= key_len {
        let mut k = skeyid_e.clone();
        k.truncate(key_len);
        return k;
    }
    let mut prev = prf.prf(skeyid_e.expose(), &[&[0]]);
    let mut buf = Vec::with_capacity(key_len + prf.output_len());
    loop {
        buf.extend_from_slice(prev.expose());
        if buf.len() >= key_len {
            break;
        }
        prev = prf.prf(skeyid_e.expose(), &[prev.expose()]);
    }
    let mut out = Secret::new(buf);
    out.truncate(key_len);
    out
}

fn digest_alg(prf: PrfAlg) -> &'static ring::digest::Algorithm {
    match prf {
        PrfAlg::HmacSha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        PrfAlg::HmacSha256 => &ring::digest::SHA256,
        PrfAlg::HmacSha384 => &ring::digest::SHA384,
        PrfAlg::HmacSha512 => &ring::digest::SHA512,
    }
}

fn hash_trunc(prf: PrfAlg, parts: &[&[u8]], len: usize) -> Result<Vec<u8>> {
    let mut ctx = ring::digest::Context::new(digest_alg(prf));
    for p in parts {
        ctx.update(p);
    }
    let d = ctx.finish();
    d.as_ref()
        .get(..len)
        .map(<[u8]>::to_vec)
        .ok_or(CryptoError::BadLength {
            expected: len,
            got: d.as_ref().len(),
        })
}

/// RFC 2409 appendix B: phase 1 IV = `hash(g^xi | g^xr)` truncated to the block size. The
/// hash is the one negotiated for the ISAKMP SA (named here by its HMAC PRF).
pub fn phase1_iv(prf: PrfAlg, g_xi: &[u8], g_xr: &[u8], block_len: usize) -> Result<Vec<u8>> {
    hash_trunc(prf, &[g_xi, g_xr], block_len)
}

/// RFC 2409 appendix B: IV for a phase 2 / informational exchange = `hash(last phase 1 CBC
/// output block | M-ID)` truncated to the block size.
pub fn phase2_iv(
    prf: PrfAlg,
    last_phase1_block: &[u8],
    message_id: u32,
    block_len: usize,
) -> Result<Vec<u8>> {
    hash_trunc(
        prf,
        &[last_phase1_block, &message_id.to_be_bytes()],
        block_len,
    )
}

/// RFC 2409 5.5: `KEYMAT = K1 | K2 | ...` where
/// `K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)` and
/// `Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)`, truncated to `len`.
/// Called once per direction with that direction's SPI (the inbound SA uses our own SPI).
// Eight inputs because RFC 2409 5.5's formula has that many; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn quick_mode_keymat(
    prf: PrfAlg,
    skeyid_d: &Secret,
    g_qm: Option<&Secret>,
    protocol: u8,
    spi: &[u8],
    ni_b: &[u8],
    nr_b: &[u8],
    len: usize,
) -> Secret {
    let g: &[u8] = g_qm.map_or(&[], Secret::expose);
    let proto = [protocol];
    let mut acc: Vec<u8> = Vec::with_capacity(len + prf.output_len());
    let mut prev: Option<Secret> = None;
    while acc.len() < len {
        let k = match &prev {
            None => prf.prf(skeyid_d.expose(), &[g, &proto, spi, ni_b, nr_b]),
            Some(p) => prf.prf(skeyid_d.expose(), &[p.expose(), g, &proto, spi, ni_b, nr_b]),
        };
        acc.extend_from_slice(k.expose());
        prev = Some(k);
    }
    let mut out = Secret::new(acc);
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_ivs_are_truncated_hashes() {
        // RFC 2409 appendix B, checked against ring's digest directly.
        let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, b"gxigxr");
        assert_eq!(
            phase1_iv(PrfAlg::HmacSha1, b"gxi", b"gxr", 16).unwrap(),
            &d.as_ref()[..16]
        );
        let d = ring::digest::digest(
            &ring::digest::SHA256,
            &[b"blk".as_slice(), &[0, 0, 1, 2]].concat(),
        );
        assert_eq!(
            phase2_iv(PrfAlg::HmacSha256, b"blk", 0x0102, 16).unwrap(),
            &d.as_ref()[..16]
        );
        assert!(phase1_iv(PrfAlg::HmacSha1, b"a", b"b", 21).is_err());
    }
}
