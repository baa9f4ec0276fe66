//! gen-peer tests: golden outputs for examples/west.yaml in every format (refresh with
//! `XFRMD_REGEN_GOLDEN=1 cargo test --bin xfrmd gen_peer`), the xfrmd format's round trip
//! through `policy::load`, tunnel selection and key handling in errors.

use super::*;

const WEST: &str = include_str!("../../../examples/west.yaml");

fn read(path: &str) -> std::io::Result<String> {
    match path {
        "/etc/xfrmd/east-t1.psk" => Ok("Tunnel.One.Key\n".into()),
        "/etc/xfrmd/east-t2.psk" => Ok("Tunnel.Two.Key".into()),
        _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
    }
}

fn gen(format: Format) -> String {
    concat(&render(WEST, "west.yaml", "east", None, format, &read).unwrap())
}

fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/cli/gen_peer/golden")
        .join(name);
    if std::env::var_os("XFRMD_REGEN_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(got, want, "{name} differs from the golden file");
}

#[test]
fn golden_strongswan() {
    let out = gen(Format::Strongswan);
    assert!(out.contains("secret = \"Tunnel.One.Key\""));
    assert!(out.contains("if_id_in = 4096"));
    golden("west-east.strongswan.txt", &out);
}

#[test]
fn golden_libreswan() {
    let out = gen(Format::Libreswan);
    assert!(out.contains("@east.example @west.example : PSK \"Tunnel.Two.Key\""));
    assert!(out.contains("ipsec-interface=4097"));
    golden("west-east.libreswan.txt", &out);
}

#[test]
fn golden_generic() {
    let out = gen(Format::Generic);
    assert!(out.contains("Your inside address:         169.254.10.2/30"));
    golden("west-east.generic.txt", &out);
}

#[test]
fn golden_xfrmd() {
    golden("west-east.xfrmd.txt", &gen(Format::Xfrmd));
}

#[test]
fn xfrmd_format_loads_as_the_mirror_of_our_site() {
    let ours = policy::load(WEST, "west.yaml").unwrap();
    let text = gen(Format::Xfrmd);
    let peer = policy::load(&text, "east.yaml").unwrap_or_else(|d| panic!("{d}\n{text}"));
    assert_eq!(peer.name.as_str(), "east");
    assert_eq!(peer.networks, ours.connections[0].remote_networks);
    let c = &peer.connections[0];
    assert_eq!(c.name.as_str(), "west");
    assert_eq!(c.remote_networks, ours.networks);
    for (p, o) in c.tunnels.iter().zip(&ours.connections[0].tunnels) {
        assert_eq!((p.local, p.remote), (o.remote, o.local));
        assert_eq!((&p.local_id, &p.remote_id), (&o.remote_id, &o.local_id));
        assert_eq!(
            (p.inside_local, p.inside_remote),
            (o.inside_remote, o.inside_local)
        );
        assert_eq!(p.options.phase1, o.options.phase1);
        assert_eq!(p.options.phase2, o.options.phase2);
        assert_eq!(p.options.priority, o.options.priority);
        assert_ne!(
            p.options.startup, o.options.startup,
            "exactly one end initiates"
        );
    }
    let key = |t: &policy::Tunnel| match &t.auth {
        policy::Auth::Psk(k) => k.expose().to_vec(),
        other => panic!("{other:?}"),
    };
    assert_eq!(key(&c.tunnels[0]), b"Tunnel.One.Key");
    assert_eq!(key(&c.tunnels[1]), b"Tunnel.Two.Key");
    // The mirror of the mirror has our options back, tunnel for tunnel.
    let again = concat(&render(&text, "east.yaml", "west", None, Format::Xfrmd, &read).unwrap());
    let back = policy::load(&again, "west2.yaml").unwrap();
    assert_eq!(back.name, ours.name);
    for (b, o) in back.connections[0]
        .tunnels
        .iter()
        .zip(&ours.connections[0].tunnels)
    {
        assert_eq!(b.options, o.options);
        assert_eq!(
            (b.local, b.remote, b.inside_local),
            (o.local, o.remote, o.inside_local)
        );
    }
}

