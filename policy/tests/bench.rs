//! Scale check: a generated site with 10,000 connections (20,000 tunnels, transit on so the
//! overlap sweep runs) through load + validate + compile. Prints the time; in release builds
//! asserts it stays under one second:
//! `cargo test -p policy --release --test bench -- --nocapture bench_`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write;
use std::time::Instant;

/// Builds the YAML text of a site with `n` connections of two tunnels each.
fn big_site(n: u32) -> String {
    let mut s = String::from(
        "site:\n  name: hub\n  networks: [192.168.0.0/16]\n  transit: true\ndefaults:\n  tunnel:\n    ike_versions: [ikev2]\n    dpd_timeout: 30\nconnections:\n",
    );
    // Even connections use IPv4 inside /30s (5,000 × 2 fit in 169.254.0.0/16 past the
    // reserved ones), odd ones IPv6 /126s: one family per connection (REQUIREMENTS §6.7).
    let mut v4_inside = (169u32 << 24) | (254 << 16) | (6 << 8); // 169.254.6.0
    let mut next_v4 = || {
        if v4_inside == ((169 << 24) | (254 << 16) | (169 << 8) | 252) {
            v4_inside += 4; // skip the reserved 169.254.169.252/30
        }
        let net = format!("{}/30", std::net::Ipv4Addr::from(v4_inside));
        v4_inside += 4;
        net
    };
    for i in 0..n {
        let (in1, in2) = if i % 2 == 0 {
            (next_v4(), next_v4())
        } else {
            (
                format!("'fd00::{i:x}:0/126'"),
                format!("'fd00::{i:x}:4/126'"),
            )
        };
        let (a, b) = (i / 256, i % 256);
        write!(
            s,
            "  c{i:05}:
    remote_networks: [10.{a}.{b}.0/24]
    tunnels:
      - name: t1
        local: 192.0.2.1
        remote: 100.64.{a}.{b}
        inside: {in1}
        auth: {{ psk: Secret_{i:05}x }}
        priority: 100
      - name: t2
        local: 192.0.2.2
        remote: 100.64.{a}.{b}
        inside: {in2}
        auth: {{ psk_file: /etc/xfrmd/c{i}.psk }}
        priority: 200
"
        )
        .unwrap();
    }
    s
}

/// CPU time of this thread in seconds (utime + stime from /proc, 100 ticks/s on Linux), so
/// the budget check is not at the mercy of other processes on a shared machine.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[test]
fn bench_10k_connections_load_validate_compile() {
    let src = big_site(10_000);
    let cpu0 = thread_cpu_seconds();
    let t0 = Instant::now();
    let site = match policy::load(&src, "big.yaml") {
        Ok(s) => s,
        Err(d) => panic!(
            "{}",
            d.iter()
                .take(5)
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    let t1 = Instant::now();
    let st = policy::compile(&site);
    let t2 = Instant::now();
    assert_eq!(site.connections.len(), 10_000);
    assert_eq!(st.interfaces.len(), 20_000);
    assert_eq!(st.routes.len(), 20_000);
    let total = t2 - t0;
    let cpu = cpu0.zip(thread_cpu_seconds()).map(|(a, b)| b - a);
    println!(
        "bench: {} bytes, 10000 connections / 20000 tunnels: load+validate {:?}, compile {:?}, total wall {:?}, thread CPU {:?} s",
        src.len(),
        t1 - t0,
        t2 - t1,
        total,
        cpu
    );
    if !cfg!(debug_assertions) {
        // Goal: under one second of CPU in a release build.
        let spent = cpu.unwrap_or(total.as_secs_f64());
        assert!(spent < 1.0, "too slow: {spent} s CPU, {total:?} wall");
    }
}

#[test]
fn bench_site_with_conflicts_reports_them_all() {
    // Two connections share a remote /24 and an inside /30: both conflicts are reported.
    let src = big_site(300)
        .replace("10.1.43.0/24", "10.0.43.0/24")
        .replace("169.254.7.4/30", "169.254.6.4/30");
    let d = policy::load(&src, "big.yaml").unwrap_err();
    let paths: Vec<&str> = d.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "connections.c00064.tunnels[1].inside",
            "connections.c00299.remote_networks[0]"
        ],
        "{d}"
    );
}
