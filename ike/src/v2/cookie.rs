//! Stateless cookies against IKE_SA_INIT floods (RFC 7296 2.6): above a threshold of
//! half-open responder SAs, a request without the right COOKIE is answered with one and no
//! state is kept.
//!
//! Cookie = <VersionIDofSecret> | prf(secret, Ni | IPi | SPIi) with a random secret from the
//! crypto provider. Never stores per-request state and never prints the secret.

use crate::crypto::{CryptoProvider, PrfAlg, Secret};
use std::net::IpAddr;

/// The endpoint's cookie secret and threshold.
#[derive(Debug)]
pub struct Cookies {
    secret: Secret,
    /// Half-open responder SAs at which cookies become required.
    pub threshold: usize,
}

impl Cookies {
    pub fn new(provider: &CryptoProvider) -> Self {
        Cookies {
            secret: Secret::new(provider.random_bytes(32).unwrap_or_default()),
            threshold: 1000,
        }
    }

    /// The cookie the initiator (`ip`, `spi_i`, nonce `ni`) must echo.
    pub fn compute(&self, ni: &[u8], ip: IpAddr, spi_i: u64) -> Vec<u8> {
        let ip = match ip {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        let h = PrfAlg::HmacSha256.prf(self.secret.expose(), &[ni, &ip, &spi_i.to_be_bytes()]);
        let mut v = vec![0u8];
        v.extend_from_slice(h.expose());
        v
    }
}
