//! Finite-field D-H over the MODP groups 2, 5, 14-18 (RFC 2409/3526) and 22-24 (RFC 5114).
//!
//! Exponentiation is constant time in the exponent (crypto-bigint Montgomery `pow`); only the
//! exponent's bit length, a public parameter, affects timing. Peer values are checked before
//! use: 1 < y < p-1 (RFC 7296 5 / NIST SP 800-56A 5.6.2.3.1) and, for the RFC 5114 groups,
//! y^q = 1 mod p (SP 800-56A 5.6.2.3.1 full validation). This module never reuses a private
//! exponent and never returns a shared secret of 1.

use super::{modp_3526 as r3526, modp_5114 as r5114, DhGroup, KeyExchange, Random, Result, Secret};
use crate::crypto::CryptoError;
use crypto_bigint::{
    modular::{MontyForm, MontyParams},
    Limb, Odd, Uint, U1024, U1536, U2048, U3072, U4096, U6144, U8192,
};
use zeroize::{Zeroize, Zeroizing};

/// Group parameters as big-endian bytes (`p` has exactly `public_len` bytes).
pub(crate) struct ModpParams {
    pub(crate) p: Vec<u8>,
    pub(crate) g: Vec<u8>,
    /// Prime subgroup order for the RFC 5114 groups.
    pub(crate) q: Option<Vec<u8>>,
    /// Private exponent length in bits for the safe-prime groups (at least twice the group's
    /// security strength, RFC 3526 8 / SP 800-57); for 5114 groups the exponent is < q.
    pub(crate) exp_bits: u32,
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    b.chunks(2)
        .map(|c| Some(nib(*c.first()?)? << 4 | nib(*c.get(1)?)?))
        .collect()
}

/// Left-pad `v` to `len` bytes (None if it is longer).
fn pad_to(v: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; len.checked_sub(v.len())?];
    out.extend_from_slice(v);
    Some(out)
}

pub(crate) fn params(group: DhGroup) -> Option<ModpParams> {
    let safe = |p: &str, exp_bits| {
        Some(ModpParams {
            p: unhex(p)?,
            g: vec![2],
            q: None,
            exp_bits,
        })
    };
    let sub = |p: &str, g: &str, q: &str| {
        let q = unhex(q)?;
        let bits = u32::try_from(q.len() * 8).ok()?;
        Some(ModpParams {
            p: unhex(p)?,
            g: unhex(g)?,
            q: Some(q),
            exp_bits: bits,
        })
    };
    match group {
        DhGroup::Modp1024 => safe(r3526::MODP_1024, 256),
        DhGroup::Modp1536 => safe(r3526::MODP_1536, 256),
        DhGroup::Modp2048 => safe(r3526::MODP_2048, 256),
        DhGroup::Modp3072 => safe(r3526::MODP_3072, 320),
        DhGroup::Modp4096 => safe(r3526::MODP_4096, 384),
        DhGroup::Modp6144 => safe(r3526::MODP_6144, 448),
        DhGroup::Modp8192 => safe(r3526::MODP_8192, 512),
        DhGroup::Modp1024s160 => sub(r5114::G22_P, r5114::G22_G, r5114::G22_Q),
        DhGroup::Modp2048s224 => sub(r5114::G23_P, r5114::G23_G, r5114::G23_Q),
        DhGroup::Modp2048s256 => sub(r5114::G24_P, r5114::G24_G, r5114::G24_Q),
        _ => None,
    }
}

fn to_uint<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    let mut buf = Zeroizing::new(pad_to(bytes, L * Limb::BYTES)?);
    let v = Uint::<L>::from_be_slice(&buf);
    buf.zeroize();
    Some(v)
}

