//! IPsec objects as data: SAs (`ip xfrm state`) and policies (`ip xfrm policy`).
//!
//! These types describe what the daemon wants in the SAD/SPD and what a snapshot found there.
//! They carry no behaviour beyond identity (`SaId`, `PolicyId`) and never talk to a kernel;
//! key bytes stay inside [`Key`], whose `Debug` is redacted.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::key::Key;

/// IPsec protocol of an SA or template (`proto esp|ah`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// Encapsulating Security Payload, IP protocol 50.
    Esp,
    /// Authentication Header, IP protocol 51.
    Ah,
}

impl Proto {
    /// IP protocol number.
    pub fn number(self) -> u8 {
        match self {
            Proto::Esp => 50,
            Proto::Ah => 51,
        }
    }

    /// Inverse of [`Proto::number`].
    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            50 => Some(Proto::Esp),
            51 => Some(Proto::Ah),
            _ => None,
        }
    }
}

/// SA / template mode (`mode tunnel|transport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Transport mode (XFRM_MODE_TRANSPORT = 0).
    Transport,
    /// Tunnel mode (XFRM_MODE_TUNNEL = 1).
    Tunnel,
}

/// A netfilter mark and mask (`mark 0x.. mask 0x..`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mark {
    /// Mark value.
    pub value: u32,
    /// Mask applied before comparing.
    pub mask: u32,
}

/// Traffic selector of an SA or policy (`sel src .. dst .. proto .. sport .. dport ..`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    /// Source prefix.
    pub src: IpNet,
    /// Destination prefix.
    pub dst: IpNet,
    /// Upper-layer protocol, 0 = any.
    pub proto: u8,
    /// Source port (exact), `None` = any.
    pub sport: Option<u16>,
    /// Destination port (exact), `None` = any.
    pub dport: Option<u16>,
}

impl Selector {
    /// Selector covering all traffic of the given address family
    /// (`0.0.0.0/0` or `::/0`, any protocol and port).
    pub fn any(v6: bool) -> Self {
        let net = if v6 {
            IpNet::V6(ipnet::Ipv6Net::default())
        } else {
            IpNet::V4(ipnet::Ipv4Net::default())
        };
        Selector {
            src: net,
            dst: net,
            proto: 0,
            sport: None,
            dport: None,
        }
    }

    /// Selector between two prefixes, any protocol.
    pub fn nets(src: IpNet, dst: IpNet) -> Self {
        Selector {
            src,
            dst,
            proto: 0,
            sport: None,
            dport: None,
        }
    }
}

/// SA algorithms with their keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaCrypto {
    /// Combined-mode cipher (XFRMA_ALG_AEAD), e.g. `rfc4106(gcm(aes))`; the key includes the
    /// 4-byte salt (RFC 4106 8.1).
    Aead {
        /// Kernel crypto API name.
        name: String,
        /// Key incl. salt.
        key: Key,
        /// ICV length in bits (64, 96 or 128 for GCM).
        icv_bits: u32,
    },
    /// Cipher (XFRMA_ALG_CRYPT) plus integrity (XFRMA_ALG_AUTH_TRUNC).
    CryptAuth {
        /// e.g. `cbc(aes)`.
        enc_name: String,
        /// Encryption key.
        enc_key: Key,
        /// e.g. `hmac(sha256)`.
        auth_name: String,
        /// Integrity key.
        auth_key: Key,
        /// Truncated ICV length in bits (e.g. 128 for hmac(sha256), RFC 4868 2.3).
        trunc_bits: u32,
    },
    /// Only produced by snapshots: a (foreign) SA whose algorithm set this model does not
    /// express (e.g. integrity-only or compression). Never installed by us.
    Unknown,
}

/// UDP encapsulation for NAT traversal (RFC 3948), `encap espinudp sport dport 0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Encap {
    /// Source UDP port.
    pub sport: u16,
    /// Destination UDP port.
    pub dport: u16,
}

/// SA lifetime limits (`limit ...`); `None` = infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Lifetime {
    /// Soft byte limit (triggers a soft EXPIRE, i.e. rekey).
    pub soft_bytes: Option<u64>,
    /// Hard byte limit (SA is deleted).
    pub hard_bytes: Option<u64>,
    /// Soft packet limit.
    pub soft_packets: Option<u64>,
    /// Hard packet limit.
    pub hard_packets: Option<u64>,
    /// Soft limit in seconds since the SA was added.
    pub soft_seconds: Option<u64>,
    /// Hard limit in seconds since the SA was added.
    pub hard_seconds: Option<u64>,
}

/// Identity of an SA in the SAD: destination, SPI, protocol (the kernel's
/// `xfrm_usersa_id`), plus the mark the kernel also matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SaId {
    /// Destination (outer) address.
    pub dst: IpAddr,
    /// SPI in host order.
    pub spi: u32,
    /// ESP or AH.
    pub proto: Proto,
    /// Mark, if the SA has one.
    pub mark: Option<Mark>,
}

