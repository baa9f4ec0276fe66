//! IKEv1 rules of the site file: algorithms without an IKEv1 form are refused for an
//! IKEv1-only tunnel and only warned about when IKEv2 is on too; aggressive mode is valid
//! but always warned about (REQUIREMENTS §18 #12).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{bad, def, ok, one, t1, BASE};
use policy::{Diagnostics, Encryption};

const T0: &str = "connections.east.tunnels[0]";

/// Loads a valid site and returns its warnings.
fn warnings(src: &str) -> Diagnostics {
    match policy::load_with_warnings(src, "test.yaml") {
        Ok((_, w)) => w,
        Err(d) => panic!("expected a valid site, got:\n{d}"),
    }
}

#[test]
fn default_site_has_no_warnings() {
    assert!(warnings(BASE).is_empty(), "{}", warnings(BASE));
}

#[test]
fn aggressive_mode_warns_about_offline_psk_guessing() {
    let src = t1("aggressive: true\n        ike_versions: [ikev1]");
    let w = warnings(&src);
    assert_eq!(w.len(), 1, "{w}");
    assert_eq!(w.0[0].path, format!("{T0}.aggressive"));
    let text = w.0[0].to_string();
    assert!(text.contains(": warning: aggressive mode"), "{text}");
    assert!(text.contains("offline"), "{text}");
    // The position is the aggressive line (line 15 of BASE).
    assert_eq!(w.0[0].line, 15);
    // A warning never makes the file invalid: plain `load` accepts it.
    assert!(ok(&src).connections[0].tunnels[0].options.aggressive);
    // Main mode: no warning.
    assert!(warnings(&t1("ike_versions: [ikev1]")).is_empty());
}

#[test]
fn ikev1_only_default_phase1_encryption_is_cbc() {
    let site = ok(&t1("ike_versions: [ikev1]"));
    let o = &site.connections[0].tunnels[0].options;
    assert_eq!(
        o.phase1.encryption,
        vec![Encryption::Aes128, Encryption::Aes256]
    );
    // Phase 2 keeps GCM: ESP AES-GCM has an IKEv1 form (RFC 4106 8.1).
    assert_eq!(o.phase2.encryption, Encryption::ALL.to_vec());
    // Both versions: the whole list.
    let both = ok(BASE);
    assert_eq!(
        both.connections[0].tunnels[0].options.phase1.encryption,
        Encryption::ALL.to_vec()
    );
}

#[test]
fn ikev1_only_refuses_gcm_in_phase1() {
    let text = one(
        &t1("ike_versions: [ikev1]\n        phase1_encryption: [aes256, aes256-gcm-16]"),
        &format!("{T0}.phase1_encryption[1]"),
    );
    assert!(text.contains("aes256-gcm-16 has no IKEv1 form"), "{text}");
    assert!(text.contains("RFC 5282"), "{text}");
    assert!(text.contains("add ikev2"), "{text}");
    ok(&t1(
        "ike_versions: [ikev1]\n        phase1_encryption: [aes256]\n        phase2_encryption: [aes256-gcm-16]",
    ));
}

#[test]
fn ikev1_only_refuses_curve25519() {
    let d = bad(&t1(
        "ike_versions: [ikev1]\n        phase1_dh_groups: [31, 14]\n        phase2_dh_groups: [14, 31]",
    ));
    let paths: Vec<&str> = d.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            format!("{T0}.phase1_dh_groups[0]"),
            format!("{T0}.phase2_dh_groups[1]")
        ],
        "{d}"
    );
    assert!(d.0[0].message.contains("group 31"), "{d}");
    // With IKEv2 on, 31 is fine (IKEv2 uses it, IKEv1 the others).
    assert!(warnings(&t1("phase1_dh_groups: [31, 14]")).is_empty());
}

#[test]
fn errors_point_at_the_defaults_where_written() {
    // Written once under defaults.tunnel: reported once, at the defaults.
    let d = bad(&def(
        "ike_versions: [ikev1]\n    phase1_encryption: [aes128-gcm-16, aes128]",
    ));
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(d.0[0].path, "defaults.tunnel.phase1_encryption[0]");
}

#[test]
fn both_versions_warn_when_ikev1_has_nothing_to_offer() {
    let w = warnings(&t1("phase1_encryption: [aes256-gcm-16]"));
    assert_eq!(w.len(), 1, "{w}");
    assert_eq!(w.0[0].path, format!("{T0}.phase1_encryption"));
    assert!(w.0[0].message.contains("IKEv1 peers are refused"), "{w}");
    let w = warnings(&t1("phase1_dh_groups: [31]"));
    assert_eq!(w.len(), 1, "{w}");
    assert_eq!(w.0[0].path, format!("{T0}.phase1_dh_groups"));
    // IKEv2 only: nothing to say.
    assert!(warnings(&t1(
        "ike_versions: [ikev2]\n        phase1_encryption: [aes256-gcm-16]"
    ))
    .is_empty());
}
