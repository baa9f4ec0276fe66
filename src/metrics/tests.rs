//! The exposition carries every documented series with the report's values, parses as the
//! text format line by line, and is served over HTTP with the right status codes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::http::MetricsServer;
use super::*;
use crate::activity::{Facts, Recorder};
use crate::control::{ControlRequest, ProbeState, ProbeStatus, Response, TunnelStatus};

fn tunnel(conn: &str, name: &str, p2: PhaseState, bytes: u64) -> TunnelStatus {
    TunnelStatus {
        connection: conn.into(),
        tunnel: name.into(),
        local: "192.0.2.1".parse().unwrap(),
        remote: "198.51.100.1".parse().unwrap(),
        interface: Some(format!("xfrm-{conn}-{name}")),
        admin_down: false,
        ike_phase1_state: PhaseState::Established,
        ike_phase2_state: p2,
        phase1: None,
        phase2: None,
        nat_t_detected: false,
        dpd_enabled: true,
        uptime_seconds: None,
        bytes_in: bytes,
        bytes_out: bytes * 2,
        packets_in: 10,
        packets_out: 20,
        route_active: p2 == PhaseState::Established,
        last_error: None,
        probe: (p2 == PhaseState::Established).then_some(ProbeStatus {
            state: ProbeState::Up,
            rtt_us: Some(1830),
            sent: 100,
            lost: 3,
            healthy: true,
        }),
    }
}

fn report() -> StatusReport {
    StatusReport {
        version: "0.1.0".into(),
        uptime_seconds: 5,
        config: None,
        tunnels: vec![
            tunnel("east", "t1", PhaseState::Established, 1000),
            tunnel("east", "t2", PhaseState::Down, 0),
            tunnel("hub", "t1", PhaseState::Rekeying, 7),
        ],
    }
}

fn counts() -> EventCounts {
    let mut r = Recorder::default();
    let f = Facts {
        connection: "east",
        tunnel: "t1",
        dpd_enabled: true,
        nat_t_detected: false,
        ike_phase1_state: PhaseState::Established,
        ike_phase2_state: PhaseState::Established,
    };
    let t = ike::config::TunnelRef(0);
    for ev in [
        ike::v2::Event::DpdDead { tunnel: t },
        ike::v2::Event::NegotiationFailed {
            tunnel: Some(t),
            reason: "AUTHENTICATION_FAILED: x".into(),
        },
        ike::v2::Event::NegotiationFailed {
            tunnel: Some(t),
            reason: "AUTHENTICATION_FAILED: y".into(),
        },
        ike::v2::Event::ChildSaRekeyed {
            tunnel: t,
            old: ike::v2::ChildSaRef(1),
            new: ike::v2::ChildSaRef(2),
        },
    ] {
        r.on_event(f, &ev);
    }
    let mut c = EventCounts::default();
    while let Some(rec) = r.poll() {
        c.observe(&rec);
    }
    c
}

/// `name{labels}` → value for every sample line; panics on a line that is not a comment,
/// a sample or `# EOF`.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    assert!(text.ends_with("# EOF\n"), "{text}");
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line == "# EOF" {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let name = series.split('{').next().unwrap();
        assert!(
            name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{line}"
        );
        out.insert(series.to_owned(), value.parse::<f64>().unwrap());
    }
    out
}

#[test]
fn exposition_has_every_series_with_the_reports_values() {
    let s = samples(&render(&report(), &counts()));
    let get = |k: &str| *s.get(k).unwrap_or_else(|| panic!("{k} missing in {s:#?}"));
    let e1 = "{connection=\"east\",tunnel=\"t1\"}";
    assert_eq!(get(&format!("xfrmd_tunnel_state{e1}")), 1.0);
    assert_eq!(
        get("xfrmd_tunnel_state{connection=\"east\",tunnel=\"t2\"}"),
        0.0
    );
    assert_eq!(
        get("xfrmd_tunnel_state{connection=\"hub\",tunnel=\"t1\"}"),
        1.0
    );
    assert_eq!(get(&format!("xfrmd_tunnel_bytes_in_total{e1}")), 1000.0);
    assert_eq!(get(&format!("xfrmd_tunnel_bytes_out_total{e1}")), 2000.0);
    assert_eq!(get(&format!("xfrmd_tunnel_packets_in_total{e1}")), 10.0);
    assert_eq!(get(&format!("xfrmd_tunnel_packets_out_total{e1}")), 20.0);
    assert_eq!(get(&format!("xfrmd_tunnel_dpd_timeouts_total{e1}")), 1.0);
    assert_eq!(
        get("xfrmd_tunnel_rekeys_total{connection=\"east\",tunnel=\"t1\",sa=\"child\"}"),
        1.0
    );
    assert_eq!(
        get("xfrmd_tunnel_rekeys_total{connection=\"east\",tunnel=\"t1\",sa=\"ike\"}"),
        0.0
    );
    assert_eq!(
        get("xfrmd_tunnel_negotiation_failures_total{connection=\"east\",tunnel=\"t1\",reason=\"authentication_failed\"}"),
        2.0
    );
    // Tunnels without events still have their zero counters.
    assert_eq!(
        get("xfrmd_tunnel_dpd_timeouts_total{connection=\"east\",tunnel=\"t2\"}"),
        0.0
    );
    assert_eq!(
        get("xfrmd_connection_tunnels_up_ratio{connection=\"east\"}"),
        0.5
    );
    assert_eq!(
        get("xfrmd_connection_tunnels_up_ratio{connection=\"hub\"}"),
        1.0
    );
    assert!(!s.keys().any(|k| k.contains("reason=\"timeout\"")));
    // Probe health where the report has it; no probe series for a tunnel without probes.
    assert_eq!(get(&format!("xfrmd_tunnel_probe_rtt_seconds{e1}")), 0.00183);
    assert_eq!(get(&format!("xfrmd_tunnel_probes_sent_total{e1}")), 100.0);
    assert_eq!(get(&format!("xfrmd_tunnel_probes_lost_total{e1}")), 3.0);
    assert_eq!(get(&format!("xfrmd_tunnel_probe_up{e1}")), 1.0);
    assert_eq!(get(&format!("xfrmd_tunnel_healthy{e1}")), 1.0);
    assert!(!s.contains_key("xfrmd_tunnel_probes_sent_total{connection=\"east\",tunnel=\"t2\"}"));
}

