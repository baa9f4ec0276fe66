//! Raw site-file types: the YAML shape exactly as written, read with serde
//! (`deny_unknown_fields` everywhere) and described by the generated JSON Schema. Nothing here
//! is checked beyond its YAML type; `validate` turns these into the typed `Site`. The one
//! secret field (`psk`) is a [`RawSecret`] whose Debug and serialized form are `<redacted>`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::algo::{
    DpdAction, Encryption, IkeVersion, InsideSide, Integrity, InterfaceKind, LogFormat, Mode,
    StartupAction,
};

/// A whole site file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    /// This site: its name and the networks behind it.
    pub site: RawSiteInfo,
    /// Options applied to every tunnel unless the tunnel sets them itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<RawDefaults>,
    /// Connections to other sites, by name.
    #[serde(default)]
    pub connections: BTreeMap<String, RawConnection>,
}

/// The `site:` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSiteInfo {
    /// Site name (letters, digits, `-`, `_`; at most 32 characters).
    pub name: String,
    /// Local networks behind this site (also the default local side of policy-mode selectors).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub networks: Vec<IpNet>,
    /// Re-advertise routes between connections (hub). When on, remote networks of different
    /// connections must not overlap. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit: Option<bool>,
    /// First xfrm if_id handed out; tunnels get consecutive ids in connection-name order.
    /// Default 4096.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_id_base: Option<u32>,
    /// Where the Prometheus metrics endpoint (`GET /metrics`) listens: `IP:PORT`, or `off`.
    /// Default 127.0.0.1:9814.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    /// Tunnel activity log, one file per tunnel (REQUIREMENTS §10). Absent: no activity log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_log: Option<RawActivityLog>,
}

/// The `site.activity_log:` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActivityLog {
    /// Line format: json | text. Default json.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<LogFormat>,
    /// Absolute directory for the per-tunnel files `<connection>_<tunnel>.log`.
    pub dir: String,
}

/// The `defaults:` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    /// Tunnel options shared by every tunnel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<RawOptions>,
}

/// One connection: a remote site reached over one or more tunnels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConnection {
    /// Networks behind the remote site.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub remote_networks: Vec<IpNet>,
    /// `route` (xfrm/VTI interface per tunnel, default) or `policy` (SPD selectors only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The tunnels of this connection (usually two).
    #[serde(default)]
    pub tunnels: Vec<RawTunnel>,
}

/// Tunnel authentication: exactly one of `psk`, `psk_file` or `cert` + `key` (+ `ca`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    /// Inline pre-shared key: 8-64 of `[A-Za-z0-9._]`, not starting with `0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psk: Option<RawSecret>,
    /// File holding the pre-shared key (read by the daemon, same rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psk_file: Option<String>,
    /// Local certificate (PEM file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// Private key of `cert` (PEM file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// CA bundle the peer certificate must chain to (PEM file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<String>,
}

/// An inline secret as read from YAML: Debug and serialization print `<redacted>`, the
/// buffer is zeroized on drop.
#[derive(Clone, Default, JsonSchema)]
#[schemars(transparent)]
pub struct RawSecret(#[schemars(with = "String")] pub Zeroizing<String>);

impl fmt::Debug for RawSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for RawSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for RawSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(RawSecret(Zeroizing::new(String::deserialize(d)?)))
    }
}

/// The non-option fields of a [`RawTunnel`], for building one.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct RawTunnelBase {
    pub name: String,
    pub local: IpAddr,
    pub remote: IpAddr,
    pub inside: IpNet,
    pub inside_side: Option<InsideSide>,
    pub auth: RawAuth,
    pub local_id: Option<String>,
    pub remote_id: Option<String>,
}

