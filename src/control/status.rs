//! `StatusReport`: what `xfrmd status` shows, as a stable, documented JSON document
//! (README "Status and metrics" lists every field). Stability: fields are never renamed or
//! removed and keep their meaning; new fields are only added; keys are serialised in
//! declaration order. The tests below pin the names and the order.
//!
//! Field names follow the tunnel activity log (REQUIREMENTS §10.2: `ike_phase1_state`,
//! `ike_phase2_state`, `nat_t_detected`, `dpd_enabled`), the per-direction counters of §9
//! (data in = after decryption, data out = before encryption) and `ip xfrm` vocabulary
//! (SPI). Plain data: the daemon core fills it, the CLI renders it; no keys, PSKs or
//! other secrets are ever part of it.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// State of one IKE phase, with the activity log's values verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PhaseState {
    /// The SA is up.
    Established,
    /// The SA is up and being replaced.
    Rekeying,
    /// No SA yet; an exchange is in flight.
    Negotiating,
    /// No SA and nothing in flight.
    #[default]
    Down,
}

impl PhaseState {
    /// The value as printed (same as the JSON string).
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseState::Established => "Established",
            PhaseState::Rekeying => "Rekeying",
            PhaseState::Negotiating => "Negotiating",
            PhaseState::Down => "Down",
        }
    }
}

/// Negotiated IKE SA (phase 1) algorithms, named as in the site file (`AES256-GCM-16`,
/// `SHA2-256`, DH group numbers).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Phase1Algorithms {
    /// `ikev1` or `ikev2`.
    pub ike_version: String,
    /// Encryption, e.g. `AES256-GCM-16`.
    pub encryption: String,
    /// Integrity, e.g. `SHA2-256`; `None` with an AEAD cipher.
    pub integrity: Option<String>,
    /// Diffie-Hellman group number.
    pub dh_group: u16,
}

/// Negotiated CHILD SA / quick-mode (phase 2) algorithms and SPIs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Phase2Algorithms {
    /// Encryption, e.g. `AES128`.
    pub encryption: String,
    /// Integrity; `None` with an AEAD cipher.
    pub integrity: Option<String>,
    /// PFS group number, `None` without PFS.
    pub dh_group: Option<u16>,
    /// SPI of the inbound ESP SA (host order).
    pub spi_in: u32,
    /// SPI of the outbound ESP SA.
    pub spi_out: u32,
}

/// One tunnel's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelStatus {
    /// Connection name.
    pub connection: String,
    /// Tunnel name.
    pub tunnel: String,
    /// Our outside address.
    pub local: IpAddr,
    /// The peer's outside address.
    pub remote: IpAddr,
    /// Route-based tunnel interface (`None` in policy mode).
    pub interface: Option<String>,
    /// Administratively down (`xfrmd down`) until `xfrmd up`.
    pub admin_down: bool,
    /// IKE SA state.
    pub ike_phase1_state: PhaseState,
    /// CHILD SA state.
    pub ike_phase2_state: PhaseState,
    /// Phase 1 algorithms, once negotiated.
    pub phase1: Option<Phase1Algorithms>,
    /// Phase 2 algorithms and SPIs, once negotiated.
    pub phase2: Option<Phase2Algorithms>,
    /// A NAT was detected between us and the peer (IKE moved to 4500, ESP in UDP).
    pub nat_t_detected: bool,
    /// Dead peer detection is enabled.
    pub dpd_enabled: bool,
    /// Seconds since the current CHILD SA was established (`None` when down).
    pub uptime_seconds: Option<u64>,
    /// Bytes received through the tunnel, after decryption.
    pub bytes_in: u64,
    /// Bytes sent into the tunnel, before encryption.
    pub bytes_out: u64,
    /// Packets received.
    pub packets_in: u64,
    /// Packets sent.
    pub packets_out: u64,
    /// The tunnel's routes are installed (route mode) / its policies active (policy mode).
    pub route_active: bool,
    /// The last error seen on this tunnel (e.g. "No matching proposal found").
    pub last_error: Option<String>,
    /// Liveness probes (route mode only).
    #[serde(default)]
    pub probe: Option<ProbeStatus>,
}

