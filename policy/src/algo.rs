//! Closed vocabularies of the site file: IKE versions, DPD and startup actions, ESP/IKE
//! algorithm names, interface kinds and connection modes, each with the exact spelling used
//! in YAML. It never maps names to IANA numbers or kernel algorithm strings: that is the
//! job of `ike` and `xfrm`, which read these through the daemon.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! names {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $var,)+
        }
        impl $name {
            /// Every allowed value, in the order used for defaults.
            pub const ALL: &'static [$name] = &[$($name::$var,)+];
            /// The YAML spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $text,)+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// IKE protocol version (REQUIREMENTS §2 #4). IKEv1 is main mode unless `aggressive` is set.
    IkeVersion { Ikev1 = "ikev1", Ikev2 = "ikev2", }
}

names! {
    /// What to do when DPD declares the peer dead (REQUIREMENTS §2 #2).
    DpdAction {
        /// End the IKE session, take the tunnel down and clear its routes.
        Clear = "clear",
        /// Take no action.
        None = "none",
        /// Restart the IKE session.
        Restart = "restart",
    }
}

names! {
    /// Who initiates IKE (REQUIREMENTS §2 #26).
    StartupAction {
        /// Wait for the peer (or for traffic) to initiate.
        Add = "add",
        /// Initiate at start-up (IKEv2 only, REQUIREMENTS §5 rule 2).
        Start = "start",
    }
}

names! {
    /// Phase 1/phase 2 encryption (REQUIREMENTS §2 #16/#17; 3DES is refused).
    Encryption {
        Aes128 = "aes128",
        Aes256 = "aes256",
        Aes128Gcm16 = "aes128-gcm-16",
        Aes256Gcm16 = "aes256-gcm-16",
    }
}

names! {
    /// Phase 1/phase 2 integrity (REQUIREMENTS §2 #18/#19).
    Integrity {
        Sha1 = "sha1",
        Sha2_256 = "sha2-256",
        Sha2_384 = "sha2-384",
        Sha2_512 = "sha2-512",
    }
}

names! {
    /// Route-based tunnel device: xfrm interface (if_id, kernel ≥ 4.19) or classic VTI (marks).
    InterfaceKind { Xfrm = "xfrm", Vti = "vti", }
}

names! {
    /// How a connection steers traffic into its tunnels.
    Mode {
        /// One xfrm/VTI interface per tunnel, routes choose the tunnel.
        Route = "route",
        /// SPD selectors only (local networks × remote networks), no interface, no transit.
        Policy = "policy",
    }
}

names! {
    /// Line format of the tunnel activity log (REQUIREMENTS §10.1).
    LogFormat {
        /// One JSON object per line.
        Json = "json",
        /// One `key=value ...` line per event.
        Text = "text",
    }
}

names! {
    /// Which usable address of the inside /30 (/126) this side takes.
    InsideSide { First = "first", Second = "second", }
}

/// Phase 1 Diffie-Hellman groups allowed (REQUIREMENTS §2 #14), also the default set.
pub const PHASE1_DH_GROUPS: &[u16] = &[2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
/// Phase 2 (PFS) Diffie-Hellman groups allowed (REQUIREMENTS §2 #15), also the default set.
pub const PHASE2_DH_GROUPS: &[u16] = &[2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
/// Phase 1 groups accepted when listed explicitly: the defaults plus 31 (Curve25519, RFC
/// 8031), the "curve" suite of the interoperability matrix; never offered by default.
pub const PHASE1_DH_GROUPS_ALLOWED: &[u16] = &[2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 31];
/// Phase 2 (PFS) groups accepted when listed explicitly: the defaults plus 31.
pub const PHASE2_DH_GROUPS_ALLOWED: &[u16] =
    &[2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 31];
