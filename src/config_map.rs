//! Site → engine configuration: turns each tunnel of a validated `policy::Site` into an
//! `ike::config::ConnectionConfig`, reading `psk_file`s on the way.
//!
//! Tunnel n (in the order [`crate::plan::plan`] numbers them for reqid / if_id) gets the
//! engine handle `TunnelRef(n)`, so the daemon finds a tunnel's kernel identity by index.
//! Never logs or prints a PSK; errors name the file, never its contents. No kernel, no
//! sockets: only the `psk_file` read goes to the filesystem (through the caller's reader).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ike::config::{
    cidr_ts, ConnectionConfig, DpdAction, EspProposal, IkeProposal, StartupAction, TunnelRef,
};
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg, Secret};
use ike::wire::v2::Identification;
use policy::{Auth, Encryption, Integrity, Site};

use crate::plan::Plan;

/// One tunnel's engine configuration with its names.
#[derive(Debug, Clone)]
pub struct MappedTunnel {
    /// Connection name.
    pub connection: String,
    /// Tunnel name.
    pub tunnel: String,
    /// The engine configuration (its `tunnel` is `TunnelRef(index)`).
    pub config: ConnectionConfig,
}

/// Why a site cannot be handed to the engine.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MapError {
    /// The PSK file could not be read or does not hold a valid key.
    #[error("{connection}/{tunnel}: psk_file {path}: {reason}")]
    PskFile {
        connection: String,
        tunnel: String,
        path: String,
        reason: String,
    },
    /// Something the engine cannot do yet.
    #[error("{connection}/{tunnel}: {what} is not supported by this build")]
    Unsupported {
        connection: String,
        tunnel: String,
        what: String,
    },
}

/// IKE port (RFC 7296 2).
const IKE_PORT: u16 = 500;