/// Liveness probe state (ICMP echo to the peer's inside address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProbeState {
    /// The peer has not answered yet: probes do not affect health.
    #[default]
    Unarmed,
    /// Answering.
    Up,
    /// `probe_misses` probes in a row were lost: the tunnel carries no routes.
    Down,
}

/// One tunnel's liveness probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStatus {
    /// Probe state.
    pub state: ProbeState,
    /// Last round-trip time in microseconds.
    pub rtt_us: Option<u64>,
    /// Probes sent.
    pub sent: u64,
    /// Probes lost.
    pub lost: u64,
    /// The tunnel is healthy (Child SA installed and probes not down).
    pub healthy: bool,
}

/// Answer to `status`. Example (field order is stable):
///
/// ```json
/// {"version":"0.1.0","uptime_seconds":3725,"config":"/etc/xfrmd/site.yaml","tunnels":[
///  {"connection":"hq","tunnel":"t1","local":"192.0.2.1","remote":"198.51.100.1",
///   "interface":"xfrm-hq-t1","admin_down":false,
///   "ike_phase1_state":"Established","ike_phase2_state":"Established",
///   "phase1":{"ike_version":"ikev2","encryption":"AES256-GCM-16","integrity":null,"dh_group":19},
///   "phase2":{"encryption":"AES256-GCM-16","integrity":null,"dh_group":19,
///             "spi_in":3235774465,"spi_out":3235774466},
///   "nat_t_detected":false,"dpd_enabled":true,"uptime_seconds":3600,
///   "bytes_in":1048576,"bytes_out":2097152,"packets_in":1024,"packets_out":2048,
///   "route_active":true,"last_error":null,
///   "probe":{"state":"up","rtt_us":1830,"sent":18000,"lost":2,"healthy":true}}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Daemon version.
    pub version: String,
    /// Seconds since the daemon started.
    pub uptime_seconds: u64,
    /// Site file in use.
    pub config: Option<String>,
    /// Every configured tunnel, in configuration order.
    pub tunnels: Vec<TunnelStatus>,
}

/// The name of an encryption algorithm as status and the activity log show it
/// (`AES256-GCM-16`).
pub fn encr_name(e: ike::crypto::EncrAlg) -> String {
    use ike::crypto::EncrAlg;
    match e {
        EncrAlg::AesCbc { key_bits } => format!("AES{key_bits}"),
        EncrAlg::AesGcm16 { key_bits } => format!("AES{key_bits}-GCM-16"),
        EncrAlg::ChaCha20Poly1305 => "CHACHA20-POLY1305".into(),
    }
}

