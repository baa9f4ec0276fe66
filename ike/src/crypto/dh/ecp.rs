//! ECP groups 19/20 (P-256/P-384 via ring) and 21 (P-521 via the `p521` crate), RFC 5903.
//!
//! Wire form is x || y with each coordinate left-padded to the field size and no SEC1 0x04
//! prefix (RFC 5903 7); the shared secret is the x coordinate of the product point (RFC 5903 7,
//! as corrected from RFC 4753). Point validation (on curve, not infinity) is done by the
//! libraries; this module checks lengths first and never accepts compressed points.

use super::{DhGroup, KeyExchange, Random, Result, Secret};
use crate::crypto::CryptoError;
use p521::elliptic_curve::sec1::ToEncodedPoint;
use ring::agreement;

/// Add the SEC1 uncompressed-point tag to an IKE x || y value after checking its length.
fn to_sec1(group: DhGroup, peer: &[u8]) -> Result<Vec<u8>> {
    // RFC 5903 7: the KE data is exactly 2 * field length octets.
    if peer.len() != group.public_len() {
        return Err(CryptoError::InvalidPublicValue);
    }
    let mut v = Vec::with_capacity(peer.len() + 1);
    v.push(0x04);
    v.extend_from_slice(peer);
    Ok(v)
}

/// Groups 19 and 20 through ring's ephemeral ECDH.
pub(crate) struct RingEcdh {
    group: DhGroup,
    key: agreement::EphemeralPrivateKey,
    public: Vec<u8>,
}

impl core::fmt::Debug for RingEcdh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RingEcdh")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

fn ring_alg(group: DhGroup) -> Result<&'static agreement::Algorithm> {
    match group {
        DhGroup::Ecp256 => Ok(&agreement::ECDH_P256),
        DhGroup::Ecp384 => Ok(&agreement::ECDH_P384),
        _ => Err(CryptoError::Unsupported),
    }
}

impl RingEcdh {
    pub(crate) fn generate(group: DhGroup, rng: &dyn ring::rand::SecureRandom) -> Result<Self> {
        let alg = ring_alg(group)?;
        let key =
            agreement::EphemeralPrivateKey::generate(alg, rng).map_err(|_| CryptoError::Backend)?;
        let pk = key.compute_public_key().map_err(|_| CryptoError::Backend)?;
        // Strip the 0x04 SEC1 tag: RFC 5903 7 sends x || y only.
        let public = pk.as_ref().get(1..).ok_or(CryptoError::Backend)?.to_vec();
        if public.len() != group.public_len() {
            return Err(CryptoError::Backend);
        }
        Ok(RingEcdh { group, key, public })
    }
}

impl KeyExchange for RingEcdh {
    fn group(&self) -> DhGroup {
        self.group
    }

    fn public_value(&self) -> Vec<u8> {
        self.public.clone()
    }

    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret> {
        let alg = ring_alg(self.group)?;
        let sec1 = to_sec1(self.group, peer)?;
        let peer_key = agreement::UnparsedPublicKey::new(alg, sec1);
        // ring validates the point (NIST SP 800-56A 5.6.2.3.3 partial validation).
        agreement::agree_ephemeral(self.key, &peer_key, Secret::from_slice)
            .map_err(|_| CryptoError::InvalidPublicValue)
    }
}

/// Group 21 through the RustCrypto `p521` crate.
pub(crate) struct P521Ecdh {
    secret: p521::SecretKey,
    public: Vec<u8>,
}

impl core::fmt::Debug for P521Ecdh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("P521Ecdh").finish_non_exhaustive()
    }
}

impl P521Ecdh {
    /// Draw a scalar in [1, n-1] by rejection sampling 521-bit strings (FIPS 186-5 A.4.2).
    pub(crate) fn generate(rng: &dyn Random) -> Result<Self> {
        for _ in 0..64 {
            let mut buf = Secret::zeroed(66);
            rng.fill(buf.expose_mut())?;
            if let Some(top) = buf.expose_mut().first_mut() {
                *top &= 0x01;
            }
            if let Ok(secret) = p521::SecretKey::from_slice(buf.expose()) {
                return Self::from_secret(secret);
            }
        }
        Err(CryptoError::Backend)
    }

