//! One test per non-numeric rule: algorithm lists, IKE version rules (REQUIREMENTS §5),
//! inside CIDRs (§2 #5, #8), PSK rules (§2 #22), authentication choice, names, address
//! families of outside addresses and traffic selectors (§6.7).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{bad, def, ok, one, t1, BASE};
use policy::{IkeVersion, StartupAction};

const T0: &str = "connections.east.tunnels[0]";

#[test]
fn builtin_defaults_follow_the_checklist() {
    let site = ok(BASE);
    let o = &site.connections[0].tunnels[0].options;
    // REQUIREMENTS §18 #2: IKE v1+v2, DPD 40/clear, P1 28800, P2 3600, margin 270, fuzz 100,
    // replay 1024, startup add, TS 0.0.0.0/0.
    assert_eq!(o.ike_versions, vec![IkeVersion::Ikev1, IkeVersion::Ikev2]);
    assert_eq!(o.dpd_timeout.get(), 40);
    assert_eq!(o.dpd_action, policy::DpdAction::Clear);
    assert_eq!(o.startup, StartupAction::Add);
    assert_eq!(o.phase1.lifetime.get(), 28800);
    assert_eq!(o.phase2.lifetime.get(), 3600);
    assert_eq!(
        (
            o.rekey_margin.get(),
            o.rekey_fuzz.get(),
            o.replay_window.get()
        ),
        (270, 100, 1024)
    );
    assert_eq!(
        o.phase1.dh_groups,
        vec![2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]
    );
    assert_eq!(
        o.phase2.dh_groups,
        vec![2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]
    );
    assert_eq!(o.phase1.encryption.len(), 4);
    assert_eq!(o.phase2.integrity.len(), 4);
    assert_eq!(o.local_ts, vec!["0.0.0.0/0".parse().unwrap()]);
    assert_eq!(o.interface, policy::InterfaceKind::Xfrm);
    assert!(!o.aggressive && !o.preempt);
    assert_eq!(
        (o.priority.get(), o.weight.get(), o.hold_down.get()),
        (100, 1, 30)
    );
    assert_eq!(
        (
            o.probe_interval.get(),
            o.probe_misses.get(),
            o.probe_recover.get()
        ),
        (200, 3, 3)
    );
    assert_eq!(o.mtu, None);
}

#[test]
fn dh_groups_per_phase() {
    ok(&t1("phase2_dh_groups: [5]"));
    // Curve25519 (RFC 8031) is accepted when listed, though not in the default offer.
    let s = ok(&t1(
        "phase1_dh_groups: [31]\n        phase2_dh_groups: [31]",
    ));
    assert_eq!(
        s.connections[0].tunnels[0].options.phase1.dh_groups,
        vec![31]
    );
    let text = one(
        &t1("phase1_dh_groups: [14, 5]"),
        &format!("{T0}.phase1_dh_groups[1]"),
    );
    assert!(text.contains("5 is not allowed"), "{text}");
    one(
        &t1("phase2_dh_groups: [25]"),
        &format!("{T0}.phase2_dh_groups[0]"),
    );
    one(
        &t1("phase1_dh_groups: [1]"),
        &format!("{T0}.phase1_dh_groups[0]"),
    );
}

#[test]
fn lists_must_be_non_empty_and_without_duplicates() {
    one(
        &t1("phase1_encryption: []"),
        &format!("{T0}.phase1_encryption"),
    );
    one(
        &t1("ike_versions: [ikev2, ikev2]"),
        &format!("{T0}.ike_versions[1]"),
    );
}

#[test]
fn unknown_algorithm_names_are_refused() {
    // REQUIREMENTS §2 #16: 3DES is not supported.
    let text = one(
        &t1("phase2_encryption: [3des]"),
        &format!("{T0}.phase2_encryption[0]"),
    );
    assert!(text.contains("unknown variant `3des`"), "{text}");
    one(
        &t1("phase1_integrity: [md5]"),
        &format!("{T0}.phase1_integrity[0]"),
    );
    one(
        &t1("ike_versions: [ikev3]"),
        &format!("{T0}.ike_versions[0]"),
    );
    one(&t1("dpd_action: hold"), &format!("{T0}.dpd_action"));
}

