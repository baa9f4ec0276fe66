//! The typed site model produced by `load`: every option resolved (tunnel value, else
//! `defaults.tunnel`, else the built-in default) and in range by construction. It holds no
//! file contents and does no I/O: a `psk_file` stays a path for the daemon to read and check
//! with [`crate::Psk::parse`].

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use crate::algo::{
    DpdAction, Encryption, IkeVersion, Integrity, InterfaceKind, LogFormat, Mode, StartupAction,
};
use crate::types::{
    DpdTimeout, HoldDown, InsideCidr, Mtu, Name, Phase1Lifetime, Phase2Lifetime, Priority,
    ProbeInterval, ProbeMisses, ProbeRecover, Psk, RekeyFuzz, RekeyMargin, ReplayWindow, Weight,
};

/// Default first xfrm if_id.
pub const DEFAULT_IF_ID_BASE: u32 = 4096;

/// Default metrics listen address (`site.metrics_listen`).
pub const DEFAULT_METRICS_LISTEN: SocketAddr =
    SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9814);

/// Where and how the tunnel activity log is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityLog {
    /// Line format.
    pub format: LogFormat,
    /// Absolute directory of the per-tunnel files.
    pub dir: String,
}

/// A validated site file.
#[derive(Debug, Clone)]
pub struct Site {
    /// Site name.
    pub name: Name,
    /// Local networks.
    pub networks: Vec<IpNet>,
    /// Hub mode: routes of one connection are offered to the others.
    pub transit: bool,
    /// First if_id handed to tunnels.
    pub if_id_base: u32,
    /// Metrics endpoint address; `None` = off.
    pub metrics_listen: Option<SocketAddr>,
    /// Tunnel activity log; `None` = off.
    pub activity_log: Option<ActivityLog>,
    /// Connections, sorted by name.
    pub connections: Vec<Connection>,
}

/// A connection to one remote site.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Connection name (the YAML key).
    pub name: Name,
    /// Networks behind the remote site.
    pub remote_networks: Vec<IpNet>,
    /// Route- or policy-based.
    pub mode: Mode,
    /// Tunnels in file order.
    pub tunnels: Vec<Tunnel>,
}

/// One tunnel with all options resolved.
#[derive(Debug, Clone)]
pub struct Tunnel {
    /// Tunnel name.
    pub name: Name,
    /// Local outside address.
    pub local: IpAddr,
    /// Remote outside address.
    pub remote: IpAddr,
    /// Inside CIDR.
    pub inside: InsideCidr,
    /// Our inside address (first or second usable address of `inside`).
    pub inside_local: IpAddr,
    /// The peer's inside address.
    pub inside_remote: IpAddr,
    /// Authentication.
    pub auth: Auth,
    /// Local IKE identity.
    pub local_id: String,
    /// Expected remote IKE identity.
    pub remote_id: String,
    /// Resolved options.
    pub options: TunnelOptions,
}

/// How a tunnel authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Inline pre-shared key.
    Psk(Psk),
    /// Pre-shared key in a file the daemon reads.
    PskFile(String),
    /// Certificate, private key and CA bundle files.
    Cert {
        /// Local certificate.
        cert: String,
        /// Its private key.
        key: String,
        /// CA bundle for the peer (absent: system trust is not used; the daemon decides).
        ca: Option<String>,
    },
}

/// One IKE/ESP phase's proposal lists and lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase<L> {
    /// DH groups, in preference order.
    pub dh_groups: Vec<u16>,
    /// Encryption algorithms, in preference order.
    pub encryption: Vec<Encryption>,
    /// Integrity algorithms, in preference order.
    pub integrity: Vec<Integrity>,
    /// SA lifetime.
    pub lifetime: L,
}

/// Every tunnel option, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelOptions {
    /// IKE versions.
    pub ike_versions: Vec<IkeVersion>,
    /// IKEv1 aggressive mode allowed.
    pub aggressive: bool,
    /// DPD timeout.
    pub dpd_timeout: DpdTimeout,
    /// DPD action.
    pub dpd_action: DpdAction,
    /// Startup action.
    pub startup: StartupAction,
    /// Local traffic selectors.
    pub local_ts: Vec<IpNet>,
    /// Remote traffic selectors.
    pub remote_ts: Vec<IpNet>,
    /// IKE SA proposal.
    pub phase1: Phase<Phase1Lifetime>,
    /// CHILD SA proposal.
    pub phase2: Phase<Phase2Lifetime>,
    /// Rekey margin (≤ phase 2 lifetime / 2).
    pub rekey_margin: RekeyMargin,
    /// Rekey fuzz.
    pub rekey_fuzz: RekeyFuzz,
    /// Replay window.
    pub replay_window: ReplayWindow,
    /// Interface kind.
    pub interface: InterfaceKind,
    /// Interface MTU (absent: computed).
    pub mtu: Option<Mtu>,
    /// Route priority.
    pub priority: Priority,
    /// ECMP weight.
    pub weight: Weight,
    /// Preempt back to a recovered better tunnel.
    pub preempt: bool,
    /// Hold-down after recovery.
    pub hold_down: HoldDown,
    /// Probe interval.
    pub probe_interval: ProbeInterval,
    /// Probe misses.
    pub probe_misses: ProbeMisses,
    /// Probe recovery count.
    pub probe_recover: ProbeRecover,
    /// This tunnel writes to the activity log (when the site has one).
    pub activity_log: bool,
}
