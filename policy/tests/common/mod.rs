//! Shared fixtures for the policy integration tests: a small valid site and helpers to
//! inject one option line into it and to load it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy::{Diagnostics, Site};

/// A valid site; `#T1` marks where tunnel t1 options go, `#DEF` the defaults block.
/// Line 15 is the `#T1` line.
pub const BASE: &str = "\
site:
  name: west
  networks: [10.1.0.0/16]
defaults:
  tunnel:
    dpd_action: clear
    #DEF
connections:
  east:
    remote_networks: [10.2.0.0/16]
    tunnels:
      - name: t1
        local: 192.0.2.1
        remote: 198.51.100.1
        #T1
        inside: 169.254.10.0/30
        auth: { psk_file: /etc/xfrmd/t1.psk }
      - name: t2
        local: 192.0.2.2
        remote: 198.51.100.2
        inside: 169.254.11.0/30
        auth: { psk: Secret.value_2 }
";

/// BASE with `line` (e.g. `dpd_timeout: 10`) as an option of tunnel t1 (line 15).
pub fn t1(line: &str) -> String {
    BASE.replace("#T1", line)
}

/// BASE with `line` under `defaults.tunnel` (line 7).
pub fn def(line: &str) -> String {
    BASE.replace("#DEF", line)
}

/// Loads and expects success.
pub fn ok(src: &str) -> Site {
    match policy::load(src, "test.yaml") {
        Ok(s) => s,
        Err(d) => panic!("expected a valid site, got:\n{d}"),
    }
}

/// Loads and expects failure.
pub fn bad(src: &str) -> Diagnostics {
    match policy::load(src, "test.yaml") {
        Ok(_) => panic!("expected diagnostics for:\n{src}"),
        Err(d) => d,
    }
}

/// Loads and expects exactly one diagnostic at `path`, returning its rendered text.
pub fn one(src: &str, path: &str) -> String {
    let d = bad(src);
    assert_eq!(d.len(), 1, "expected one diagnostic, got:\n{d}");
    assert_eq!(d.0[0].path, path, "{d}");
    d.0[0].to_string()
}