#[test]
fn numeric_looking_key_stays_a_string() {
    let site = WEST.replace(
        "{ psk_file: /etc/xfrmd/east-t1.psk }",
        "{ psk: \"12345678\" }",
    );
    let files = render(&site, "w.yaml", "east", Some("t1"), Format::Xfrmd, &read).unwrap();
    let peer = policy::load(&files[0].text, "e.yaml").unwrap();
    match &peer.connections[0].tunnels[0].auth {
        policy::Auth::Psk(k) => assert_eq!(k.expose(), b"12345678"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_tunnel_and_unknown_names() {
    let files = render(
        WEST,
        "west.yaml",
        "east",
        Some("t2"),
        Format::Strongswan,
        &read,
    )
    .unwrap();
    let all = concat(&files);
    assert!(
        all.contains("west-t2 {") && !all.contains("west-t1 {"),
        "{all}"
    );
    let e = render(
        WEST,
        "west.yaml",
        "east",
        Some("t9"),
        Format::Generic,
        &read,
    )
    .unwrap_err();
    assert!(e.contains("no tunnel `t9`") && e.contains("t1, t2"), "{e}");
    let e = render(WEST, "west.yaml", "north", None, Format::Generic, &read).unwrap_err();
    assert!(
        e.contains("no connection `north`") && e.contains("east"),
        "{e}"
    );
}

#[test]
fn unreadable_or_bad_key_file_is_named_without_its_contents() {
    let e = render(WEST, "west.yaml", "east", None, Format::Libreswan, &|_| {
        Err(std::io::Error::other("denied"))
    })
    .unwrap_err();
    assert!(
        e.contains("/etc/xfrmd/east-t1.psk") && e.contains("denied"),
        "{e}"
    );
    let e = render(WEST, "west.yaml", "east", None, Format::Libreswan, &|_| {
        Ok("0Secret.value".into())
    })
    .unwrap_err();
    assert!(!e.contains("Secret"), "{e}");
}

#[test]
fn libreswan_refuses_when_no_group_is_left() {
    let site = WEST.replace(
        "    ike_versions: [ikev2]",
        "    ike_versions: [ikev2]\n    phase1_dh_groups: [2, 22]",
    );
    let e = render(&site, "w.yaml", "east", None, Format::Libreswan, &read).unwrap_err();
    assert!(e.contains("phase 1 DH groups"), "{e}");
    // strongSwan implements them.
    let ok = concat(&render(&site, "w.yaml", "east", None, Format::Strongswan, &read).unwrap());
    assert!(ok.contains("modp1024-modp1024s160"), "{ok}");
}

#[test]
fn out_dir_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("xfrmd-genpeer-{}", std::process::id()));
    let files = render(WEST, "west.yaml", "east", None, Format::Libreswan, &read).unwrap();
    write_files(&dir, &files).unwrap();
    let mode = |n: &str| std::fs::metadata(dir.join(n)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("ipsec.secrets"), 0o600);
    assert_eq!(mode("tunnels.sh"), 0o700);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn policy_mode_uses_the_networks_as_selectors_and_no_interface() {
    let site = WEST.replace("mode: route ", "mode: policy");
    let files = render(&site, "w.yaml", "east", None, Format::Strongswan, &read).unwrap();
    assert_eq!(files.len(), 1, "no tunnels.sh in policy mode");
    let conf = &files[0].text;
    assert!(conf.contains("local_ts = 10.2.0.0/16") && conf.contains("remote_ts = 10.1.0.0/16"));
    assert!(!conf.contains("if_id_in"), "{conf}");
    let files = render(&site, "w.yaml", "east", None, Format::Libreswan, &read).unwrap();
    assert!(files[0].text.contains("leftsubnet=10.2.0.0/16"));
    assert!(!files[0].text.contains("ipsec-interface"));
}

/// west.yaml with IKEv1 only (and t2's `startup: start`, IKEv2 only, made `add`).
fn west_ikev1(extra: &str) -> String {
    WEST.replace(
        "ike_versions: [ikev2]",
        &format!("ike_versions: [ikev1]{extra}"),
    )
    .replace("startup: start", "startup: add")
}

#[test]
fn ikev1_only_strongswan_peer_is_version_1_with_ikev1_proposals() {
    let site = west_ikev1("");
    let out = concat(&render(&site, "w.yaml", "east", None, Format::Strongswan, &read).unwrap());
    assert_eq!(out.matches("        version = 1\n").count(), 2, "{out}");
    let ike: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("proposals = "))
        .collect();
    assert_eq!(ike.len(), 2, "{out}");
    for l in ike {
        // No AEAD in IKEv1 phase 1 (RFC 5282 is IKEv2 only) and so no PRF keywords.
        assert!(!l.contains("gcm") && !l.contains("prf"), "{l}");
        assert!(l.contains("aes128-aes256-sha1-sha256"), "{l}");
    }
    // xfrmd cannot `start` IKEv1, so the peer initiates.
    assert_eq!(out.matches("start_action = start").count(), 2, "{out}");
    assert!(!out.contains("aggressive"), "{out}");
    // Aggressive mode: the opt-in and the strongswan.conf note.
    let site = west_ikev1("\n    aggressive: true");
    let out = concat(&render(&site, "w.yaml", "east", None, Format::Strongswan, &read).unwrap());
    assert!(out.contains("        aggressive = yes\n"), "{out}");
    assert!(
        out.contains("i_dont_care_about_security_and_use_aggressive_mode_psk = yes"),
        "{out}"
    );
    // IKEv2 (the example): version 2, never an aggressive line.
    assert!(gen(Format::Strongswan).contains("version = 2"));
}

#[test]
fn ikev1_only_libreswan_peer_is_ikev2_no_with_the_policy_note() {
    let site = west_ikev1("");
    let files = render(&site, "w.yaml", "east", None, Format::Libreswan, &read).unwrap();
    let conf = &files[0].text;
    assert_eq!(conf.matches("    ikev2=no\n").count(), 2, "{conf}");
    assert!(!conf.contains("ikev2=insist"), "{conf}");
    assert!(conf.contains("#     ikev1-policy=accept\n"), "{conf}");
    assert!(conf.contains("auto=start"), "{conf}");
    for l in conf.lines().filter(|l| l.starts_with("    ike=")) {
        assert!(!l.contains("gcm"), "{l}");
    }
    // One PFS group in quick mode: the first of 2, 5, 14, ... libreswan implements.
    let groups = |conf: &str, key: &str| -> Vec<String> {
        conf.lines()
            .filter_map(|l| l.strip_prefix(key))
            .flat_map(|v| v.split(','))
            .map(|p| p.rsplit('-').next().unwrap_or_default().to_owned())
            .collect()
    };
    let esp = groups(conf, "    esp=");
    assert!(
        !esp.is_empty() && esp.iter().all(|g| g == "dh14"),
        "{esp:?}"
    );
    assert!(groups(conf, "    ike=").iter().any(|g| g.contains('+')));
    // Aggressive: one phase 1 group too.
    let site = west_ikev1("\n    aggressive: true");
    let files = render(&site, "w.yaml", "east", None, Format::Libreswan, &read).unwrap();
    let conf = &files[0].text;
    assert!(conf.contains("    aggressive=yes\n"), "{conf}");
    let ike = groups(conf, "    ike=");
    assert!(
        !ike.is_empty() && ike.iter().all(|g| g == "dh14"),
        "{ike:?}"
    );
    // The IKEv2 example: no IKEv1 note.
    assert!(!gen(Format::Libreswan).contains("ikev1-policy"));
}

#[test]
fn ikev1_only_xfrmd_peer_lists_only_ikev1_and_waits() {
    let site = west_ikev1("");
    let text = concat(&render(&site, "w.yaml", "east", None, Format::Xfrmd, &read).unwrap());
    assert_eq!(text.matches("ike_versions: [ikev1]\n").count(), 2, "{text}");
    assert!(!text.contains("ikev2"), "{text}");
    let peer = policy::load(&text, "east.yaml").unwrap_or_else(|d| panic!("{d}\n{text}"));
    for t in &peer.connections[0].tunnels {
        assert_eq!(t.options.ike_versions, vec![policy::IkeVersion::Ikev1]);
        // `startup: start` is IKEv2 only: both ends wait for traffic (ACQUIRE).
        assert_eq!(t.options.startup, policy::StartupAction::Add);
    }
    let generic = concat(&render(&site, "w.yaml", "east", None, Format::Generic, &read).unwrap());
    assert!(generic.contains("IKEv1 (main mode)"), "{generic}");
}
