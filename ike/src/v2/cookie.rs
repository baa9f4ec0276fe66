//! Stateless cookies against IKE_SA_INIT floods (RFC 7296 2.6): above a threshold of
//! half-open responder SAs, a request without the right COOKIE is answered with one and no
//! state is kept.
//!
//! Cookie = <VersionIDofSecret> | prf(secret, Ni | IPi | SPIi) with a random secret from the
//! crypto provider. The secret is replaced every [`ROTATION`] (2.6: "the responder should
//! change the value of <secret> frequently"); a cookie made with the previous secret is still
//! accepted, so an initiator that just received one is not turned away by a rotation. Never
//! stores per-request state and never prints a secret.

use super::types::Instant;
use crate::crypto::{CryptoProvider, PrfAlg, Secret};
use std::net::IpAddr;

/// How long one cookie secret is used.
pub const ROTATION: std::time::Duration = std::time::Duration::from_secs(60);

/// The endpoint's cookie secrets and threshold.
#[derive(Debug)]
pub struct Cookies {
    /// Version ID and secret of the cookies handed out now.
    current: (u8, Secret),
    /// The one before, still accepted.
    previous: Option<(u8, Secret)>,
    /// When `current` is replaced (set on first use).
    rotate_at: Option<Instant>,
    /// Half-open responder SAs at which cookies become required.
    pub threshold: usize,
}

fn fresh(provider: &CryptoProvider) -> Secret {
    Secret::new(provider.random_bytes(32).unwrap_or_default())
}

impl Cookies {
    pub fn new(provider: &CryptoProvider) -> Self {
        Cookies {
            current: (0, fresh(provider)),
            previous: None,
            rotate_at: None,
            threshold: 1000,
        }
    }

    /// Replaces the secret when its time is up (the old one stays valid for one period).
    pub fn rotate(&mut self, now: Instant, provider: &CryptoProvider) {
        match self.rotate_at {
            None => self.rotate_at = Some(now + ROTATION),
            Some(t) if t <= now => {
                let version = self.current.0.wrapping_add(1);
                let old = std::mem::replace(&mut self.current, (version, fresh(provider)));
                // Unused for two periods: no cookie of the old secret can still be in flight.
                self.previous = (now < t + ROTATION).then_some(old);
                self.rotate_at = Some(now + ROTATION);
            }
            Some(_) => {}
        }
    }

    /// The cookie the initiator (`ip`, `spi_i`, nonce `ni`) must echo.
    pub fn compute(&self, ni: &[u8], ip: IpAddr, spi_i: u64) -> Vec<u8> {
        make(&self.current, ni, ip, spi_i)
    }

    /// Whether `cookie` is one we handed out to this initiator with the current or the
    /// previous secret (chosen by its version ID).
    pub fn verify(&self, cookie: &[u8], ni: &[u8], ip: IpAddr, spi_i: u64) -> bool {
        let Some(version) = cookie.first() else {
            return false;
        };
        [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .filter(|(v, _)| v == version)
            .any(|s| {
                let want = make(s, ni, ip, spi_i);
                want.len() == cookie.len()
                    && want.iter().zip(cookie).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
            })
    }
}

fn make((version, secret): &(u8, Secret), ni: &[u8], ip: IpAddr, spi_i: u64) -> Vec<u8> {
    let ip = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let h = PrfAlg::HmacSha256.prf(secret.expose(), &[ni, &ip, &spi_i.to_be_bytes()]);
    let mut v = vec![*version];
    v.extend_from_slice(h.expose());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_survive_one_rotation_and_expire_after_two() {
        let p = CryptoProvider::insecure_deterministic(9);
        let mut c = Cookies::new(&p);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let t0 = Instant::from_secs(100);
        c.rotate(t0, &p);
        let k = c.compute(b"nonce", ip, 42);
        assert!(c.verify(&k, b"nonce", ip, 42));
        assert!(!c.verify(&k, b"other", ip, 42));
        assert!(!c.verify(&k, b"nonce", "192.0.2.8".parse().unwrap(), 42));
        assert!(!c.verify(&k, b"nonce", ip, 43));
        c.rotate(t0 + (ROTATION - std::time::Duration::from_secs(1)), &p);
        assert_eq!(c.compute(b"nonce", ip, 42), k, "not yet rotated");
        c.rotate(t0 + ROTATION, &p);
        let k2 = c.compute(b"nonce", ip, 42);
        assert_ne!(k2, k);
        assert_eq!(k2[0], k[0].wrapping_add(1), "version ID moves");
        assert!(
            c.verify(&k, b"nonce", ip, 42),
            "previous secret still accepted"
        );
        assert!(c.verify(&k2, b"nonce", ip, 42));
        c.rotate(t0 + ROTATION * 2, &p);
        assert!(!c.verify(&k, b"nonce", ip, 42), "two rotations old");
        assert!(c.verify(&k2, b"nonce", ip, 42));
        // A long idle period drops the previous secret at once.
        c.rotate(t0 + ROTATION * 10, &p);
        assert!(!c.verify(&k2, b"nonce", ip, 42));
        assert!(!c.verify(&[], b"nonce", ip, 42));
    }
}