/// Maps every tunnel of `site` (numbered as in `plan`); `read` returns a file's contents.
pub fn map_site(
    site: &Site,
    plan: &Plan,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<Vec<MappedTunnel>, MapError> {
    let mut out = Vec::new();
    for c in &site.connections {
        for t in &c.tunnels {
            let (cn, tn) = (c.name.as_str().to_owned(), t.name.as_str().to_owned());
            let index = plan
                .tunnels
                .iter()
                .position(|k| k.tunnel.connection == cn && k.tunnel.tunnel == tn)
                .unwrap_or(out.len());
            let err_unsupported = |what: &str| MapError::Unsupported {
                connection: cn.clone(),
                tunnel: tn.clone(),
                what: what.to_owned(),
            };
            if !t.options.ike_versions.contains(&policy::IkeVersion::Ikev2) {
                return Err(err_unsupported("IKEv1"));
            }
            let psk = match &t.auth {
                Auth::Psk(p) => Secret::from_slice(p.expose()),
                Auth::PskFile(path) => {
                    let fail = |reason: String| MapError::PskFile {
                        connection: cn.clone(),
                        tunnel: tn.clone(),
                        path: path.clone(),
                        reason,
                    };
                    let text = read(path).map_err(|e| fail(e.to_string()))?;
                    let p = policy::Psk::parse(text.trim())
                        .map_err(|e| fail(format!("invalid key ({e})")))?;
                    Secret::from_slice(p.expose())
                }
                Auth::Cert { .. } => return Err(err_unsupported("certificate authentication")),
            };
            let mut cfg = ConnectionConfig::new(
                TunnelRef(index as u64),
                SocketAddr::new(t.local, IKE_PORT),
                SocketAddr::new(t.remote, IKE_PORT),
                psk,
            );
            cfg.local_id = identification(&t.local_id);
            cfg.remote_id = Some(identification(&t.remote_id));
            let o = &t.options;
            cfg.ike_proposals = ike_proposals(&o.phase1);
            cfg.esp_proposals = esp_proposals(&o.phase2);
            if cfg.ike_proposals.is_empty() || cfg.esp_proposals.is_empty() {
                return Err(err_unsupported("this algorithm selection"));
            }
            cfg.local_ts = o
                .local_ts
                .iter()
                .map(|n| cidr_ts(n.addr(), n.prefix_len()))
                .collect();
            cfg.remote_ts = o
                .remote_ts
                .iter()
                .map(|n| cidr_ts(n.addr(), n.prefix_len()))
                .collect();
            cfg.ike_lifetime = secs(o.phase1.lifetime.get());
            cfg.child_lifetime = secs(o.phase2.lifetime.get());
            cfg.rekey_margin = secs(o.rekey_margin.get());
            cfg.rekey_fuzz_percent = u8::try_from(o.rekey_fuzz.get()).unwrap_or(100);
            cfg.dpd_timeout = secs(o.dpd_timeout.get());
            cfg.dpd_action = match o.dpd_action {
                policy::DpdAction::Clear => DpdAction::Clear,
                policy::DpdAction::None => DpdAction::None,
                policy::DpdAction::Restart => DpdAction::Restart,
            };
            cfg.startup = match o.startup {
                policy::StartupAction::Add => StartupAction::Add,
                policy::StartupAction::Start => StartupAction::Start,
            };
            cfg.replay_window = o.replay_window.get();
            out.push(MappedTunnel {
                connection: cn,
                tunnel: tn,
                config: cfg,
            });
        }
    }
    Ok(out)
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// An ID string as written in the site file: an IP address is ID_IPV4_ADDR / ID_IPV6_ADDR,
/// `user@host` is ID_RFC822_ADDR, anything else ID_FQDN (RFC 7296 3.5).
pub fn identification(s: &str) -> Identification {
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => Identification::Ipv4(a),
        Ok(IpAddr::V6(a)) => Identification::Ipv6(a),
        Err(_) if s.contains('@') => Identification::Rfc822(s.to_owned()),
        Err(_) => Identification::Fqdn(s.to_owned()),
    }
}

fn encr(e: Encryption) -> EncrAlg {
    match e {
        Encryption::Aes128 => EncrAlg::AesCbc { key_bits: 128 },
        Encryption::Aes256 => EncrAlg::AesCbc { key_bits: 256 },
        Encryption::Aes128Gcm16 => EncrAlg::AesGcm16 { key_bits: 128 },
        Encryption::Aes256Gcm16 => EncrAlg::AesGcm16 { key_bits: 256 },
    }
}

fn integ(i: Integrity) -> (IntegAlg, PrfAlg) {
    match i {
        Integrity::Sha1 => (IntegAlg::HmacSha1_96, PrfAlg::HmacSha1),
        Integrity::Sha2_256 => (IntegAlg::HmacSha256_128, PrfAlg::HmacSha256),
        Integrity::Sha2_384 => (IntegAlg::HmacSha384_192, PrfAlg::HmacSha384),
        Integrity::Sha2_512 => (IntegAlg::HmacSha512_256, PrfAlg::HmacSha512),
    }
}

/// Every (encryption, integrity/PRF, group) combination in file order, duplicates removed
/// (an AEAD cipher takes no integrity transform, RFC 5282 8, but still a PRF).
fn ike_proposals<L>(p: &policy::site::Phase<L>) -> Vec<IkeProposal> {
    let mut out: Vec<IkeProposal> = Vec::new();
    for e in p.encryption.iter().map(|e| encr(*e)) {
        for (i, prf) in p.integrity.iter().map(|i| integ(*i)) {
            for dh in p.dh_groups.iter().filter_map(|g| DhGroup::from_id(*g)) {
                let prop = IkeProposal {
                    encr: e,
                    prf,
                    integ: (!e.is_aead()).then_some(i),
                    dh,
                };
                if !out.contains(&prop) {
                    out.push(prop);
                }
            }
        }
    }
    out
}

/// ESP combinations; the first phase-2 group is the PFS group for CREATE_CHILD_SA.
fn esp_proposals<L>(p: &policy::site::Phase<L>) -> Vec<EspProposal> {
    let pfs = p.dh_groups.iter().find_map(|g| DhGroup::from_id(*g));
    let mut out: Vec<EspProposal> = Vec::new();
    for e in p.encryption.iter().map(|e| encr(*e)) {
        for (i, _) in p.integrity.iter().map(|i| integ(*i)) {
            let prop = EspProposal {
                encr: e,
                integ: (!e.is_aead()).then_some(i),
                pfs,
                esn: false,
            };
            if !out.contains(&prop) {
                out.push(prop);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn west() -> Site {
        let src = include_str!("../examples/west.yaml");
        policy::load(src, "west.yaml").unwrap()
    }

    fn read_ok(path: &str) -> std::io::Result<String> {
        match path {
            "/etc/xfrmd/east-t1.psk" => Ok("Tunnel.One.Key\n".into()),
            "/etc/xfrmd/east-t2.psk" => Ok("Tunnel.Two.Key".into()),
            _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        }
    }

    #[test]
    fn west_maps_both_tunnels_in_plan_order() {
        let site = west();
        let plan = crate::plan::plan(&site);
        let m = map_site(&site, &plan, &read_ok).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].tunnel, "t1");
        assert_eq!(m[0].config.tunnel, TunnelRef(0));
        assert_eq!(m[1].config.tunnel, TunnelRef(1));
        assert_eq!(plan.tunnels[1].tunnel.tunnel, "t2");
        let c = &m[0].config;
        assert_eq!(c.local, "192.0.2.1:500".parse().unwrap());
        assert_eq!(c.remote, "198.51.100.1:500".parse().unwrap());
        assert_eq!(c.local_id, Identification::Fqdn("west.example".into()));
        assert_eq!(
            c.remote_id,
            Some(Identification::Fqdn("east.example".into()))
        );
        assert_eq!(c.psk.expose(), b"Tunnel.One.Key");
        assert_eq!(m[1].config.psk.expose(), b"Tunnel.Two.Key");
        assert_eq!(c.startup, StartupAction::Add);
        assert_eq!(m[1].config.startup, StartupAction::Start);
        assert_eq!(c.child_lifetime, Duration::from_secs(3600));
        assert_eq!(c.dpd_timeout, Duration::from_secs(40));
        // GCM proposals carry no integrity transform.
        assert!(c
            .ike_proposals
            .iter()
            .filter(|p| p.encr.is_aead())
            .all(|p| p.integ.is_none()));
        assert!(c.ike_proposals.iter().any(|p| p.dh == DhGroup::Ecp256));
        assert_eq!(c.local_ts, vec![ike::config::any_ts(c.local.ip())]);
    }

    #[test]
    fn unreadable_psk_file_names_the_file_not_a_key() {
        let site = west();
        let plan = crate::plan::plan(&site);
        let e = map_site(&site, &plan, &|_| Err(std::io::Error::other("denied"))).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("/etc/xfrmd/east-t1.psk"), "{text}");
        assert!(text.contains("east/t1"), "{text}");
    }

    #[test]
    fn invalid_psk_in_file_is_refused() {
        let site = west();
        let plan = crate::plan::plan(&site);
        let e = map_site(&site, &plan, &|_| Ok("0bad".into())).unwrap_err();
        assert!(matches!(e, MapError::PskFile { .. }));
        assert!(!e.to_string().contains("0bad"));
    }

    #[test]
    fn identification_kinds() {
        assert_eq!(
            identification("192.0.2.1"),
            Identification::Ipv4("192.0.2.1".parse().unwrap())
        );
        assert_eq!(
            identification("a@b.example"),
            Identification::Rfc822("a@b.example".into())
        );
        assert_eq!(identification("gw"), Identification::Fqdn("gw".into()));
    }
}
