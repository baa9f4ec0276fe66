//! Engine configuration: one [`ConnectionConfig`] per tunnel (peer addresses, identities, PSK,
//! proposals, traffic selectors, lifetimes, DPD, startup and retransmission policy).
//!
//! Plain data with defaults taken from the requirements checklist (REQUIREMENTS.md §2); the
//! daemon builds these from the YAML site description. Nothing here reads files or clocks,
//! validates ranges against operator policy, or holds a key outside a [`Secret`] or a
//! [`PrivateKey`] (whose `Debug` prints `<redacted>`).

use crate::crypto::sign::PrivateKey;
use crate::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg, Secret};
use crate::wire::v2::{Identification, TrafficSelector};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Opaque tunnel id chosen by the daemon (it maps it to an XFRM reqid / if_id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TunnelRef(pub u64);

/// One IKE SA proposal: ENCR, PRF, INTEG (None for AEAD) and D-H group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeProposal {
    pub encr: EncrAlg,
    pub prf: PrfAlg,
    pub integ: Option<IntegAlg>,
    pub dh: DhGroup,
}

/// One ESP proposal: ENCR, INTEG (None for AEAD), optional PFS group, ESN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspProposal {
    pub encr: EncrAlg,
    pub integ: Option<IntegAlg>,
    /// D-H group for CREATE_CHILD_SA (PFS); never sent in IKE_AUTH (RFC 7296 1.2).
    pub pfs: Option<DhGroup>,
    pub esn: bool,
}

/// What to do when the peer is declared dead (REQUIREMENTS §2 #2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DpdAction {
    /// End the IKE SA and its Child SAs (the daemon removes routes).
    #[default]
    Clear,
    /// Report only; SAs stay installed and the probe keeps being retransmitted.
    None,
    /// End the IKE SA and initiate a new one at once.
    Restart,
}

/// Startup action (REQUIREMENTS §2 #26).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartupAction {
    /// Wait for the peer (or a kernel ACQUIRE).
    #[default]
    Add,
    /// Initiate at once and keep retrying until established.
    Start,
}

/// Retransmission policy: `timeout * base^n` for n in 0..tries, then give up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retransmit {
    pub timeout: Duration,
    pub base: f64,
    pub tries: u32,
}

impl Default for Retransmit {
    fn default() -> Self {
        Retransmit {
            timeout: Duration::from_secs(4),
            base: 1.8,
            tries: 5,
        }
    }
}

/// Configuration of one tunnel.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionConfig {
    pub tunnel: TunnelRef,
    /// Local IKE address (port normally 500).
    pub local: SocketAddr,
    /// Peer IKE address; an unspecified IP accepts any peer as responder.
    pub remote: SocketAddr,
    pub local_id: Identification,
    /// Identity the peer must present; `None` accepts any.
    pub remote_id: Option<Identification>,
    /// Send IDr in IKE_AUTH requests (RFC 7296 2.9: optional).
    pub send_idr: bool,
    /// Pre-shared key (RFC 7296 2.15); used when `cert` is `None`.
    pub psk: Secret,
    /// Certificate authentication (RFC 7296 3.6-3.8, RFC 7427) instead of the PSK.
    pub cert: Option<CertAuth>,
    /// In local preference order; the responder chooses by this order.
    pub ike_proposals: Vec<IkeProposal>,
    pub esp_proposals: Vec<EspProposal>,
    pub local_ts: Vec<TrafficSelector>,
    pub remote_ts: Vec<TrafficSelector>,
    pub ike_lifetime: Duration,
    pub child_lifetime: Duration,
    pub rekey_margin: Duration,
    /// 0..=100: share of the margin over which the rekey moment is randomised.
    pub rekey_fuzz_percent: u8,
    /// Idle time after which a liveness check is sent; zero disables DPD.
    pub dpd_delay: Duration,
    pub dpd_timeout: Duration,
    pub dpd_action: DpdAction,
    pub startup: StartupAction,
    /// ESP anti-replay window (packets).
    pub replay_window: u32,
    pub retransmit: Retransmit,
    /// Announce IKEV2_FRAGMENTATION_SUPPORTED with this MTU (RFC 7383).
    pub fragmentation_mtu: Option<u16>,
    /// Initiate again after the peer deleted the IKE SA (REQUIREMENTS §5 rule 4).
    pub reinitiate_on_delete: bool,
    /// IKE versions this tunnel speaks (REQUIREMENTS §2 #4).
    pub versions: IkeVersions,
    /// IKEv1 aggressive mode accepted (opt-in, REQUIREMENTS §18 #12); main mode otherwise.
    pub aggressive: bool,
}