fn from_uint<const L: usize>(v: &Uint<L>, len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(L * Limb::BYTES);
    for w in v.as_words().iter().rev() {
        out.extend_from_slice(&w.to_be_bytes());
    }
    let skip = out.len().checked_sub(len)?;
    // Every skipped byte must be zero or the value does not fit.
    if out.get(..skip)?.iter().any(|&b| b != 0) {
        out.zeroize();
        return None;
    }
    let tail = out.get(skip..)?.to_vec();
    out.zeroize();
    Some(tail)
}

fn modexp_sized<const L: usize>(
    base: &[u8],
    exp: &[u8],
    exp_bits: u32,
    p: &[u8],
) -> Option<Vec<u8>> {
    let modulus: Uint<L> = to_uint(p)?;
    let odd = Option::<Odd<Uint<L>>>::from(Odd::new(modulus))?;
    let params = MontyParams::new_vartime(odd);
    let b: Uint<L> = to_uint(base)?;
    let mut e: Uint<L> = to_uint(exp)?;
    let mut r = MontyForm::new(&b, params).pow_bounded_exp(&e, exp_bits);
    let mut out = r.retrieve();
    let bytes = from_uint(&out, p.len());
    e.as_words_mut().zeroize();
    r.as_montgomery_mut().as_words_mut().zeroize();
    out.as_words_mut().zeroize();
    bytes
}

/// `base^exp mod p`, big-endian in and out (output padded to `p.len()`). Constant time in
/// `exp` for a given `exp_bits`.
pub(crate) fn modexp(base: &[u8], exp: &[u8], exp_bits: u32, p: &[u8]) -> Option<Vec<u8>> {
    match p.len() {
        128 => modexp_sized::<{ U1024::LIMBS }>(base, exp, exp_bits, p),
        192 => modexp_sized::<{ U1536::LIMBS }>(base, exp, exp_bits, p),
        256 => modexp_sized::<{ U2048::LIMBS }>(base, exp, exp_bits, p),
        384 => modexp_sized::<{ U3072::LIMBS }>(base, exp, exp_bits, p),
        512 => modexp_sized::<{ U4096::LIMBS }>(base, exp, exp_bits, p),
        768 => modexp_sized::<{ U6144::LIMBS }>(base, exp, exp_bits, p),
        1024 => modexp_sized::<{ U8192::LIMBS }>(base, exp, exp_bits, p),
        _ => None,
    }
}

/// Peer public value check. `y` and `p` are big-endian of equal length, so byte-wise
/// lexicographic order is numeric order. The value is public; variable time is fine here.
pub(crate) fn validate_peer(params: &ModpParams, y: &[u8]) -> Result<()> {
    // RFC 7296 3.4: the KE data length must equal the prime length for MODP groups.
    if y.len() != params.p.len() {
        return Err(CryptoError::InvalidPublicValue);
    }
    let mut p_minus_1 = params.p.clone();
    if let Some(last) = p_minus_1.last_mut() {
        // p is odd, so subtracting one never borrows.
        *last &= 0xfe;
    }
    let mut one = vec![0u8; y.len()];
    if let Some(last) = one.last_mut() {
        *last = 1;
    }
    // NIST SP 800-56A 5.6.2.3.1: 2 <= y <= p-2.
    if y <= one.as_slice() || y >= p_minus_1.as_slice() {
        return Err(CryptoError::InvalidPublicValue);
    }
    if let Some(q) = &params.q {
        // RFC 5114 / SP 800-56A 5.6.2.3.1: y^q mod p must be 1 (y lies in the order-q subgroup).
        let bits = u32::try_from(q.len() * 8).map_err(|_| CryptoError::Backend)?;
        let r = modexp(y, q, bits, &params.p).ok_or(CryptoError::Backend)?;
        if r != one {
            return Err(CryptoError::InvalidPublicValue);
        }
    }
    Ok(())
}

/// One MODP key exchange.
pub(crate) struct ModpKe {
    group: DhGroup,
    params: ModpParams,
    x: Secret,
    public: Vec<u8>,
}