#[test]
fn startup_start_needs_ikev2() {
    // REQUIREMENTS §5 rule 2.
    ok(&t1("startup: start\n        ike_versions: [ikev2]"));
    let text = one(
        &t1("startup: start\n        ike_versions: [ikev1]"),
        &format!("{T0}.startup"),
    );
    assert!(text.contains("needs ikev2"), "{text}");
}

#[test]
fn aggressive_mode_is_opt_in_and_ikev1_only() {
    let site = ok(&t1("aggressive: true\n        ike_versions: [ikev1]"));
    assert!(site.connections[0].tunnels[0].options.aggressive);
    one(
        &t1("aggressive: true\n        ike_versions: [ikev2]"),
        &format!("{T0}.aggressive"),
    );
}

#[test]
fn inside_cidr_rules() {
    // An IPv6 inside for t1 needs one for t2 too (one family per connection).
    let with = |c: &str| {
        let t2 = if c.contains(':') {
            "'fd00::100/126'"
        } else {
            "169.254.11.0/30"
        };
        BASE.replace("169.254.10.0/30", c)
            .replace("169.254.11.0/30", t2)
    };
    ok(&with("169.254.6.0/30"));
    ok(&with("169.254.255.252/30"));
    ok(&with("fd00::/126"));
    ok(&with("fdff:1:2:3::4/126"));
    for (c, why) in [
        ("169.254.10.0/29", "must be a /30"),
        ("10.0.0.0/30", "is not inside 169.254.0.0/16"),
        ("169.254.10.1/30", "host bits"),
        ("fc00::/126", "is not inside fd00::/8"),
        ("fd00::/64", "must be a /126"),
    ] {
        let text = one(&with(c), &format!("{T0}.inside"));
        assert!(text.contains(why), "{c}: {text}");
        assert!(text.starts_with("test.yaml:16:17:"), "{text}");
    }
}

#[test]
fn reserved_inside_cidrs_are_refused() {
    for r in policy::types::RESERVED_INSIDE {
        let text = one(&BASE.replace("169.254.10.0/30", r), &format!("{T0}.inside"));
        assert!(text.contains("is reserved"), "{text}");
    }
}

#[test]
fn inside_side_defaults_to_lower_outside_address_first() {
    let site = ok(BASE);
    let t = &site.connections[0].tunnels[0];
    assert_eq!(t.inside_local.to_string(), "169.254.10.1");
    assert_eq!(t.inside_remote.to_string(), "169.254.10.2");
    let site = ok(&t1("inside_side: second"));
    assert_eq!(
        site.connections[0].tunnels[0].inside_local.to_string(),
        "169.254.10.2"
    );
}

#[test]
fn psk_rules() {
    let psk = |k: &str| BASE.replace("Secret.value_2", k);
    ok(&psk("abcdefgh"));
    ok(&psk(&"a".repeat(64)));
    ok(&psk("A.b_9xyz"));
    // REQUIREMENTS §18 #8 examples, plus length bounds.
    for (k, why) in [
        ("0abcdefgh", "must not start with '0'"),
        ("short1", "has 6 characters"),
        ("bad-char!", "position 4"),
        (&"a".repeat(65), "has 65 characters"),
        ("abcdefg", "has 7 characters"),
    ] {
        let text = one(&psk(k), "connections.east.tunnels[1].auth.psk");
        assert!(text.contains(why), "{k}: {text}");
        assert!(!text.contains(k), "PSK leaked: {text}");
    }
}

#[test]
fn psk_never_appears_in_debug_or_diagnostics() {
    let secret = "TopSecret_4711";
    let site = ok(&BASE.replace("Secret.value_2", secret));
    let dbg = format!("{site:?}");
    assert!(!dbg.contains(secret) && dbg.contains("<redacted>"));
    assert!(!policy::effective(&site).contains(secret));
    // A file with other problems and a valid PSK: nothing prints the PSK.
    let d = bad(&BASE
        .replace("Secret.value_2", secret)
        .replace("#T1", "dpd_timeout: 1"));
    assert!(!d.to_string().contains(secret) && !format!("{d:?}").contains(secret));
    // A PSK of the wrong YAML type: serde would quote it; we do not.
    let d = bad(&BASE.replace("Secret.value_2", "[TopSecret_4711]"));
    assert!(!d.to_string().contains(secret), "{d}");
    assert_eq!(d.0[0].path, "connections.east.tunnels[1].auth.psk");
    let raw: policy::raw::RawSecret = serde_saphyr::from_str("TopSecret_4711").unwrap();
    assert_eq!(format!("{raw:?}"), "<redacted>");
}