    /// Build from a known private scalar (66 big-endian bytes). For known-answer tests.
    #[cfg(test)]
    pub(crate) fn from_scalar(scalar: &[u8]) -> Result<Self> {
        let secret = p521::SecretKey::from_slice(scalar).map_err(|_| CryptoError::Backend)?;
        Self::from_secret(secret)
    }

    fn from_secret(secret: p521::SecretKey) -> Result<Self> {
        let point = secret.public_key().to_encoded_point(false);
        let public = point
            .as_bytes()
            .get(1..)
            .ok_or(CryptoError::Backend)?
            .to_vec();
        if public.len() != DhGroup::Ecp521.public_len() {
            return Err(CryptoError::Backend);
        }
        Ok(P521Ecdh { secret, public })
    }
}

impl KeyExchange for P521Ecdh {
    fn group(&self) -> DhGroup {
        DhGroup::Ecp521
    }

    fn public_value(&self) -> Vec<u8> {
        self.public.clone()
    }

    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret> {
        let sec1 = to_sec1(DhGroup::Ecp521, peer)?;
        // from_sec1_bytes rejects points off the curve and the identity.
        let peer_pk =
            p521::PublicKey::from_sec1_bytes(&sec1).map_err(|_| CryptoError::InvalidPublicValue)?;
        let shared =
            p521::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer_pk.as_affine());
        Ok(Secret::from_slice(shared.raw_secret_bytes()))
    }
}

#[cfg(test)]
#[allow(deprecated)]
mod tests {
    use super::*;
    use ring::test::rand::FixedSliceRandom;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 5903 8.1 (group 19) and 8.2 (group 20). ring cannot import a private key, so its
    /// deprecated test RNG feeds the RFC's private value i as the generated scalar.
    #[test]
    fn rfc5903_groups_19_and_20_kat() {
        let cases = [
            (
                DhGroup::Ecp256,
                "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
                "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180\
                 5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
                "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63\
                 56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
                "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
            ),
            (
                DhGroup::Ecp384,
                "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
                "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa\
                 9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
                "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571\
                 dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
                "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746",
            ),
        ];
        for (group, i, gi, gr, gir) in cases {
            let i = h(i);
            let rng = FixedSliceRandom { bytes: &i };
            let ke = RingEcdh::generate(group, &rng).unwrap();
            assert_eq!(ke.public_value(), h(gi), "{group:?} g^i");
            let z = Box::new(ke).complete(&h(gr)).unwrap();
            assert_eq!(z.expose(), h(gir).as_slice(), "{group:?} g^ir");
        }
    }

    /// RFC 5903 8.3 (group 21): p521 can import the private scalar directly.
    #[test]
    fn rfc5903_group_21_kat() {
        let i = h("0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52");
        let gi = h("0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e\
                    017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582");
        let gr = h("00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f\
                    015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a");
        let gir = h("01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea");
        let ke = P521Ecdh::from_scalar(&i).unwrap();
        assert_eq!(ke.public_value(), gi);
        assert_eq!(Box::new(ke).complete(&gr).unwrap().expose(), gir.as_slice());
    }

    #[test]
    fn rejects_bad_points_and_lengths() {
        let rng = crate::crypto::provider::TestRandom::new(9);
        for group in [DhGroup::Ecp256, DhGroup::Ecp384, DhGroup::Ecp521] {
            let n = group.public_len();
            let fresh = || -> Box<dyn KeyExchange> {
                match group {
                    DhGroup::Ecp521 => Box::new(P521Ecdh::generate(&rng).unwrap()),
                    _ => Box::new(
                        RingEcdh::generate(group, &ring::rand::SystemRandom::new()).unwrap(),
                    ),
                }
            };
            let good = fresh().public_value();
            let mut off_curve = good.clone();
            off_curve[n - 1] ^= 1;
            let mut with_tag = vec![4u8];
            with_tag.extend_from_slice(&good);
            for bad in [
                vec![0u8; n],
                off_curve,
                with_tag,
                good[..n - 1].to_vec(),
                vec![],
                vec![0xff; n],
            ] {
                assert_eq!(
                    fresh().complete(&bad),
                    Err(CryptoError::InvalidPublicValue),
                    "{group:?}"
                );
            }
            let a = fresh();
            let b = fresh();
            let (pa, pb) = (a.public_value(), b.public_value());
            assert_eq!(a.complete(&pb).unwrap(), b.complete(&pa).unwrap());
        }
    }
}