impl core::fmt::Debug for ModpKe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ModpKe")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// Draw a private exponent: uniform in [1, q-1] for 5114 groups (SP 800-56A 5.6.1.1.1,
/// by rejection sampling), or `exp_bits` random bits (value >= 2) for safe-prime groups.
fn private_exponent(params: &ModpParams, rng: &dyn Random) -> Result<Secret> {
    let nbytes = usize::try_from(params.exp_bits.div_ceil(8)).map_err(|_| CryptoError::Backend)?;
    for _ in 0..256 {
        let mut x = Secret::zeroed(nbytes);
        rng.fill(x.expose_mut())?;
        let nonzero_above_one = {
            let b = x.expose();
            let (last, head) = b.split_last().ok_or(CryptoError::Backend)?;
            head.iter().any(|&v| v != 0) || *last > 1
        };
        let below_q = match &params.q {
            Some(q) => x.expose() < q.as_slice(),
            None => true,
        };
        if nonzero_above_one && below_q {
            return Ok(x);
        }
    }
    Err(CryptoError::Backend)
}

impl ModpKe {
    pub(crate) fn generate(group: DhGroup, rng: &dyn Random) -> Result<Self> {
        let params = params(group).ok_or(CryptoError::Unsupported)?;
        let x = private_exponent(&params, rng)?;
        let public = modexp(&params.g, x.expose(), params.exp_bits, &params.p)
            .ok_or(CryptoError::Backend)?;
        Ok(ModpKe {
            group,
            params,
            x,
            public,
        })
    }
}

impl KeyExchange for ModpKe {
    fn group(&self) -> DhGroup {
        self.group
    }