/// The name of an integrity algorithm as status and the activity log show it (`SHA2-256`).
pub fn integ_name(i: ike::crypto::IntegAlg) -> &'static str {
    use ike::crypto::IntegAlg;
    match i {
        IntegAlg::HmacSha1_96 => "SHA1",
        IntegAlg::HmacSha256_128 => "SHA2-256",
        IntegAlg::HmacSha384_192 => "SHA2-384",
        IntegAlg::HmacSha512_256 => "SHA2-512",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatusReport {
        StatusReport {
            version: "0.1.0".into(),
            uptime_seconds: 3725,
            config: Some("/etc/xfrmd/site.yaml".into()),
            tunnels: vec![TunnelStatus {
                connection: "hq".into(),
                tunnel: "t1".into(),
                local: "192.0.2.1".parse().unwrap(),
                remote: "198.51.100.1".parse().unwrap(),
                interface: Some("xfrm-hq-t1".into()),
                admin_down: false,
                ike_phase1_state: PhaseState::Established,
                ike_phase2_state: PhaseState::Rekeying,
                phase1: Some(Phase1Algorithms {
                    ike_version: "ikev2".into(),
                    encryption: "AES256-GCM-16".into(),
                    integrity: None,
                    dh_group: 19,
                }),
                phase2: Some(Phase2Algorithms {
                    encryption: "AES256-GCM-16".into(),
                    integrity: None,
                    dh_group: Some(19),
                    spi_in: 3_235_774_465,
                    spi_out: 3_235_774_466,
                }),
                nat_t_detected: false,
                dpd_enabled: true,
                uptime_seconds: Some(3600),
                bytes_in: 1_048_576,
                bytes_out: 2_097_152,
                packets_in: 1024,
                packets_out: 2048,
                route_active: true,
                last_error: None,
                probe: Some(ProbeStatus {
                    state: ProbeState::Up,
                    rtt_us: Some(1830),
                    sent: 18_000,
                    lost: 2,
                    healthy: true,
                }),
            }],
        }
    }

    fn keys(v: &serde_json::Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(|k| k.as_str()).collect()
    }

    #[test]
    fn json_keys_are_the_documented_ones_in_order() {
        let text = serde_json::to_string(&sample()).unwrap();
        // serde_json keeps declaration order only with preserve_order; check the text.
        let order = [
            "\"version\"",
            "\"uptime_seconds\"",
            "\"config\"",
            "\"tunnels\"",
            "\"connection\"",
            "\"tunnel\"",
            "\"local\"",
            "\"remote\"",
            "\"interface\"",
            "\"admin_down\"",
            "\"ike_phase1_state\"",
            "\"ike_phase2_state\"",
            "\"phase1\"",
            "\"ike_version\"",
            "\"phase2\"",
            "\"spi_in\"",
            "\"spi_out\"",
            "\"nat_t_detected\"",
            "\"dpd_enabled\"",
            "\"uptime_seconds\":3600",
            "\"bytes_in\"",
            "\"bytes_out\"",
            "\"packets_in\"",
            "\"packets_out\"",
            "\"route_active\"",
            "\"last_error\"",
            "\"probe\"",
            "\"state\"",
            "\"rtt_us\"",
            "\"sent\"",
            "\"lost\"",
            "\"healthy\"",
        ];
        let mut at = 0;
        for k in order {
            let pos = text[at..]
                .find(k)
                .unwrap_or_else(|| panic!("{k} not after {at}: {text}"));
            at += pos + k.len();
        }
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut top = keys(&v);
        top.sort_unstable();
        assert_eq!(top, ["config", "tunnels", "uptime_seconds", "version"]);
        let mut t = keys(&v["tunnels"][0]);
        t.sort_unstable();
        assert_eq!(
            t,
            [
                "admin_down",
                "bytes_in",
                "bytes_out",
                "connection",
                "dpd_enabled",
                "ike_phase1_state",
                "ike_phase2_state",
                "interface",
                "last_error",
                "local",
                "nat_t_detected",
                "packets_in",
                "packets_out",
                "phase1",
                "phase2",
                "probe",
                "remote",
                "route_active",
                "tunnel",
                "uptime_seconds",
            ]
        );
        let mut p1 = keys(&v["tunnels"][0]["phase1"]);
        p1.sort_unstable();
        assert_eq!(p1, ["dh_group", "encryption", "ike_version", "integrity"]);
        let mut p2 = keys(&v["tunnels"][0]["phase2"]);
        p2.sort_unstable();
        assert_eq!(
            p2,
            ["dh_group", "encryption", "integrity", "spi_in", "spi_out"]
        );
        let mut pr = keys(&v["tunnels"][0]["probe"]);
        pr.sort_unstable();
        assert_eq!(pr, ["healthy", "lost", "rtt_us", "sent", "state"]);
        assert_eq!(v["tunnels"][0]["probe"]["state"], "up");
        assert_eq!(v["tunnels"][0]["ike_phase2_state"], "Rekeying");
        let back: StatusReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn shared_fields_have_the_activity_log_names_and_values() {
        let status = serde_json::to_value(&sample().tunnels[0]).unwrap();
        let line = crate::activity::Line {
            event_timestamp: 0,
            timestamp: String::new(),
            connection: "hq".into(),
            tunnel: "t1".into(),
            dpd_enabled: true,
            nat_t_detected: false,
            ike_phase1_state: PhaseState::Established,
            ike_phase2_state: PhaseState::Rekeying,
            details: String::new(),
        };
        let log = serde_json::to_value(&line).unwrap();
        for k in [
            "connection",
            "tunnel",
            "dpd_enabled",
            "nat_t_detected",
            "ike_phase1_state",
            "ike_phase2_state",
        ] {
            assert_eq!(status[k], log[k], "{k}");
        }
        for s in [
            PhaseState::Established,
            PhaseState::Rekeying,
            PhaseState::Negotiating,
            PhaseState::Down,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