/// The IKE versions of a tunnel. As initiator a tunnel uses IKEv2 when it is enabled and
/// IKEv1 otherwise; as responder it accepts every enabled version (issue 9: `[ikev1, ikev2]`
/// initiates IKEv2 and answers either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeVersions {
    pub v1: bool,
    pub v2: bool,
}

impl IkeVersions {
    /// IKEv2 only.
    pub const V2: IkeVersions = IkeVersions {
        v1: false,
        v2: true,
    };
    /// IKEv1 only.
    pub const V1: IkeVersions = IkeVersions {
        v1: true,
        v2: false,
    };
    /// Whether this tunnel initiates with IKEv1 (IKEv1 on and IKEv2 off).
    pub fn initiates_v1(self) -> bool {
        self.v1 && !self.v2
    }
}

impl ConnectionConfig {
    /// The rekey margin for an SA of `lifetime`: `rekey_margin` clamped to half the lifetime,
    /// so a misconfigured margin never makes an SA rekey at once, forever.
    pub fn rekey_margin_for(&self, lifetime: Duration) -> Duration {
        self.rekey_margin.min(lifetime / 2)
    }

    /// When to rekey an SA of `lifetime`: `lifetime - margin - random(fuzz % of margin)`,
    /// the random share drawn by `random_upto` (REQUIREMENTS §2: margin and fuzz).
    pub fn rekey_after(
        &self,
        lifetime: Duration,
        random_upto: impl FnOnce(Duration) -> Duration,
    ) -> Duration {
        let margin = self.rekey_margin_for(lifetime);
        let fuzz = margin.mul_f64(f64::from(self.rekey_fuzz_percent.min(100)) / 100.0);
        lifetime
            .saturating_sub(margin)
            .saturating_sub(random_upto(fuzz))
    }

    /// A connection with the checklist defaults (REQUIREMENTS §2): lifetimes 28800/3600 s,
    /// margin 270 s, fuzz 100 %, DPD timeout 40 s with action clear, replay window 1024,
    /// startup add, all-address traffic selectors of the local address family.
    pub fn new(tunnel: TunnelRef, local: SocketAddr, remote: SocketAddr, psk: Secret) -> Self {
        let any = any_ts(local.ip());
        ConnectionConfig {
            tunnel,
            local,
            remote,
            local_id: match local.ip() {
                IpAddr::V4(a) => Identification::Ipv4(a),
                IpAddr::V6(a) => Identification::Ipv6(a),
            },
            remote_id: None,
            send_idr: false,
            psk,
            cert: None,
            ike_proposals: vec![IkeProposal {
                encr: EncrAlg::AesGcm16 { key_bits: 256 },
                prf: PrfAlg::HmacSha384,
                integ: None,
                dh: DhGroup::Ecp384,
            }],
            esp_proposals: vec![EspProposal {
                encr: EncrAlg::AesGcm16 { key_bits: 256 },
                integ: None,
                pfs: None,
                esn: false,
            }],
            local_ts: vec![any.clone()],
            remote_ts: vec![any],
            ike_lifetime: Duration::from_secs(28800),
            child_lifetime: Duration::from_secs(3600),
            rekey_margin: Duration::from_secs(270),
            rekey_fuzz_percent: 100,
            dpd_delay: Duration::from_secs(10),
            dpd_timeout: Duration::from_secs(40),
            dpd_action: DpdAction::Clear,
            startup: StartupAction::Add,
            replay_window: 1024,
            retransmit: Retransmit::default(),
            fragmentation_mtu: Some(1280),
            reinitiate_on_delete: false,
            versions: IkeVersions::V2,
            aggressive: false,
        }
    }
}