    fn public_value(&self) -> Vec<u8> {
        self.public.clone()
    }

    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret> {
        validate_peer(&self.params, peer)?;
        let z = modexp(peer, self.x.expose(), self.params.exp_bits, &self.params.p)
            .ok_or(CryptoError::Backend)?;
        let z = Secret::new(z);
        // Cannot happen for a validated peer value; a last guard against a degenerate secret.
        let (last, head) = z.expose().split_last().ok_or(CryptoError::Backend)?;
        if head.iter().all(|&b| b == 0) && *last <= 1 {
            return Err(CryptoError::InvalidPublicValue);
        }
        Ok(z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::provider::TestRandom;

    const SAFE: [(DhGroup, usize); 7] = [
        (DhGroup::Modp1024, 1024),
        (DhGroup::Modp1536, 1536),
        (DhGroup::Modp2048, 2048),
        (DhGroup::Modp3072, 3072),
        (DhGroup::Modp4096, 4096),
        (DhGroup::Modp6144, 6144),
        (DhGroup::Modp8192, 8192),
    ];

    #[test]
    fn rfc3526_prime_shape() {
        // RFC 3526 / RFC 2409 6.2: p = 2^n - 2^(n-64) - 1 + 2^64 * [...], so the top and bottom
        // 64 bits are all ones and the next word is the start of pi's binary expansion
        // (C90FDAA2 2168C234, "FFFFFFFF FFFFFFFF C90FDAA2 2168C234" in every RFC listing).
        for (g, bits) in SAFE {
            let p = params(g).unwrap();
            assert_eq!(p.p.len() * 8, bits, "{g:?}");
            assert_eq!(p.p.len(), g.public_len());
            assert_eq!(&p.p[..8], &[0xff; 8]);
            assert_eq!(
                &p.p[8..16],
                &[0xC9, 0x0F, 0xDA, 0xA2, 0x21, 0x68, 0xC2, 0x34]
            );
            assert_eq!(&p.p[p.p.len() - 8..], &[0xff; 8]);
            assert_eq!(p.g, vec![2]);
        }
        // Last words before the trailing ones, as printed in RFC 3526 3 (group 14) and RFC
        // 2409 6.2 (group 2).
        let p14 = params(DhGroup::Modp2048).unwrap().p;
        assert_eq!(
            &p14[240..248],
            &[0x15, 0x72, 0x8E, 0x5A, 0x8A, 0xAC, 0xAA, 0x68]
        );
        let p2 = params(DhGroup::Modp1024).unwrap().p;
        assert_eq!(&p2[116..120], &[0xEC, 0xE6, 0x53, 0x81]);
    }

    #[test]
    fn safe_prime_generator_is_a_quadratic_residue() {
        // For p = 2q+1 with p = 7 mod 8, 2 generates the order-q subgroup: 2^((p-1)/2) = 1.
        for (g, _) in SAFE.iter().take(3) {
            let p = params(*g).unwrap();
            let mut half = p.p.clone();
            // (p-1)/2 = p >> 1 for odd p.
            let mut carry = 0u8;
            for b in half.iter_mut() {
                let nb = (*b >> 1) | (carry << 7);
                carry = *b & 1;
                *b = nb;
            }
            let bits = u32::try_from(half.len() * 8).unwrap();
            let r = modexp(&[2], &half, bits, &p.p).unwrap();
            assert_eq!(r.last(), Some(&1));
            assert!(r[..r.len() - 1].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn rfc5114_subgroup_order_checks() {
        // RFC 5114 2.1-2.3: q has 160/224/256 bits and g^q = 1 mod p.
        for (g, pbits, qbits) in [
            (DhGroup::Modp1024s160, 1024, 160),
            (DhGroup::Modp2048s224, 2048, 224),
            (DhGroup::Modp2048s256, 2048, 256),
        ] {
            let p = params(g).unwrap();
            assert_eq!(p.p.len() * 8, pbits);
            let q = p.q.clone().unwrap();
            assert_eq!(q.len() * 8, qbits);
            assert!(q[0] & 0x80 != 0);
            let gq = modexp(&p.g, &q, qbits as u32, &p.p).unwrap();
            assert_eq!(gq.last(), Some(&1));
            assert!(gq[..gq.len() - 1].iter().all(|&b| b == 0));
            // The generator itself passes full validation.
            assert!(validate_peer(&p, &pad_to(&p.g, p.p.len()).unwrap()).is_ok());
        }
    }

    #[test]
    fn modexp_small_known_values() {
        // 3^5 mod 2^1024-ish odd modulus with a small value: check against plain arithmetic.
        let p = params(DhGroup::Modp1024).unwrap().p;
        let r = modexp(&[3], &[5], 8, &p).unwrap();
        assert_eq!(r.len(), 128);
        assert_eq!(r[127], 243);
        assert!(r[..127].iter().all(|&b| b == 0));
        assert!(modexp(&[3], &[5], 8, &[0xff; 100]).is_none());
    }

    #[test]
    fn rejects_out_of_range_values() {
        for g in [DhGroup::Modp1024, DhGroup::Modp2048s224] {
            let p = params(g).unwrap();
            let n = p.p.len();
            let mut one = vec![0u8; n];
            one[n - 1] = 1;
            let mut pm1 = p.p.clone();
            pm1[n - 1] -= 1;
            for bad in [
                vec![0u8; n],
                one,
                pm1,
                p.p.clone(),
                vec![0xff; n],
                vec![2u8; n - 1],
                vec![0u8; n + 1],
            ] {
                assert_eq!(
                    validate_peer(&p, &bad),
                    Err(CryptoError::InvalidPublicValue)
                );
            }
            let mut two = vec![0u8; n];
            two[n - 1] = 2;
            // 2 is in range; for 5114 groups it is not in the order-q subgroup.
            assert_eq!(validate_peer(&p, &two).is_ok(), p.q.is_none());
        }
    }

    #[test]
    fn debug_does_not_show_exponent() {
        let rng = TestRandom::new(1);
        let ke = ModpKe::generate(DhGroup::Modp1024, &rng).unwrap();
        let s = format!("{ke:?}");
        assert!(s.contains("Modp1024") && !s.contains("x:"));
    }
}
