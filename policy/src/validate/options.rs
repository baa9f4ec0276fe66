//! Resolves and checks the tunnel options of one tunnel: each option comes from the tunnel,
//! else from `defaults.tunnel`, else from the built-in default (REQUIREMENTS §2), and a
//! problem is reported at the path where the offending value is written. It never looks at
//! other tunnels (that is `cross`) and never reads files.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::algo::{DpdAction, Encryption, Integrity, InterfaceKind};
use crate::algo::{
    IkeVersion, StartupAction, PHASE1_DH_GROUPS, PHASE1_DH_GROUPS_ALLOWED, PHASE2_DH_GROUPS,
    PHASE2_DH_GROUPS_ALLOWED,
};
use crate::diag::Ctx;
use crate::raw::RawOptions;
use crate::site::{Phase, TunnelOptions};
use crate::types::{
    DpdTimeout, HoldDown, Mtu, Phase1Lifetime, Phase2Lifetime, Priority, ProbeInterval,
    ProbeMisses, ProbeRecover, RangeError, RekeyFuzz, RekeyMargin, ReplayWindow, Weight,
};

/// The two option layers of one tunnel and where each is written.
#[derive(Debug)]
pub struct Layers<'a> {
    /// The tunnel's own options.
    pub tunnel: &'a RawOptions,
    /// Path of the tunnel (`connections.east.tunnels[0]`).
    pub tunnel_path: &'a str,
    /// `defaults.tunnel`.
    pub defaults: &'a RawOptions,
}

const DEFAULTS_PATH: &str = "defaults.tunnel";

/// Where a value is written; the path text is only built when there is a problem to report.
#[derive(Debug, Clone, Copy)]
pub(super) struct Src<'a> {
    base: &'a str,
    field: &'a str,
}

impl Src<'_> {
    pub(super) fn path(self) -> String {
        format!("{}.{}", self.base, self.field)
    }
}