/// Wall-clock time for certificate validity checks (RFC 5280 4.1.2.5). The engine never reads
/// the system clock itself: the daemon injects one that does, tests a fixed one.
pub trait WallClock: Send + Sync + core::fmt::Debug {
    /// Seconds since the Unix epoch.
    fn unix_time(&self) -> i64;
}

/// A clock that always reads the same time (tests, `xfrmd check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub i64);

impl WallClock for FixedClock {
    fn unix_time(&self) -> i64 {
        self.0
    }
}

/// Certificate authentication of one connection: our chain, our private key, the CAs the
/// peer's certificate must chain to, and the clock validity is checked against.
#[derive(Clone)]
pub struct CertAuth {
    /// DER certificates to send as CERT payloads: ours first (RFC 7296 3.6: the first one
    /// carries the key that verifies AUTH), then intermediates.
    pub chain: Vec<Vec<u8>>,
    /// The private key of `chain[0]`.
    pub key: Arc<PrivateKey>,
    /// DER trust anchors for the peer's certificate (also announced in CERTREQ, 3.7).
    pub trusted_cas: Vec<Vec<u8>>,
    pub clock: Arc<dyn WallClock>,
}

impl core::fmt::Debug for CertAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertAuth")
            .field("chain", &self.chain.len())
            .field("key", &"<redacted>")
            .field("trusted_cas", &self.trusted_cas.len())
            .finish()
    }
}

/// Two configurations are the same tunnel when certificates, CAs and the key's public half
/// agree; the clock is not part of a tunnel's identity.
impl PartialEq for CertAuth {
    fn eq(&self, o: &Self) -> bool {
        self.chain == o.chain
            && self.trusted_cas == o.trusted_cas
            && self.key.public_key() == o.key.public_key()
    }
}

/// The all-addresses, all-protocols selector of the family of `ip`.
pub fn any_ts(ip: IpAddr) -> TrafficSelector {
    match ip {
        IpAddr::V4(_) => TrafficSelector::Ipv4 {
            ip_proto: 0,
            start_port: 0,
            end_port: 65535,
            start: Ipv4Addr::UNSPECIFIED,
            end: Ipv4Addr::BROADCAST,
        },
        IpAddr::V6(_) => TrafficSelector::Ipv6 {
            ip_proto: 0,
            start_port: 0,
            end_port: 65535,
            start: Ipv6Addr::UNSPECIFIED,
            end: Ipv6Addr::from(u128::MAX),
        },
    }
}

/// The selector covering the prefix `addr/len` (any protocol and port). `len` is clamped to
/// the family's width.
pub fn cidr_ts(addr: IpAddr, len: u8) -> TrafficSelector {
    match addr {
        IpAddr::V4(a) => {
            let len = u32::from(len.min(32));
            let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
            let start = u32::from(a) & mask;
            TrafficSelector::Ipv4 {
                ip_proto: 0,
                start_port: 0,
                end_port: 65535,
                start: start.into(),
                end: (start | !mask).into(),
            }
        }
        IpAddr::V6(a) => {
            let len = u32::from(len.min(128));
            let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
            let start = u128::from(a) & mask;
            TrafficSelector::Ipv6 {
                ip_proto: 0,
                start_port: 0,
                end_port: 65535,
                start: start.into(),
                end: (start | !mask).into(),
            }
        }
    }
}
