//! `site.metrics_listen` and `site.activity_log` (issue 8, REQUIREMENTS §9-§10): defaults,
//! opt-out, accepted spellings, refused values with their path, and `--effective`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{bad, ok, one, BASE};
use policy::LogFormat;

/// BASE with `lines` (indented two spaces) added to the `site:` block.
fn site(lines: &str) -> String {
    BASE.replace(
        "  networks: [10.1.0.0/16]\n",
        &format!("  networks: [10.1.0.0/16]\n{lines}"),
    )
}

#[test]
fn defaults_metrics_on_loopback_and_no_activity_log() {
    let s = ok(BASE);
    assert_eq!(s.metrics_listen, Some("127.0.0.1:9814".parse().unwrap()));
    assert_eq!(s.activity_log, None);
}

#[test]
fn metrics_listen_accepts_addresses_and_off() {
    let s = ok(&site("  metrics_listen: 0.0.0.0:9100\n"));
    assert_eq!(s.metrics_listen, Some("0.0.0.0:9100".parse().unwrap()));
    let s = ok(&site("  metrics_listen: \"[::1]:9814\"\n"));
    assert_eq!(s.metrics_listen, Some("[::1]:9814".parse().unwrap()));
    let s = ok(&site("  metrics_listen: \"off\"\n"));
    assert_eq!(s.metrics_listen, None);
    // Unquoted, as operators write it (YAML 1.2: a plain string, not a boolean).
    let s = ok(&site("  metrics_listen: off\n"));
    assert_eq!(s.metrics_listen, None);
}

#[test]
fn metrics_listen_refuses_bad_values() {
    for v in ["localhost:9814", "127.0.0.1", "127.0.0.1:0", "on"] {
        let m = one(
            &site(&format!("  metrics_listen: \"{v}\"\n")),
            "site.metrics_listen",
        );
        assert!(m.contains(v), "{m}");
    }
}

#[test]
fn activity_log_format_defaults_to_json() {
    let s = ok(&site("  activity_log: { dir: /var/log/xfrmd }\n"));
    let a = s.activity_log.unwrap();
    assert_eq!(
        (a.format, a.dir.as_str()),
        (LogFormat::Json, "/var/log/xfrmd")
    );
    let s = ok(&site("  activity_log: { format: text, dir: /tmp/x }\n"));
    assert_eq!(s.activity_log.unwrap().format, LogFormat::Text);
}

#[test]
fn activity_log_refuses_relative_dirs_unknown_formats_and_keys() {
    let m = one(
        &site("  activity_log: { dir: logs }\n"),
        "site.activity_log.dir",
    );
    assert!(m.contains("absolute"), "{m}");
    let d = bad(&site("  activity_log: { format: xml, dir: /tmp }\n"));
    assert!(d.to_string().contains("xml"), "{d}");
    let d = bad(&site("  activity_log: { dir: /tmp, level: debug }\n"));
    assert!(d.to_string().contains("level"), "{d}");
    let d = bad(&site("  activity_log: { format: json }\n"));
    assert!(d.to_string().contains("dir"), "{d}");
}

#[test]
fn effective_shows_both_keys_and_reloads_identically() {
    let src =
        site("  metrics_listen: \"off\"\n  activity_log: { format: text, dir: /var/log/x }\n");
    let text = policy::effective(&ok(&src));
    assert!(text.contains("metrics_listen: \"off\""), "{text}");
    assert!(text.contains("dir: /var/log/x"), "{text}");
    let again = ok(&text.replace("psk: <redacted>", "psk_file: /k"));
    assert_eq!(again.metrics_listen, None);
    assert_eq!(again.activity_log.unwrap().format, LogFormat::Text);
    let text = policy::effective(&ok(BASE));
    assert!(text.contains("metrics_listen: 127.0.0.1:9814"), "{text}");
    assert!(
        !text.contains("format: json") && !text.contains("dir:"),
        "{text}"
    );
}

#[test]
fn activity_log_is_enabled_per_tunnel_by_default_and_can_be_turned_off() {
    let s = ok(BASE);
    assert!(s.connections[0]
        .tunnels
        .iter()
        .all(|t| t.options.activity_log));
    let s = ok(&common::t1("activity_log: false"));
    let on: Vec<bool> = s.connections[0]
        .tunnels
        .iter()
        .map(|t| t.options.activity_log)
        .collect();
    assert_eq!(on, vec![false, true]);
    let s = ok(&common::def("activity_log: false"));
    assert!(s.connections[0]
        .tunnels
        .iter()
        .all(|t| !t.options.activity_log));
    let text = policy::effective(&ok(&common::t1("activity_log: false")));
    assert!(text.contains("activity_log: false"), "{text}");
    assert!(text.contains("activity_log: true"), "{text}");
    let d = bad(&common::t1("activity_log: maybe"));
    assert!(d.to_string().contains("activity_log"), "{d}");
}
