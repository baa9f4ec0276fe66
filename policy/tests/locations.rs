//! Diagnostics point at the right place: unknown keys with their path and line, YAML syntax
//! and type errors, duplicate keys, and values in flow and block style.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{bad, one, t1, BASE};

#[test]
fn unknown_tunnel_field_is_rejected_with_its_path() {
    let text = one(
        &t1("dpd_timout: 40"),
        "connections.east.tunnels[0].dpd_timout",
    );
    assert!(
        text.starts_with(
            "test.yaml:15:9: connections.east.tunnels[0].dpd_timout: unknown field `dpd_timout`"
        ),
        "{text}"
    );
}

#[test]
fn unknown_fields_everywhere_are_rejected() {
    for (src, path, line) in [
        (
            BASE.replace("  name: west", "  name: west\n  colour: red"),
            "site.colour",
            3,
        ),
        (BASE.replace("#DEF", "dpd: 40"), "defaults.tunnel.dpd", 7),
        (BASE.replace("  tunnel:", "  tunel:"), "defaults.tunel", 5),
        (
            BASE.replace("{ psk_file: /etc/xfrmd/t1.psk }", "{ psk_fil: /x }"),
            "connections.east.tunnels[0].auth.psk_fil",
            17,
        ),
        (
            BASE.replace("    remote_networks:", "    remote_network:"),
            "connections.east.remote_network",
            10,
        ),
        (format!("{BASE}extra: 1\n"), "extra", 23),
        // `name`, `local`, `inside` belong to a tunnel, not to the defaults.
        (
            BASE.replace("#DEF", "inside: 169.254.1.0/30"),
            "defaults.tunnel.inside",
            7,
        ),
    ] {
        let d = bad(&src);
        assert_eq!(d.len(), 1, "{d}");
        assert_eq!((d.0[0].path.as_str(), d.0[0].line), (path, line), "{d}");
        assert!(d.0[0].message.contains("unknown field"), "{d}");
    }
}

#[test]
fn missing_required_field() {
    let d = bad(&BASE.replace("        inside: 169.254.11.0/30\n", ""));
    assert_eq!(d.len(), 1, "{d}");
    assert!(d.0[0].message.contains("missing field `inside`"), "{d}");
    assert!(d.0[0].line >= 19 && d.0[0].line <= 22, "{d}");
}

#[test]
fn wrong_type_points_at_value() {
    let text = one(
        &t1("dpd_timeout: soon"),
        "connections.east.tunnels[0].dpd_timeout",
    );
    assert!(text.starts_with("test.yaml:15:22:"), "{text}");
    let d = bad(&BASE.replace("remote: 198.51.100.1", "remote: not-an-address"));
    assert_eq!(
        (d.0[0].path.as_str(), d.0[0].line),
        ("connections.east.tunnels[0].remote", 14),
        "{d}"
    );
}

#[test]
fn syntax_error_has_a_line() {
    let d = bad("site:\n  name: west\n  networks: [10.1.0.0/16\nconnections: {}\n");
    assert_eq!(d.len(), 1, "{d}");
    assert!(d.0[0].line >= 3, "{d}");
}

#[test]
fn duplicate_keys_are_refused() {
    let d = bad(&BASE.replace("  name: west", "  name: west\n  name: east"));
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(d.0[0].line, 3, "{d}");
    assert!(d.0[0].message.to_lowercase().contains("duplicate"), "{d}");
}

#[test]
fn flow_and_block_values_have_columns() {
    // Flow mapping inside a sequence item: the psk value at line 22 column 22.
    let d = bad(&BASE.replace("Secret.value_2", "short"));
    assert_eq!((d.0[0].line, d.0[0].column), (22, 22), "{d}");
    // Block sequence element.
    let src = BASE.replace(
        "remote_networks: [10.2.0.0/16]",
        "remote_networks:\n      - 10.2.0.0/16\n      - 10.1.0.0/24",
    );
    let d = bad(&src);
    assert_eq!(
        (d.0[0].path.as_str(), d.0[0].line, d.0[0].column),
        ("connections.east.remote_networks[1]", 12, 9),
        "{d}"
    );
}

#[test]
fn display_without_position_when_unknown() {
    let d = policy::Diagnostic {
        origin: "x.yaml".into(),
        path: "a.b".into(),
        line: 0,
        column: 0,
        message: "m".into(),
        hint: None,
    };
    assert_eq!(d.to_string(), "x.yaml: a.b: m");
}

#[test]
fn every_unknown_key_is_reported_in_one_run() {
    let src = BASE
        .replace("  name: west", "  name: west\n  colour: red")
        .replace("#DEF", "dpd: 40")
        .replace("#T1", "prio: 1");
    let d = bad(&src);
    let got: Vec<(&str, u32, u32)> = d
        .iter()
        .map(|x| (x.path.as_str(), x.line, x.column))
        .collect();
    assert_eq!(
        got,
        [
            ("site.colour", 3, 3),
            ("defaults.tunnel.dpd", 8, 5),
            ("connections.east.tunnels[0].prio", 16, 9)
        ],
        "{d}"
    );
    assert!(
        d.0[2]
            .message
            .starts_with("unknown field `prio`, expected one of "),
        "{d}"
    );
}

#[test]
fn unknown_keys_are_reported_next_to_a_type_error() {
    let src = BASE
        .replace("#DEF", "dpd_timeout: soon")
        .replace("#T1", "prio: 1");
    let d = bad(&src);
    let paths: Vec<&str> = d.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "defaults.tunnel.dpd_timeout",
            "connections.east.tunnels[0].prio"
        ],
        "{d}"
    );
}
