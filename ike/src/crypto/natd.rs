//! NAT detection hashes: IKEv2 NAT_DETECTION_*_IP (RFC 7296 2.23) and IKEv1 NAT-D
//! (RFC 3947 3.2). Public values only; this module holds no secrets.

use super::PrfAlg;
use std::net::IpAddr;

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// RFC 7296 2.23: `SHA-1(SPIi | SPIr | IP | Port)`, IP and port in network order. In
/// IKE_SA_INIT requests SPIr is zero.
pub fn natd_v2(spi_i: &[u8; 8], spi_r: &[u8; 8], ip: IpAddr, port: u16) -> [u8; 20] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(spi_i);
    ctx.update(spi_r);
    ctx.update(&ip_bytes(ip));
    ctx.update(&port.to_be_bytes());
    let mut out = [0u8; 20];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// RFC 3947 3.2: `HASH = HASH(CKY-I | CKY-R | IP | Port)` with the negotiated hash (named by its
/// HMAC PRF).
pub fn natd_v1(hash: PrfAlg, cky_i: &[u8; 8], cky_r: &[u8; 8], ip: IpAddr, port: u16) -> Vec<u8> {
    let alg = match hash {
        PrfAlg::HmacSha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        PrfAlg::HmacSha256 => &ring::digest::SHA256,
        PrfAlg::HmacSha384 => &ring::digest::SHA384,
        PrfAlg::HmacSha512 => &ring::digest::SHA512,
    };
    let mut ctx = ring::digest::Context::new(alg);
    ctx.update(cky_i);
    ctx.update(cky_r);
    ctx.update(&ip_bytes(ip));
    ctx.update(&port.to_be_bytes());
    ctx.finish().as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natd_inputs_in_order() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let d = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            &[
                [1u8; 8].as_slice(),
                &[0u8; 8],
                &[192, 0, 2, 1],
                &[0x01, 0xf4],
            ]
            .concat(),
        );
        assert_eq!(natd_v2(&[1; 8], &[0; 8], ip, 500).as_slice(), d.as_ref());
        assert_ne!(
            natd_v2(&[1; 8], &[0; 8], ip, 4500),
            natd_v2(&[1; 8], &[0; 8], ip, 500)
        );
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(
            natd_v1(PrfAlg::HmacSha256, &[1; 8], &[2; 8], v6, 500).len(),
            32
        );
        let d1 = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            &[
                [1u8; 8].as_slice(),
                &[2u8; 8],
                &[192, 0, 2, 1],
                &[0x11, 0x94],
            ]
            .concat(),
        );
        assert_eq!(
            natd_v1(PrfAlg::HmacSha1, &[1; 8], &[2; 8], ip, 4500),
            d1.as_ref()
        );
    }
}
