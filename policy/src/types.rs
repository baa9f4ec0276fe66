//! Validated newtypes of the site model ("parse, don't validate"): bounded numbers such as
//! [`DpdTimeout`], the [`Psk`] secret, the [`InsideCidr`] and object [`Name`]s. A value of
//! one of these types is in range by construction. No type here ever prints a secret: [`Psk`]
//! shows `<redacted>` in Debug, has no Display, and zeroizes its buffer on drop.

use std::fmt;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use zeroize::Zeroizing;

/// A number outside its allowed range; rendered into a diagnostic by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError {
    /// The value given.
    pub value: u64,
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value.
    pub max: u64,
    /// Unit for messages ("seconds", "packets", ...), may be empty.
    pub unit: &'static str,
}

impl RangeError {
    /// "10 is below the minimum 30 seconds" / "4000 is above the maximum 3600 seconds".
    pub fn message(&self) -> String {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        if self.value < self.min {
            format!("{} is below the minimum {}{unit}", self.value, self.min)
        } else {
            format!("{} is above the maximum {}{unit}", self.value, self.max)
        }
    }
    /// "use 30..=3600 seconds".
    pub fn hint(&self) -> String {
        format!("use {}..={} {}", self.min, self.max, self.unit)
            .trim_end()
            .to_owned()
    }
}

macro_rules! bounded {
    ($(#[$m:meta])* $name:ident: $min:literal..=$max:literal $(, default $def:literal)?, $unit:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);
        impl $name {
            /// Smallest allowed value.
            pub const MIN: u32 = $min;
            /// Largest allowed value.
            pub const MAX: u32 = $max;
            $(
            /// The default value.
            pub const DEFAULT: $name = $name($def);
            )?
            /// Checks the range.
            pub fn new(v: u32) -> Result<Self, RangeError> {
                if (Self::MIN..=Self::MAX).contains(&v) {
                    Ok($name(v))
                } else {
                    Err(RangeError { value: v.into(), min: $min, max: $max, unit: $unit })
                }
            }
            /// The value.
            pub fn get(self) -> u32 {
                self.0
            }
        }
    };
}

bounded!(
    /// DPD timeout in seconds (REQUIREMENTS §2 #1: ≥ 30, default 40; the 3600 cap is ours).
    DpdTimeout: 30..=3600, default 40, "seconds");
bounded!(
    /// IKE SA lifetime (REQUIREMENTS §2 #20).
    Phase1Lifetime: 900..=28800, default 28800, "seconds");
bounded!(
    /// CHILD SA lifetime (REQUIREMENTS §2 #21); must also be below the phase 1 lifetime.
    Phase2Lifetime: 900..=3600, default 3600, "seconds");
bounded!(
    /// Rekey margin (REQUIREMENTS §2 #24); the upper bound is phase2_lifetime / 2, checked
    /// against the tunnel's phase 2 lifetime.
    RekeyMargin: 60..=1800, default 270, "seconds");
bounded!(
    /// Rekey fuzz in percent of the margin (REQUIREMENTS §2 #23).
    RekeyFuzz: 0..=100, default 100, "percent");
bounded!(
    /// ESP anti-replay window (REQUIREMENTS §2 #25).
    ReplayWindow: 64..=2048, default 1024, "packets");
bounded!(
    /// Tunnel interface MTU (REQUIREMENTS §12.4: never above 1446).
    Mtu: 576..=1446, "bytes");
bounded!(
    /// Route metric of a tunnel: lower wins.
    Priority: 0..=65535, default 100, "");
bounded!(
    /// ECMP weight (kernel nexthop weight is this minus one).
    Weight: 1..=256, default 1, "");
bounded!(
    /// Hold-down before a recovered tunnel carries traffic again.
    HoldDown: 0..=3600, default 30, "seconds");
bounded!(
    /// Health probe interval.
    ProbeInterval: 100..=60000, default 200, "milliseconds");
bounded!(
    /// Lost probes before a tunnel is marked down.
    ProbeMisses: 1..=100, default 3, "probes");
bounded!(
    /// Answered probes before a tunnel is marked up again.
    ProbeRecover: 1..=100, default 3, "probes");

/// A pre-shared key that satisfies REQUIREMENTS §2 #22: 8-64 characters of
/// `[A-Za-z0-9._]`, not starting with `0`. Debug prints `<redacted>`; zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Psk(Zeroizing<String>);

/// Why a PSK was refused. Never contains the key or any character of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PskError {
    /// Wrong length.
    #[error("pre-shared key has {0} characters; it needs 8 to 64")]
    Length(usize),
    /// A character outside `[A-Za-z0-9._]` at this 1-based position.
    #[error("pre-shared key has a character other than A-Z, a-z, 0-9, '.', '_' at position {0}")]
    Charset(usize),
    /// Starts with `0`.
    #[error("pre-shared key must not start with '0'")]
    LeadingZero,
}

impl Psk {
    /// Checks the rules and takes the key.
    pub fn parse(s: &str) -> Result<Psk, PskError> {
        let n = s.chars().count();
        if !(8..=64).contains(&n) {
            return Err(PskError::Length(n));
        }
        if let Some(i) = s
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        {
            return Err(PskError::Charset(i + 1));
        }
        if s.starts_with('0') {
            return Err(PskError::LeadingZero);
        }
        Ok(Psk(Zeroizing::new(s.to_owned())))
    }
    /// The key bytes, for the IKE AUTH computation only.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Psk(<redacted>)")
    }
}