#[test]
fn exactly_one_authentication_method() {
    let auth = |a: &str| BASE.replace("{ psk_file: /etc/xfrmd/t1.psk }", a);
    let site = ok(&auth("{ cert: /c.pem, key: /k.pem, ca: /ca.pem }"));
    assert!(matches!(
        site.connections[0].tunnels[0].auth,
        policy::Auth::Cert { .. }
    ));
    let text = one(&auth("{}"), &format!("{T0}.auth"));
    assert!(text.contains("no authentication given"), "{text}");
    let text = one(
        &auth("{ psk: abcdefgh1, psk_file: /x }"),
        &format!("{T0}.auth"),
    );
    assert!(text.contains("not psk and psk_file"), "{text}");
    one(&auth("{ cert: /c.pem }"), &format!("{T0}.auth"));
    one(&auth("{ psk_file: '' }"), &format!("{T0}.auth.psk_file"));
}

#[test]
fn names_are_interface_safe() {
    one(
        &BASE.replace("name: t1", "name: 't 1'"),
        &format!("{T0}.name"),
    );
    one(&BASE.replace("  east:", "  east/x:"), "connections.east/x");
    one(
        &BASE.replace("name: west", &format!("name: {}", "w".repeat(33))),
        "site.name",
    );
}

#[test]
fn outside_addresses_share_a_family_and_differ() {
    let text = one(
        &BASE.replace("remote: 198.51.100.1", "remote: 2001:db8::1"),
        &format!("{T0}.remote"),
    );
    assert!(text.contains("different address families"), "{text}");
    one(
        &BASE.replace("remote: 198.51.100.1", "remote: 192.0.2.1"),
        &format!("{T0}.remote"),
    );
}

#[test]
fn traffic_selectors_follow_the_inside_family() {
    ok(&t1(
        "local_ts: [10.1.0.0/16]\n        remote_ts: [10.2.0.0/16, 10.3.0.0/16]",
    ));
    let text = one(
        &t1("remote_ts: [10.2.0.0/16, 'fd01::/64']"),
        &format!("{T0}.remote_ts[1]"),
    );
    assert!(
        text.contains("is IPv6 but the inside CIDR is IPv4"),
        "{text}"
    );
    let site = ok(&BASE
        .replace("169.254.10.0/30", "fd00::/126")
        .replace("169.254.11.0/30", "'fd00::4/126'"));
    assert_eq!(
        site.connections[0].tunnels[0].options.remote_ts,
        vec!["::/0".parse().unwrap()]
    );
}

#[test]
fn connection_needs_networks_and_tunnels() {
    one(
        &BASE.replace("remote_networks: [10.2.0.0/16]", "remote_networks: []"),
        "connections.east.remote_networks",
    );
    let src = "site: { name: w }\nconnections:\n  east:\n    remote_networks: [10.2.0.0/16]\n    tunnels: []\n";
    one(src, "connections.east.tunnels");
}

#[test]
fn if_id_base_zero_is_refused() {
    one(
        &BASE.replace("name: west", "name: west\n  if_id_base: 0"),
        "site.if_id_base",
    );
    ok(&BASE.replace("name: west", "name: west\n  if_id_base: 1"));
}

#[test]
fn identities_default_to_outside_addresses() {
    let site = ok(&def("priority: 10").replace("#T1", "local_id: west.example"));
    let t = &site.connections[0].tunnels;
    assert_eq!(t[0].local_id, "west.example");
    assert_eq!(t[0].remote_id, "198.51.100.1");
    assert_eq!(t[1].local_id, "192.0.2.2");
    one(&t1("remote_id: ''"), &format!("{T0}.remote_id"));
}

#[test]
fn one_inside_family_per_connection() {
    // REQUIREMENTS §6.7 / §18 #4.
    let text = one(
        &BASE.replace("169.254.11.0/30", "'fd00::8/126'"),
        "connections.east.tunnels[1].inside",
    );
    assert!(
        text.contains("inside CIDR fd00::8/126 is IPv6 but connections.east.tunnels[0].inside (169.254.10.0/30) is IPv4"),
        "{text}"
    );
    ok(&BASE
        .replace("169.254.11.0/30", "'fd00::8/126'")
        .replace("169.254.10.0/30", "'fd00::/126'"));
}