/// An IPsec SA (`ip xfrm state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sa {
    /// Outer source address.
    pub src: IpAddr,
    /// Outer destination address.
    pub dst: IpAddr,
    /// SPI in host order.
    pub spi: u32,
    /// ESP or AH.
    pub proto: Proto,
    /// Tunnel or transport.
    pub mode: Mode,
    /// Request id binding the SA to policy templates; also our ownership tag.
    pub reqid: u32,
    /// xfrm interface id (`if_id`), `None` for none (`Some(0)` is refused: the kernel
    /// cannot tell it from none).
    pub if_id: Option<u32>,
    /// Mark the SA matches (`mark`); `Some` with value and mask 0 is refused likewise.
    pub mark: Option<Mark>,
    /// Algorithms and keys.
    pub crypto: SaCrypto,
    /// Anti-replay window in packets (RFC 4303 3.4.3); 0 disables, up to 4096.
    pub replay_window: u32,
    /// Extended sequence numbers (RFC 4303 2.2.1).
    pub esn: bool,
    /// NAT-T UDP encapsulation.
    pub encap: Option<Encap>,
    /// Soft and hard limits.
    pub lifetime: Lifetime,
    /// Inner traffic selector. `None` (tunnel mode only) is the family-less selector with
    /// XFRM_STATE_AF_UNSPEC, so one SA carries IPv4 and IPv6 inner traffic (what
    /// route-based tunnels want); `Some` restricts the SA to that selector's family.
    pub selector: Option<Selector>,
}

impl Sa {
    /// The SA's identity in the SAD.
    pub fn id(&self) -> SaId {
        SaId {
            dst: self.dst,
            spi: self.spi,
            proto: self.proto,
            mark: self.mark,
        }
    }

    /// Whether the replay state must be sent as XFRMA_REPLAY_ESN_VAL (ESN on, or a window
    /// larger than the 32 packets the legacy `replay_window` bitmap holds).
    pub fn needs_replay_esn(&self) -> bool {
        self.esn || self.replay_window > 32
    }

    /// True when two SAs with the same id differ only in what XFRM_MSG_UPDSA changes in a
    /// live SA: lifetimes, and the ports of an existing UDP encapsulation (the kernel's
    /// `xfrm_state_update` cannot add or remove encapsulation, nor change keys).
    pub fn updatable_to(&self, other: &Sa) -> bool {
        self.encap.is_some() == other.encap.is_some()
            && Sa {
                lifetime: other.lifetime,
                encap: other.encap,
                ..self.clone()
            } == *other
    }
}

/// Counters and times of an installed SA (`ip -s xfrm state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaCounters {
    /// Bytes processed.
    pub bytes: u64,
    /// Packets processed.
    pub packets: u64,
    /// Seconds since the epoch when the SA was added (0 if unknown).
    pub add_time: u64,
    /// Seconds since the epoch of first use (0 = never used).
    pub use_time: u64,
    /// Packets dropped by the replay check.
    pub replay_drops: u32,
    /// Integrity check failures.
    pub integrity_failed: u32,
}

/// Policy direction (`dir in|out|fwd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyDir {
    /// XFRM_POLICY_IN.
    In,
    /// XFRM_POLICY_OUT.
    Out,
    /// XFRM_POLICY_FWD.
    Fwd,
}

/// Policy action (`action allow|block`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyAction {
    /// Apply templates (or pass, with no templates).
    Allow,
    /// Drop matching traffic.
    Block,
}

/// One policy template (`tmpl src .. dst .. proto esp reqid .. mode ..`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    /// Tunnel source (unspecified for transport mode).
    pub src: IpAddr,
    /// Tunnel destination.
    pub dst: IpAddr,
    /// ESP or AH.
    pub proto: Proto,
    /// Tunnel or transport.
    pub mode: Mode,
    /// Request id the matching SA must carry.
    pub reqid: u32,
    /// SPI to match, 0 = any (the normal case).
    pub spi: u32,
    /// `level use` instead of `level required`.
    pub optional: bool,
}

/// Identity of a policy in the SPD: selector, direction, mark and interface id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId {
    /// Traffic selector.
    pub selector: Selector,
    /// Direction.
    pub dir: PolicyDir,
    /// Mark the policy matches.
    pub mark: Option<Mark>,
    /// xfrm interface id.
    pub if_id: Option<u32>,
}

/// An IPsec policy (`ip xfrm policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Traffic selector.
    pub selector: Selector,
    /// Direction.
    pub dir: PolicyDir,
    /// Lower value = preferred.
    pub priority: u32,
    /// Allow or block.
    pub action: PolicyAction,
    /// Templates (usually one ESP template).
    pub templates: Vec<Template>,
    /// xfrm interface id.
    pub if_id: Option<u32>,
    /// Mark.
    pub mark: Option<Mark>,
}

impl Policy {
    /// The policy's identity in the SPD.
    pub fn id(&self) -> PolicyId {
        PolicyId {
            selector: self.selector.clone(),
            dir: self.dir,
            mark: self.mark,
            if_id: self.if_id,
        }
    }
}

/// Parameters of an SPI allocation (XFRM_MSG_ALLOCSPI), which leaves a larval SA behind
/// that a later `UpdateSa` fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpiRequest {
    /// Outer source of the future inbound SA (the peer).
    pub src: IpAddr,
    /// Outer destination (us).
    pub dst: IpAddr,
    /// ESP or AH.
    pub proto: Proto,
    /// Request id of the future SA.
    pub reqid: u32,
    /// Mark of the future SA.
    pub mark: Option<Mark>,
    /// Lowest acceptable SPI (RFC 4303 2.1: 1..=255 are reserved by IANA).
    pub min: u32,
    /// Highest acceptable SPI.
    pub max: u32,
}