impl<'a> Layers<'a> {
    /// The value of a field and where it is written (`None`: built-in default).
    pub(super) fn pick<'f, T: Clone>(
        &self,
        field: &'f str,
        get: impl Fn(&RawOptions) -> &Option<T>,
    ) -> Option<(T, Src<'f>)>
    where
        'a: 'f,
    {
        if let Some(v) = get(self.tunnel) {
            Some((
                v.clone(),
                Src {
                    base: self.tunnel_path,
                    field,
                },
            ))
        } else {
            get(self.defaults).as_ref().map(|v| {
                (
                    v.clone(),
                    Src {
                        base: DEFAULTS_PATH,
                        field,
                    },
                )
            })
        }
    }

    /// The path to blame for a field: where it is written, else the tunnel's own field path.
    pub fn blame(&self, field: &str, get: impl Fn(&RawOptions) -> bool) -> String {
        if !get(self.tunnel) && get(self.defaults) {
            format!("{DEFAULTS_PATH}.{field}")
        } else {
            format!("{}.{field}", self.tunnel_path)
        }
    }

    fn num<T: Copy>(
        &self,
        cx: &mut Ctx,
        field: &str,
        get: impl Fn(&RawOptions) -> &Option<u32>,
        new: fn(u32) -> Result<T, RangeError>,
        default: T,
    ) -> T {
        self.opt_num(cx, field, get, new).unwrap_or(default)
    }

    fn opt_num<T: Copy>(
        &self,
        cx: &mut Ctx,
        field: &str,
        get: impl Fn(&RawOptions) -> &Option<u32>,
        new: fn(u32) -> Result<T, RangeError>,
    ) -> Option<T> {
        let (v, src) = self.pick(field, get)?;
        match new(v) {
            Ok(t) => Some(t),
            Err(e) => {
                cx.err(&src.path(), e.message(), e.hint());
                None
            }
        }
    }

    fn list<T: Clone + PartialEq + std::fmt::Display>(
        &self,
        cx: &mut Ctx,
        field: &str,
        get: impl Fn(&RawOptions) -> &Option<Vec<T>>,
        allowed: &[T],
        default: &[T],
    ) -> Vec<T> {
        let Some((v, src)) = self.pick(field, get) else {
            return default.to_vec();
        };
        let allowed_text = || {
            allowed
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if v.is_empty() {
            cx.err(
                &src.path(),
                "must list at least one value",
                format!(
                    "choose from {}, or remove the key for the default",
                    allowed_text()
                ),
            );
        }
        for (i, item) in v.iter().enumerate() {
            if !allowed.contains(item) {
                cx.err(
                    &format!("{}[{i}]", src.path()),
                    format!("{item} is not allowed"),
                    format!("choose from {}", allowed_text()),
                );
            } else if v[..i].contains(item) {
                cx.err(
                    &format!("{}[{i}]", src.path()),
                    format!("{item} is listed twice"),
                    "remove the duplicate",
                );
            }
        }
        v
    }

    fn flag(&self, field: &str, get: impl Fn(&RawOptions) -> &Option<bool>, default: bool) -> bool {
        self.pick(field, get).map_or(default, |(v, _)| v)
    }

    fn choice<T: Clone>(
        &self,
        field: &str,
        get: impl Fn(&RawOptions) -> &Option<T>,
        default: T,
    ) -> T {
        self.pick(field, get).map_or(default, |(v, _)| v)
    }

    fn selectors(
        &self,
        cx: &mut Ctx,
        field: &str,
        get: impl Fn(&RawOptions) -> &Option<Vec<IpNet>>,
        v6: bool,
    ) -> Vec<IpNet> {
        let Some((v, src)) = self.pick(field, get) else {
            // The default Ipv4Net / Ipv6Net is 0.0.0.0/0 / ::/0.
            let any = if v6 {
                IpNet::V6(Ipv6Net::default())
            } else {
                IpNet::V4(Ipv4Net::default())
            };
            return vec![any];
        };
        if v.is_empty() {
            cx.err(
                &src.path(),
                "must list at least one traffic selector",
                "remove the key for the default 0.0.0.0/0 (::/0)",
            );
        }
        for (i, ts) in v.iter().enumerate() {
            if matches!(ts, IpNet::V6(_)) != v6 {
                let (fam, inside) = if v6 {
                    ("IPv4", "IPv6")
                } else {
                    ("IPv6", "IPv4")
                };
                cx.err(
                    &format!("{}[{i}]", src.path()),
                    format!("traffic selector {ts} is {fam} but the inside CIDR is {inside}"),
                    "a tunnel carries one address family (REQUIREMENTS §6.7); use a separate connection",
                );
            }
        }
        v
    }
}

/// Resolves every option of one tunnel; problems go to `cx`. `v6` is the inside family.
pub fn resolve(l: &Layers<'_>, cx: &mut Ctx, v6: bool) -> TunnelOptions {
    // The YAML key is the field name, so a path can never name the wrong key.
    macro_rules! num {
        ($f:ident, $t:ident) => {
            l.num(cx, stringify!($f), |o| &o.$f, $t::new, $t::DEFAULT)
        };
    }
    macro_rules! list {
        ($f:ident, $all:expr) => {
            l.list(cx, stringify!($f), |o| &o.$f, $all, $all)
        };
        ($f:ident, $allowed:expr, $default:expr) => {
            l.list(cx, stringify!($f), |o| &o.$f, $allowed, $default)
        };
    }
    macro_rules! blame {
        ($f:ident) => {
            l.blame(stringify!($f), |o| o.$f.is_some())
        };
    }
    let ike_versions = list!(ike_versions, IkeVersion::ALL);
    let aggressive = l.flag("aggressive", |o| &o.aggressive, false);
    let startup = l.choice("startup", |o| &o.startup, StartupAction::Add);
    // REQUIREMENTS §5 rule 2: only IKEv2 supports initiating at start-up.
    if startup == StartupAction::Start && !ike_versions.contains(&IkeVersion::Ikev2) {
        let hint = "add ikev2 to ike_versions or use startup: add";
        cx.err(
            &blame!(startup),
            "startup: start needs ikev2 in ike_versions",
            hint,
        );
    }
    // REQUIREMENTS §18 #12: aggressive mode is refused unless opted in, and exists only in IKEv1.
    if aggressive && !ike_versions.contains(&IkeVersion::Ikev1) {
        let hint = "add ikev1 or remove aggressive";
        cx.err(
            &blame!(aggressive),
            "aggressive: true needs ikev1 in ike_versions",
            hint,
        );
    }
    let p1_life = num!(phase1_lifetime, Phase1Lifetime);
    let p2_life = num!(phase2_lifetime, Phase2Lifetime);
    // REQUIREMENTS §2 #21: phase 2 lifetime must be less than the phase 1 lifetime.
    if p2_life.get() >= p1_life.get() {
        let (p2, p1) = (p2_life.get(), p1_life.get());
        cx.err(
            &blame!(phase2_lifetime),
            format!("phase2_lifetime {p2} must be less than phase1_lifetime {p1}"),
            "lower phase2_lifetime or raise phase1_lifetime",
        );
    }
    let rekey_margin = num!(rekey_margin, RekeyMargin);
    // REQUIREMENTS §2 #24: 60 ..= phase 2 lifetime / 2.
    let half = p2_life.get() / 2;
    if rekey_margin.get() > half {
        let m = rekey_margin.get();
        cx.err(
            &blame!(rekey_margin),
            format!("rekey_margin {m} is above half the phase2_lifetime ({half} seconds)"),
            format!(
                "use {}..={half} seconds or raise phase2_lifetime",
                RekeyMargin::MIN
            ),
        );
    }
    // An IKEv1-only tunnel's built-in phase 1 list holds only ciphers IKEv1 can negotiate.
    let p1_encryption = if super::ikev1::only(&ike_versions) {
        super::ikev1::PHASE1_ENCRYPTION
    } else {
        Encryption::ALL
    };
    let options = TunnelOptions {
        ike_versions,
        aggressive,
        dpd_timeout: num!(dpd_timeout, DpdTimeout),
        dpd_action: l.choice("dpd_action", |o| &o.dpd_action, DpdAction::Clear),
        startup,
        local_ts: l.selectors(cx, "local_ts", |o| &o.local_ts, v6),
        remote_ts: l.selectors(cx, "remote_ts", |o| &o.remote_ts, v6),
        phase1: Phase {
            dh_groups: list!(phase1_dh_groups, PHASE1_DH_GROUPS_ALLOWED, PHASE1_DH_GROUPS),
            encryption: list!(phase1_encryption, Encryption::ALL, p1_encryption),
            integrity: list!(phase1_integrity, Integrity::ALL),
            lifetime: p1_life,
        },
        phase2: Phase {
            dh_groups: list!(phase2_dh_groups, PHASE2_DH_GROUPS_ALLOWED, PHASE2_DH_GROUPS),
            encryption: list!(phase2_encryption, Encryption::ALL),
            integrity: list!(phase2_integrity, Integrity::ALL),
            lifetime: p2_life,
        },
        rekey_margin,
        rekey_fuzz: num!(rekey_fuzz, RekeyFuzz),
        replay_window: num!(replay_window, ReplayWindow),
        interface: l.choice("interface", |o| &o.interface, InterfaceKind::Xfrm),
        mtu: l.opt_num(cx, "mtu", |o| &o.mtu, Mtu::new),
        priority: num!(priority, Priority),
        weight: num!(weight, Weight),
        preempt: l.flag("preempt", |o| &o.preempt, false),
        hold_down: num!(hold_down, HoldDown),
        probe_interval: num!(probe_interval, ProbeInterval),
        probe_misses: num!(probe_misses, ProbeMisses),
        probe_recover: num!(probe_recover, ProbeRecover),
        activity_log: l.flag("activity_log", |o| &o.activity_log, true),
    };
    super::ikev1::check(l, cx, &options);
    options
}