/// A tunnel inside CIDR: a /30 inside 169.254.0.0/16 that is not reserved, or a /126 inside
/// fd00::/8 (REQUIREMENTS §2 #5 and #8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InsideCidr(IpNet);

/// The /30s that REQUIREMENTS §2 #5 rejects.
pub const RESERVED_INSIDE: [&str; 7] = [
    "169.254.0.0/30",
    "169.254.1.0/30",
    "169.254.2.0/30",
    "169.254.3.0/30",
    "169.254.4.0/30",
    "169.254.5.0/30",
    "169.254.169.252/30",
];

impl InsideCidr {
    /// Checks prefix length, containing range, network alignment and the reserved list.
    /// The error is a (message, hint) pair.
    pub fn new(net: IpNet) -> Result<InsideCidr, (String, String)> {
        let (want, within) = match net {
            IpNet::V4(_) => (
                30,
                IpNet::V4(Ipv4Net::new_assert([169, 254, 0, 0].into(), 16)),
            ),
            IpNet::V6(_) => (
                126,
                IpNet::V6(Ipv6Net::new_assert([0xfd00, 0, 0, 0, 0, 0, 0, 0].into(), 8)),
            ),
        };
        let hint =
            "use a /30 inside 169.254.0.0/16 (e.g. 169.254.10.0/30) or a /126 inside fd00::/8";
        if net.prefix_len() != want {
            return Err((
                format!("inside CIDR {net} must be a /{want}"),
                hint.to_owned(),
            ));
        }
        if !within.contains(&net) {
            return Err((
                format!("inside CIDR {net} is not inside {within}"),
                hint.to_owned(),
            ));
        }
        if net.trunc() != net {
            return Err((
                format!("inside CIDR {net} has host bits set"),
                format!("write the network address {}", net.trunc()),
            ));
        }
        if RESERVED_INSIDE
            .iter()
            .any(|r| r.parse::<IpNet>().ok() == Some(net))
        {
            return Err((
                format!("inside CIDR {net} is reserved"),
                format!("pick another /30; reserved: {}", RESERVED_INSIDE.join(", ")),
            ));
        }
        Ok(InsideCidr(net))
    }
    /// A stand-in used only after an error was recorded (keeps construction total).
    pub(crate) fn placeholder(v6: bool) -> InsideCidr {
        if v6 {
            InsideCidr(IpNet::V6(Ipv6Net::new_assert(
                [0xfd00, 0, 0, 0, 0, 0, 0, 0].into(),
                126,
            )))
        } else {
            InsideCidr(IpNet::V4(Ipv4Net::new_assert([169, 254, 10, 0].into(), 30)))
        }
    }
    /// The network.
    pub fn net(self) -> IpNet {
        self.0
    }
    /// First usable address (network + 1).
    pub fn first(self) -> IpAddr {
        nth(self.0, 1)
    }
    /// Second usable address (network + 2).
    pub fn second(self) -> IpAddr {
        nth(self.0, 2)
    }
}

fn nth(net: IpNet, n: u8) -> IpAddr {
    match net {
        IpNet::V4(v) => IpAddr::V4((u32::from(v.network()).wrapping_add(n.into())).into()),
        IpNet::V6(v) => IpAddr::V6((u128::from(v.network()).wrapping_add(n.into())).into()),
    }
}

/// A site, connection or tunnel name: 1-32 characters of `[A-Za-z0-9_-]` (they end up in
/// interface names and log fields).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// Checks the spelling; the error is a message.
    pub fn new(s: &str) -> Result<Name, String> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Name(s.to_owned()))
        } else {
            Err(format!(
                "name {s:?} must be 1-32 characters of A-Z, a-z, 0-9, '-', '_'"
            ))
        }
    }
    /// A stand-in used only after an error was recorded (keeps construction total).
    pub(crate) fn placeholder() -> Name {
        Name("invalid".to_owned())
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psk_debug_is_redacted_and_bytes_are_kept() {
        let k = Psk::parse("Abc.def_9").unwrap();
        assert_eq!(format!("{k:?}"), "Psk(<redacted>)");
        assert_eq!(k.expose(), b"Abc.def_9");
        assert_eq!(Psk::parse("abc-defgh"), Err(PskError::Charset(4)));
        assert_eq!(Psk::parse("0bcdefgh"), Err(PskError::LeadingZero));
    }

    #[test]
    fn inside_addresses_v4_and_v6() {
        let v4 = InsideCidr::new("169.254.44.8/30".parse().unwrap()).unwrap();
        assert_eq!(
            (v4.first().to_string(), v4.second().to_string()),
            ("169.254.44.9".into(), "169.254.44.10".into())
        );
        let v6 = InsideCidr::new("fd12::c/126".parse().unwrap()).unwrap();
        assert_eq!(
            (v6.first().to_string(), v6.second().to_string()),
            ("fd12::d".into(), "fd12::e".into())
        );
    }

    #[test]
    fn range_error_text() {
        let e = DpdTimeout::new(4000).unwrap_err();
        assert_eq!(e.message(), "4000 is above the maximum 3600 seconds");
        assert_eq!(Weight::new(0).unwrap_err().hint(), "use 1..=256");
        assert_eq!(DpdTimeout::new(30).unwrap().get(), 30);
    }
}