/// Declares the tunnel options once and generates [`RawOptions`] (the `defaults.tunnel`
/// block), [`RawTunnel`] (a tunnel: its own fields plus every option) and the layering.
macro_rules! tunnel_options {
    ($($(#[$attr:meta])* $field:ident: $ty:ty,)+) => {
        /// Tunnel options that may be set under `defaults.tunnel` or on each tunnel.
        #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct RawOptions {
            $(
                $(#[$attr])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )+
        }

        /// One tunnel: outside addresses, inside CIDR, authentication, identities, and any
        /// tunnel option overriding `defaults.tunnel`.
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct RawTunnel {
            /// Tunnel name, unique within the connection (letters, digits, `-`, `_`).
            pub name: String,
            /// Local outside (IKE/ESP) address.
            #[schemars(with = "String")]
            pub local: IpAddr,
            /// Remote outside (IKE/ESP) address.
            #[schemars(with = "String")]
            pub remote: IpAddr,
            /// Inside CIDR: a /30 in 169.254.0.0/16 (not a reserved /30) or a /126 in fd00::/8.
            #[schemars(with = "String")]
            pub inside: IpNet,
            /// Which usable inside address is ours; default: the side with the lower outside
            /// address takes the first.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub inside_side: Option<InsideSide>,
            /// Authentication.
            pub auth: RawAuth,
            /// Local IKE identity (default: the local outside address).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub local_id: Option<String>,
            /// Expected remote IKE identity, IDr (default: the remote outside address).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub remote_id: Option<String>,
            $(
                $(#[$attr])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )+
        }

        impl RawTunnel {
            /// The tunnel's own option layer.
            pub fn options(&self) -> RawOptions {
                RawOptions { $($field: self.$field.clone(),)+ }
            }
            /// A tunnel from its own fields (options left unset) and an option layer.
            pub fn from_parts(base: RawTunnelBase, o: RawOptions) -> RawTunnel {
                let RawTunnelBase { name, local, remote, inside, inside_side, auth, local_id, remote_id } = base;
                RawTunnel { name, local, remote, inside, inside_side, auth, local_id, remote_id, $($field: o.$field,)+ }
            }
        }
    };
}

tunnel_options! {
    /// IKE versions accepted/used: subset of [ikev1, ikev2]. Default both (REQUIREMENTS §2 #4).
    #[serde(serialize_with = "flow")]
    ike_versions: Vec<IkeVersion>,
    /// Allow IKEv1 aggressive mode (opt-in; needs ikev1). Default false.
    aggressive: bool,
    /// Seconds after the first failed keepalive before the peer is dead: 30..=3600, default 40.
    #[schemars(range(min = 30, max = 3600))]
    dpd_timeout: u32,
    /// DPD timeout action: clear | none | restart. Default clear.
    dpd_action: DpdAction,
    /// Startup action: add | start. Default add. `start` needs ikev2.
    startup: StartupAction,
    /// Local traffic selectors. Default 0.0.0.0/0 (::/0 for an IPv6 inside CIDR).
    #[schemars(with = "Vec<String>")]
    #[serde(serialize_with = "flow")]
    local_ts: Vec<IpNet>,
    /// Remote traffic selectors. Default 0.0.0.0/0 (::/0 for an IPv6 inside CIDR).
    #[schemars(with = "Vec<String>")]
    #[serde(serialize_with = "flow")]
    remote_ts: Vec<IpNet>,
    /// Phase 1 DH groups: subset of 2, 14-24. Default all of them.
    #[serde(serialize_with = "flow")]
    phase1_dh_groups: Vec<u16>,
    /// Phase 2 (PFS) DH groups: subset of 2, 5, 14-24. Default all of them.
    #[serde(serialize_with = "flow")]
    phase2_dh_groups: Vec<u16>,
    /// Phase 1 encryption. Default all four.
    #[serde(serialize_with = "flow")]
    phase1_encryption: Vec<Encryption>,
    /// Phase 2 encryption. Default all four.
    #[serde(serialize_with = "flow")]
    phase2_encryption: Vec<Encryption>,
    /// Phase 1 integrity. Default all four.
    #[serde(serialize_with = "flow")]
    phase1_integrity: Vec<Integrity>,
    /// Phase 2 integrity. Default all four.
    #[serde(serialize_with = "flow")]
    phase2_integrity: Vec<Integrity>,
    /// Phase 1 (IKE SA) lifetime in seconds: 900..=28800, default 28800.
    #[schemars(range(min = 900, max = 28800))]
    phase1_lifetime: u32,
    /// Phase 2 (CHILD SA) lifetime in seconds: 900..=3600, default 3600, below phase 1.
    #[schemars(range(min = 900, max = 3600))]
    phase2_lifetime: u32,
    /// Rekey margin in seconds: 60..=phase2_lifetime/2, default 270.
    #[schemars(range(min = 60, max = 1800))]
    rekey_margin: u32,
    /// Rekey fuzz, percent of the margin: 0..=100, default 100.
    #[schemars(range(min = 0, max = 100))]
    rekey_fuzz: u32,
    /// ESP anti-replay window in packets: 64..=2048, default 1024.
    #[schemars(range(min = 64, max = 2048))]
    replay_window: u32,
    /// Tunnel device kind: xfrm | vti. Default xfrm.
    interface: InterfaceKind,
    /// Tunnel interface MTU: 576..=1446 (absent: computed from the algorithms).
    #[schemars(range(min = 576, max = 1446))]
    mtu: u32,
    /// Route priority (metric): lower wins. 0..=65535, default 100.
    #[schemars(range(min = 0, max = 65535))]
    priority: u32,
    /// ECMP weight among tunnels of equal priority: 1..=256, default 1.
    #[schemars(range(min = 1, max = 256))]
    weight: u32,
    /// Set on the better (lower priority) tunnel: after it failed and recovered, it takes
    /// traffic back from a worse tunnel once healthy for `hold_down`. Default false (traffic
    /// stays on the standby until the standby fails).
    preempt: bool,
    /// Seconds a recovered tunnel with `preempt` must stay healthy before it takes traffic
    /// back: 0..=3600, default 30.
    #[schemars(range(min = 0, max = 3600))]
    hold_down: u32,
    /// Health probe interval in milliseconds: 100..=60000, default 200.
    #[schemars(range(min = 100, max = 60000))]
    probe_interval: u32,
    /// Consecutive lost probes that mark the tunnel down: 1..=100, default 3.
    #[schemars(range(min = 1, max = 100))]
    probe_misses: u32,
    /// Consecutive answered probes that mark it up again: 1..=100, default 3.
    #[schemars(range(min = 1, max = 100))]
    probe_recover: u32,
    /// Write this tunnel's lines to the tunnel activity log when `site.activity_log` is set
    /// (REQUIREMENTS §10.1: enabled per tunnel). Default true.
    activity_log: bool,
}

/// Writes a list option as a YAML flow sequence (`[a, b]`) to keep `--effective` short.
fn flow<T: Serialize, S: Serializer>(v: &Option<Vec<T>>, s: S) -> Result<S::Ok, S::Error> {
    v.as_ref().map(serde_saphyr::FlowSeq).serialize(s)
}