#[test]
fn every_family_has_help_and_type() {
    let text = render(&report(), &counts());
    for (name, ty) in [
        ("xfrmd_tunnel_state", "gauge"),
        ("xfrmd_tunnel_bytes_in", "counter"),
        ("xfrmd_tunnel_bytes_out", "counter"),
        ("xfrmd_tunnel_packets_in", "counter"),
        ("xfrmd_tunnel_packets_out", "counter"),
        ("xfrmd_tunnel_rekeys", "counter"),
        ("xfrmd_tunnel_dpd_timeouts", "counter"),
        ("xfrmd_tunnel_negotiation_failures", "counter"),
        ("xfrmd_connection_tunnels_up_ratio", "gauge"),
        ("xfrmd_tunnel_probe_rtt_seconds", "gauge"),
        ("xfrmd_tunnel_probes_sent", "counter"),
        ("xfrmd_tunnel_probes_lost", "counter"),
        ("xfrmd_tunnel_probe_up", "gauge"),
        ("xfrmd_tunnel_healthy", "gauge"),
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} {ty}\n")),
            "{name}: {text}"
        );
        assert!(text.contains(&format!("# HELP {name} ")), "{name}");
    }
}

#[test]
fn failures_family_is_absent_until_a_failure() {
    let text = render(&report(), &EventCounts::default());
    assert!(!text.contains("negotiation_failures"), "{text}");
    assert!(text.contains("# TYPE xfrmd_tunnel_dpd_timeouts counter"));
}

#[test]
fn empty_site_renders_only_eof() {
    let r = StatusReport {
        tunnels: vec![],
        ..report()
    };
    let text = render(&r, &EventCounts::default());
    assert!(samples(&text).is_empty(), "{text}");
}

async fn get(addr: std::net::SocketAddr, request: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[test]
fn http_serves_metrics_and_refuses_the_rest() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = MetricsServer::bind("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<ControlRequest>(4);
        // A stand-in for the daemon core: answers every status request.
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                let _ = req.reply.send(Response::Status(report()));
            }
        });
        tokio::spawn(server.serve(tx, Arc::new(Mutex::new(counts()))));

        let ok = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let (head, body) = ok.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            head.contains(&format!("Content-Type: {CONTENT_TYPE}")),
            "{head}"
        );
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        assert_eq!(
            samples(body).len(),
            samples(&render(&report(), &counts())).len()
        );

        let nf = get(addr, "GET /other HTTP/1.1\r\n\r\n").await;
        assert!(nf.starts_with("HTTP/1.1 404 "), "{nf}");
        let na = get(addr, "DELETE /metrics HTTP/1.1\r\n\r\n").await;
        assert!(
            na.starts_with("HTTP/1.1 405 ") && na.contains("Allow: GET"),
            "{na}"
        );
        let bad = get(addr, "hello\r\n\r\n").await;
        assert!(bad.starts_with("HTTP/1.1 400 "), "{bad}");
        let long = format!("GET /metrics HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(10_000));
        assert!(get(addr, &long).await.starts_with("HTTP/1.1 400 "));
    });
}

#[test]
fn http_says_503_when_the_core_does_not_answer() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = MetricsServer::bind("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<ControlRequest>(4);
        // The core drops every request (e.g. shutting down).
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        tokio::spawn(server.serve(tx, Arc::new(Mutex::new(EventCounts::default()))));
        let r = get(addr, "GET /metrics HTTP/1.1\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 503 "), "{r}");
    });
}
