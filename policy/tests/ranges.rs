//! One test per numeric tunnel option (REQUIREMENTS §2 and §18 #3): the values on both sides
//! of each bound, set on a tunnel and under `defaults.tunnel`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{def, ok, one, t1};

/// Asserts `accept` values load and `reject` values give one diagnostic naming the field
/// at its line (15 on the tunnel, 7 under defaults).
fn bounds(field: &str, accept: &[u32], reject: &[u32]) {
    for v in accept {
        ok(&t1(&format!("{field}: {v}")));
        ok(&def(&format!("{field}: {v}")));
    }
    for v in reject {
        let text = one(
            &t1(&format!("{field}: {v}")),
            &format!("connections.east.tunnels[0].{field}"),
        );
        assert!(text.starts_with("test.yaml:15:"), "{text}");
        assert!(text.contains(&format!(": {v} is ")), "{text}");
        let text = one(
            &def(&format!("{field}: {v}")),
            &format!("defaults.tunnel.{field}"),
        );
        assert!(text.starts_with("test.yaml:7:"), "{text}");
    }
}

#[test]
fn dpd_timeout_at_least_30() {
    bounds("dpd_timeout", &[30, 40, 3600], &[0, 29, 3601]);
}

#[test]
fn phase1_lifetime_900_to_28800() {
    bounds("phase1_lifetime", &[3601, 28800], &[899, 28801]);
    // 900 is in range but then phase 2 (default 3600) is not below it: see lifetimes.
}

#[test]
fn phase2_lifetime_900_to_3600() {
    bounds("phase2_lifetime", &[900, 3600], &[899, 3601]);
}

#[test]
fn rekey_margin_60_to_half_phase2() {
    bounds("rekey_margin", &[60, 270, 1800], &[59, 1801]);
    let half = |m: u32| t1(&format!("phase2_lifetime: 900\n        rekey_margin: {m}"));
    ok(&half(450));
    let text = one(&half(451), "connections.east.tunnels[0].rekey_margin");
    assert!(
        text.contains("above half the phase2_lifetime (450 seconds)"),
        "{text}"
    );
}

#[test]
fn rekey_fuzz_0_to_100() {
    bounds("rekey_fuzz", &[0, 100], &[101]);
}

#[test]
fn replay_window_64_to_2048() {
    bounds("replay_window", &[64, 1024, 2048], &[63, 2049]);
}

#[test]
fn mtu_576_to_1446() {
    bounds("mtu", &[576, 1446], &[575, 1447]);
}

#[test]
fn priority_0_to_65535() {
    bounds("priority", &[0, 65535], &[65536]);
}

#[test]
fn weight_1_to_256() {
    bounds("weight", &[1, 256], &[0, 257]);
}

#[test]
fn hold_down_0_to_3600() {
    bounds("hold_down", &[0, 3600], &[3601]);
}

#[test]
fn probe_interval_100ms_to_60s() {
    bounds("probe_interval", &[100, 60000], &[99, 60001]);
}

#[test]
fn probe_misses_1_to_100() {
    bounds("probe_misses", &[1, 100], &[0, 101]);
}

#[test]
fn probe_recover_1_to_100() {
    bounds("probe_recover", &[1, 100], &[0, 101]);
}

#[test]
fn phase2_must_be_below_phase1() {
    ok(&t1("phase1_lifetime: 901\n        phase2_lifetime: 900"));
    let text = one(
        &t1("phase1_lifetime: 900\n        phase2_lifetime: 900"),
        "connections.east.tunnels[0].phase2_lifetime",
    );
    assert!(
        text.contains("phase2_lifetime 900 must be less than phase1_lifetime 900"),
        "{text}"
    );
    // Blame goes to where phase2_lifetime is written: here the defaults.
    let src = def("phase2_lifetime: 1000").replace("#T1", "phase1_lifetime: 1000");
    let d = common::bad(&src);
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(d.0[0].path, "defaults.tunnel.phase2_lifetime");
}

#[test]
fn message_and_hint_format() {
    let text = one(
        &t1("dpd_timeout: 10"),
        "connections.east.tunnels[0].dpd_timeout",
    );
    assert_eq!(
        text,
        "test.yaml:15:22: connections.east.tunnels[0].dpd_timeout: 10 is below the minimum 30 seconds (hint: use 30..=3600 seconds)"
    );
}

#[test]
fn defaults_resolve_and_tunnel_overrides() {
    let site = ok(&def("dpd_timeout: 60\n    priority: 50").replace("#T1", "dpd_timeout: 45"));
    let t = &site.connections[0].tunnels;
    assert_eq!(t[0].options.dpd_timeout.get(), 45);
    assert_eq!(t[1].options.dpd_timeout.get(), 60);
    assert_eq!(t[0].options.priority.get(), 50);
    assert_eq!(t[1].options.priority.get(), 50);
}

#[test]
fn a_bad_default_is_reported_once_for_all_tunnels() {
    let d = common::bad(&def("replay_window: 10"));
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(d.0[0].path, "defaults.tunnel.replay_window");
}
