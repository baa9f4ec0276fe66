//! Site → engine configuration: turns each tunnel of a validated `policy::Site` into an
//! `ike::config::ConnectionConfig`, reading `psk_file`s and certificate / key / CA PEM files
//! on the way.
//!
//! Tunnel n (in the order [`crate::plan::plan`] numbers them for reqid / if_id) gets the
//! engine handle `TunnelRef(n)`, so the daemon finds a tunnel's kernel identity by index.
//! Never logs or prints a PSK or private key; errors name the file, never its contents. No
//! kernel, no sockets: only file reads go to the filesystem (through the caller's reader), and
//! certificate validity is checked against [`SystemClock`], the daemon's wall clock.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use std::sync::Arc;

use ike::config::{
    cidr_ts, CertAuth, ConnectionConfig, DpdAction, EspProposal, IkeProposal, IkeVersions,
    StartupAction, TunnelRef, WallClock,
};
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg, Secret};
use ike::v2::auth_cert::{dn_from_text, CertLoadError};
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
    /// A certificate, key or CA file could not be read or is not usable.
    #[error("{connection}/{tunnel}: {what} {path}: {reason}")]
    CertFile {
        connection: String,
        tunnel: String,
        /// `cert`, `key` or `ca`.
        what: &'static str,
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
            let mut cert = None;
            let psk = match &t.auth {
                Auth::Psk(p) => Secret::from_slice(p.expose()),
                Auth::PskFile(path) => {
                    let fail = |reason: String| MapError::PskFile {
                        connection: cn.clone(),
                        tunnel: tn.clone(),
                        path: path.clone(),
                        reason,
                    };
                    let p = read_psk_file(path, read).map_err(fail)?;
                    Secret::from_slice(p.expose())
                }
                Auth::Cert { cert: c, key, ca } => {
                    cert = Some(load_cert(&cn, &tn, c, key, ca.as_deref(), read)?);
                    // Never used: certificate authentication replaces the PSK.
                    Secret::from_slice(&[])
                }
            };
            let mut cfg = ConnectionConfig::new(
                TunnelRef(index as u64),
                SocketAddr::new(t.local, IKE_PORT),
                SocketAddr::new(t.remote, IKE_PORT),
                psk,
            );
            cfg.local_id = identification(&t.local_id);
            cfg.remote_id = Some(identification(&t.remote_id));
            if let (Some(c), Auth::Cert { cert: path, .. }) = (&cert, &t.auth) {
                (cfg.local_id, cfg.remote_id) =
                    cert_ids(t, c).map_err(|reason| MapError::CertFile {
                        connection: cn.clone(),
                        tunnel: tn.clone(),
                        what: "cert",
                        path: path.clone(),
                        reason,
                    })?;
            }
            cfg.cert = cert;
            let o = &t.options;
            cfg.ike_proposals = ike_proposals(&o.phase1);
            cfg.esp_proposals = esp_proposals(&o.phase2);
            if cfg.ike_proposals.is_empty() || cfg.esp_proposals.is_empty() {
                return Err(err_unsupported("this algorithm selection"));
            }
            // A tunnel initiates with IKEv2 when it is on, else IKEv1; as responder it
            // accepts every listed version (issue 9).
            cfg.versions = IkeVersions {
                v1: o.ike_versions.contains(&policy::IkeVersion::Ikev1),
                v2: o.ike_versions.contains(&policy::IkeVersion::Ikev2),
            };
            cfg.aggressive = o.aggressive;
            if cfg.versions.initiates_v1() {
                // `xfrmd check` refuses these already (policy::validate::ikev1); this keeps
                // the engine from ever being handed a phase 1 it cannot express.
                if let Some(what) = cfg.ike_proposals.iter().find_map(v1_phase1_gap) {
                    return Err(err_unsupported(&format!("IKEv1 phase 1 with {what}")));
                }
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

/// The daemon's wall clock for certificate validity (the engine never reads one itself).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn unix_time(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// Reads and checks the certificate, key and CA files of one tunnel.
/// The PSK held in `path` (surrounding whitespace ignored), or why not: the read error or the
/// key rule it breaks (never the file's contents).
pub fn read_psk_file(
    path: &str,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<policy::Psk, String> {
    let text = read(path).map_err(|e| e.to_string())?;
    policy::Psk::parse(text.trim()).map_err(|e| format!("invalid key ({e})"))
}

fn load_cert(
    cn: &str,
    tn: &str,
    cert: &str,
    key: &str,
    ca: Option<&str>,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<CertAuth, MapError> {
    let fail = |what: &'static str, path: &str, reason: String| MapError::CertFile {
        connection: cn.to_owned(),
        tunnel: tn.to_owned(),
        what,
        path: path.to_owned(),
        reason,
    };
    let Some(ca) = ca else {
        return Err(fail(
            "ca",
            "(not set)",
            "certificate authentication needs `ca`, the CA bundle the peer's certificate \
             must chain to (no system trust store is used)"
                .into(),
        ));
    };
    let cert_pem = read(cert).map_err(|e| fail("cert", cert, e.to_string()))?;
    // The key's contents never reach an error: only the I/O error or the loader's reason.
    let key_pem = read(key).map_err(|e| fail("key", key, e.to_string()))?;
    let ca_pem = read(ca).map_err(|e| fail("ca", ca, e.to_string()))?;
    CertAuth::from_pem(&cert_pem, &key_pem, &ca_pem, Arc::new(SystemClock)).map_err(|e| match e {
        CertLoadError::Cert(r) => fail("cert", cert, r),
        CertLoadError::Key(r) => fail("key", key, r),
        CertLoadError::Ca(r) => fail("ca", ca, r),
    })
}

/// An ID string of a certificate tunnel: a DN (`C=.., O=.., CN=..`) becomes ID_DER_ASN1_DN,
/// anything else as in [`identification`].
fn cert_identification(s: &str) -> Result<Identification, String> {
    if s.contains('=') {
        return dn_from_text(s)
            .map(Identification::DerAsn1Dn)
            .ok_or_else(|| {
                format!(
                    "identity {s:?} is not a DN this build can encode (e.g. \"O=Example, CN=gw\")"
                )
            });
    }
    Ok(identification(s))
}

/// Local and remote identities with certificates. A `local_id` left at its default (the local
/// address) that the certificate does not name becomes the certificate's subject DN (what
/// strongSwan and libreswan also default to); a `remote_id` left at its default (the remote
/// address) accepts any identity the peer's certificate certifies, since the CA vouches for
/// it. An explicit `local_id` must be certified by our own certificate.
fn cert_ids(
    t: &policy::site::Tunnel,
    c: &CertAuth,
) -> Result<(Identification, Option<Identification>), String> {
    let default_local = t.local_id == t.local.to_string();
    let mut local = cert_identification(&t.local_id)?;
    if !c.certifies(&local) {
        if !default_local {
            return Err(format!(
                "local_id {} is not in the certificate (subjectAltName or subject DN)",
                t.local_id
            ));
        }
        local = Identification::DerAsn1Dn(c.subject_dn().ok_or("certificate has no subject")?);
    }
    let remote = if t.remote_id == t.remote.to_string() {
        None
    } else {
        Some(cert_identification(&t.remote_id)?)
    };
    Ok((local, remote))
}

/// What in `p` has no IKEv1 phase 1 form, if anything: the cipher must be an IKEv1
/// Encryption Algorithm (ids_v1: AES-CBC with a key length; RFC 5282 gives AES-GCM to IKEv2
/// only) and the group an IKEv1 Group Description (1-30; Curve25519 is IKEv2 only, RFC 8031).
/// The PRF is the HMAC of the hash (RFC 2409 4), which every site integrity name has.
fn v1_phase1_gap(p: &IkeProposal) -> Option<String> {
    let bits = match p.encr {
        EncrAlg::AesCbc { key_bits } => Some(key_bits),
        _ => None,
    };
    let encr_ok = ike::crypto::ids_v1::phase1_encr(7, bits) == Some(p.encr);
    if !encr_ok {
        let name = match p.encr {
            EncrAlg::AesGcm16 { key_bits } => format!("AES-GCM-16 {key_bits}"),
            other => format!("{other:?}"),
        };
        return Some(format!("{name} encryption (IKEv2 only, RFC 5282)"));
    }
    if p.dh == DhGroup::Curve25519 {
        return Some("DH group 31 (Curve25519, IKEv2 only)".to_owned());
    }
    None
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

    /// west.yaml with its `ike_versions: [ikev2]` default replaced by `versions` (and t2's
    /// `startup: start`, IKEv2 only, by add).
    fn west_with(versions: &str) -> Site {
        let src = include_str!("../examples/west.yaml")
            .replace("ike_versions: [ikev2]", versions)
            .replace("startup: start", "startup: add");
        policy::load(&src, "west.yaml").unwrap()
    }

    #[test]
    fn ike_versions_and_aggressive_are_mapped() {
        let map = |site: &Site| {
            let plan = crate::plan::plan(site);
            map_site(site, &plan, &read_ok).unwrap()
        };
        // Both versions: initiates IKEv2 (as every tunnel did before IKEv1 existed).
        let m = map(&west_with("ike_versions: [ikev1, ikev2]"));
        let both = IkeVersions { v1: true, v2: true };
        assert!(m.iter().all(|t| t.config.versions == both));
        assert!(!m[0].config.versions.initiates_v1());
        assert!(!m[0].config.aggressive);
        // The example's IKEv2-only default.
        assert!(map(&west())
            .iter()
            .all(|t| t.config.versions == IkeVersions::V2));
        // IKEv1 only, aggressive: handed to the IKEv1 endpoint with CBC-only phase 1.
        let m = map(&west_with("ike_versions: [ikev1]\n    aggressive: true"));
        let c = &m[0].config;
        assert_eq!(c.versions, IkeVersions::V1);
        assert!(c.versions.initiates_v1() && c.aggressive);
        assert!(!c.ike_proposals.is_empty());
        assert!(c.ike_proposals.iter().all(|p| v1_phase1_gap(p).is_none()));
        // Phase 2 keeps AES-GCM (ESP AES-GCM exists in IKEv1, RFC 4106 8.1).
        assert!(c.esp_proposals.iter().any(|p| p.encr.is_aead()));
    }

    #[test]
    fn ikev1_phase1_gaps_are_named() {
        let p = |encr, dh| IkeProposal {
            encr,
            prf: PrfAlg::HmacSha256,
            integ: None,
            dh,
        };
        let cbc = EncrAlg::AesCbc { key_bits: 256 };
        assert_eq!(v1_phase1_gap(&p(cbc, DhGroup::Ecp256)), None);
        assert_eq!(v1_phase1_gap(&p(cbc, DhGroup::Modp2048)), None);
        let gcm = v1_phase1_gap(&p(EncrAlg::AesGcm16 { key_bits: 128 }, DhGroup::Ecp256));
        assert!(gcm.is_some_and(|w| w.contains("AES-GCM-16 128")));
        let x = v1_phase1_gap(&p(cbc, DhGroup::Curve25519));
        assert!(x.is_some_and(|w| w.contains("group 31")));
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

    /// The certificate example with ike's test PKI (ike/tests/fixtures/cert/README.md).
    fn read_cert_fixture(path: &str) -> std::io::Result<String> {
        let name = path.rsplit('/').next().unwrap_or_default();
        std::fs::read_to_string(format!(
            "{}/ike/tests/fixtures/cert/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
    }

    fn cert_site(edit: &dyn Fn(String) -> String) -> Site {
        let src = edit(include_str!("../examples/west-cert.yaml").to_owned());
        policy::load(&src, "west-cert.yaml").unwrap()
    }

    #[test]
    fn certificate_tunnel_maps_with_its_ids() {
        let site = cert_site(&|s| s);
        let plan = crate::plan::plan(&site);
        let m = map_site(&site, &plan, &read_cert_fixture).unwrap();
        let c = &m[0].config;
        let cert = c.cert.as_ref().unwrap();
        assert_eq!(cert.chain.len(), 1);
        assert_eq!(cert.trusted_cas.len(), 1);
        assert_eq!(c.local_id, Identification::Fqdn("west.example".into()));
        assert_eq!(
            c.remote_id,
            Some(Identification::Fqdn("east.example".into()))
        );
        assert!(!format!("{c:?}").contains("PRIVATE"));
    }

    #[test]
    fn certificate_default_ids_are_subject_dn_and_any_certified_peer() {
        let site = cert_site(&|s| {
            s.replace("        local_id: west.example\n", "")
                .replace("        remote_id: east.example\n", "")
        });
        let plan = crate::plan::plan(&site);
        let m = map_site(&site, &plan, &read_cert_fixture).unwrap();
        let c = &m[0].config;
        // 192.0.2.1 is in west.pem's subjectAltName, so the address default is kept.
        assert_eq!(
            c.local_id,
            Identification::Ipv4("192.0.2.1".parse().unwrap())
        );
        assert_eq!(c.remote_id, None);
        // With an address the certificate does not name, the subject DN is used.
        let site = cert_site(&|s| {
            s.replace("        local_id: west.example\n", "")
                .replace("local: 192.0.2.1", "local: 192.0.2.9")
        });
        let m = map_site(&site, &crate::plan::plan(&site), &read_cert_fixture).unwrap();
        let dn = m[0].config.cert.as_ref().unwrap().subject_dn().unwrap();
        assert_eq!(m[0].config.local_id, Identification::DerAsn1Dn(dn));
    }

    #[test]
    fn certificate_dn_ids_and_uncertified_local_id() {
        let site = cert_site(&|s| {
            s.replace(
                "local_id: west.example",
                "local_id: \"O=xfrmd test, CN=west.example\"",
            )
            .replace(
                "remote_id: east.example",
                "remote_id: \"O=xfrmd test, CN=east.example\"",
            )
        });
        let m = map_site(&site, &crate::plan::plan(&site), &read_cert_fixture).unwrap();
        assert!(matches!(m[0].config.local_id, Identification::DerAsn1Dn(_)));
        assert!(matches!(
            m[0].config.remote_id,
            Some(Identification::DerAsn1Dn(_))
        ));
        let site = cert_site(&|s| s.replace("local_id: west.example", "local_id: north.example"));
        let e = map_site(&site, &crate::plan::plan(&site), &read_cert_fixture).unwrap_err();
        assert!(
            e.to_string()
                .contains("local_id north.example is not in the certificate"),
            "{e}"
        );
        assert!(e.to_string().contains("/etc/xfrmd/certs/west.pem"), "{e}");
    }

    #[test]
    fn certificate_file_errors_name_the_file_and_never_the_key() {
        let site = cert_site(&|s| s);
        let plan = crate::plan::plan(&site);
        let e = map_site(&site, &plan, &|p| {
            if p.ends_with("key.pem") {
                Err(std::io::Error::other("denied"))
            } else {
                read_cert_fixture(p)
            }
        })
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("key /etc/xfrmd/private/west.key.pem: denied"),
            "{e}"
        );
        // The other peer's key: parses, but does not belong to the certificate.
        let e = map_site(&site, &plan, &|p| {
            read_cert_fixture(&p.replace("west.key.pem", "east.key.pem"))
        })
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("west.key.pem") && text.contains("does not belong"),
            "{text}"
        );
        assert!(!text.contains("PRIVATE"), "{text}");
        let e = map_site(&site, &plan, &|p| {
            if p.ends_with("ca.pem") {
                Ok("not pem".into())
            } else {
                read_cert_fixture(p)
            }
        })
        .unwrap_err();
        assert!(e.to_string().contains("ca /etc/xfrmd/certs/ca.pem"), "{e}");
        let site = cert_site(&|s| s.replace("          ca: /etc/xfrmd/certs/ca.pem\n", ""));
        let e = map_site(&site, &crate::plan::plan(&site), &read_cert_fixture).unwrap_err();
        assert!(e.to_string().contains("needs `ca`"), "{e}");
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
