//! Whole-core simulation through the observability hooks: two daemons on `MemoryKernel`s
//! establish a tunnel; the activity records, their log lines, the metrics exposition and the
//! status report agree with each other and with the kernel's SA counters. A PSK mismatch
//! shows up as an authentication failure in the log and the metrics.

use std::collections::BTreeMap;
use std::time::Duration;

use ike::crypto::CryptoProvider;
use ike::v2::{Instant, SequentialSpis};
use xfrm::{MemoryKernel, Proto, SaId};

use super::{render, EventCounts};
use crate::activity::{FailureReason, Kind, Line, Record};
use crate::control::{PhaseState, Request, Response, StatusReport};
use crate::daemon::Daemon;
use crate::transport::{Ports, SimNetwork, SimTransport};

type SimDaemon = Daemon<MemoryKernel, SimTransport>;

fn site(name: &str, local: &str, remote: &str, peer: &str, psk: &str, startup: &str) -> String {
    format!(
        r#"
site: {{ name: {name}, networks: [10.9.0.0/16] }}
connections:
  {peer}:
    remote_networks: [10.8.0.0/16]
    tunnels:
      - name: t1
        local: {local}
        remote: {remote}
        inside: 169.254.10.0/30
        auth: {{ psk: {psk} }}
        local_id: {name}.lab
        remote_id: {peer}.lab
        ike_versions: [ikev2]
        startup: {startup}
        phase1_encryption: [aes256]
        phase1_integrity: [sha2-256]
        phase1_dh_groups: [19]
        phase2_encryption: [aes128-gcm-16]
        phase2_dh_groups: [19]
"#
    )
}

fn daemon(yaml: &str, net: &SimNetwork, spi: u32) -> SimDaemon {
    let site = policy::load(yaml, "sim.yaml").unwrap();
    let plan = crate::plan::plan(&site);
    let mapped = crate::config_map::map_site(&site, &plan, &|_| unreachable!()).unwrap();
    let addrs: Vec<_> = mapped.iter().map(|m| m.config.local.ip()).collect();
    let t = net.transport(&addrs, Ports::default());
    Daemon::new(
        &site,
        plan,
        mapped,
        MemoryKernel::new(),
        t,
        CryptoProvider::ring_default(),
        Box::new(SequentialSpis(spi)),
    )
}

/// Runs both daemons for `secs` virtual seconds, collecting each one's activity records.
fn run(
    a: &mut SimDaemon,
    b: &mut SimDaemon,
    start: Instant,
    secs: u64,
    out: &mut [Vec<Record>; 2],
) -> Instant {
    let mut now = start;
    let end = start + Duration::from_secs(secs);
    while now < end {
        for (i, d) in [&mut *a, &mut *b].into_iter().enumerate() {
            d.handle_transport(now);
            if d.poll_timeout().is_some_and(|t| t <= now) {
                d.handle_timeout(now);
            }
            d.handle_kernel_events(now);
            while let Some(r) = d.poll_activity() {
                out[i].push(r);
            }
        }
        now = now + Duration::from_millis(10);
    }
    now
}

fn status(d: &mut SimDaemon, now: Instant) -> StatusReport {
    match d.handle_control(now, Request::Status) {
        Response::Status(r) => r,
        other => panic!("{other:?}"),
    }
}

fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_owned(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn established_tunnel_is_logged_counted_and_exported() {
    let net = SimNetwork::new();
    let west_yaml = site(
        "west",
        "192.0.2.1",
        "198.51.100.1",
        "east",
        "Sim.Key.4711",
        "start",
    );
    let east_yaml = site(
        "east",
        "198.51.100.1",
        "192.0.2.1",
        "west",
        "Sim.Key.4711",
        "add",
    );
    let mut west = daemon(&west_yaml, &net, 0xc000_0100);
    let mut east = daemon(&east_yaml, &net, 0xd000_0100);
    let t0 = Instant::default();
    west.start(t0).unwrap();
    east.start(t0).unwrap();
    let mut recs = [Vec::new(), Vec::new()];
    let now = run(&mut west, &mut east, t0, 3, &mut recs);

    for (side, conn) in [(0, "east"), (1, "west")] {
        let kinds: Vec<Kind> = recs[side].iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::IkeEstablished, Kind::ChildEstablished],
            "{conn}"
        );
        let last = recs[side].last().unwrap();
        assert_eq!(
            (last.connection.as_str(), last.tunnel.as_str()),
            (conn, "t1")
        );
        assert_eq!(last.ike_phase1_state, PhaseState::Established);
        assert_eq!(last.ike_phase2_state, PhaseState::Established);
        assert!(last.dpd_enabled && !last.nat_t_detected);
        assert!(
            last.details.contains("proposal chosen AES128-GCM-16"),
            "{}",
            last.details
        );
        for r in &recs[side] {
            let l = r.stamp(1_700_000_000_000);
            assert_eq!(Line::from_text(&l.to_text()).unwrap(), l);
            assert_eq!(serde_json::from_str::<Line>(&l.to_json()).unwrap(), l);
            assert!(!l.to_json().contains("Sim.Key.4711"));
        }
    }

    // Traffic through west's SAs, as the kernel counts it.
    let st = status(&mut west, now);
    let p2 = st.tunnels[0].phase2.clone().unwrap();
    let id = |dst: &str, spi: u32| SaId {
        dst: dst.parse().unwrap(),
        spi,
        proto: Proto::Esp,
        mark: None,
    };
    assert!(west
        .kernel_mut()
        .advance_counters(&id("192.0.2.1", p2.spi_in), 4200, 42));
    assert!(west
        .kernel_mut()
        .advance_counters(&id("198.51.100.1", p2.spi_out), 8400, 84));
    let st = status(&mut west, now);
    let mut counts = EventCounts::default();
    for r in &recs[0] {
        counts.observe(r);
    }
    let m = samples(&render(&st, &counts));
    let l = "{connection=\"east\",tunnel=\"t1\"}";
    assert_eq!(m[&format!("xfrmd_tunnel_state{l}")], 1.0);
    assert_eq!(m[&format!("xfrmd_tunnel_bytes_in_total{l}")], 4200.0);
    assert_eq!(m[&format!("xfrmd_tunnel_packets_in_total{l}")], 42.0);
    assert_eq!(m[&format!("xfrmd_tunnel_bytes_out_total{l}")], 8400.0);
    assert_eq!(m[&format!("xfrmd_tunnel_packets_out_total{l}")], 84.0);
    assert_eq!(st.tunnels[0].bytes_in, 4200);
    assert_eq!(
        m["xfrmd_connection_tunnels_up_ratio{connection=\"east\"}"],
        1.0
    );

    // Operator down: the IKE SA is deleted and the log says so; the tunnel is down.
    west.handle_control(
        now,
        Request::Down {
            connection: "east".into(),
            tunnel: None,
        },
    );
    let later = run(&mut west, &mut east, now, 2, &mut recs);
    let words: Vec<&str> = recs[0].iter().map(|r| r.details.as_str()).collect();
    assert!(
        words.iter().any(|w| w.contains("deleted by the operator")),
        "{words:#?}"
    );
    assert!(
        recs[1].iter().any(|r| r
            .details
            .contains("received DELETE for IKE_SA from the peer")),
        "{:#?}",
        recs[1]
    );
    let last = recs[0].last().unwrap();
    assert_eq!(
        (last.ike_phase1_state, last.ike_phase2_state),
        (PhaseState::Down, PhaseState::Down)
    );
    let m = samples(&render(&status(&mut west, later), &counts));
    assert_eq!(m[&format!("xfrmd_tunnel_state{l}")], 0.0);
    assert_eq!(
        m["xfrmd_connection_tunnels_up_ratio{connection=\"east\"}"],
        0.0
    );
}

#[test]
fn psk_mismatch_is_an_authentication_failure_in_log_and_metrics() {
    let net = SimNetwork::new();
    let west_yaml = site(
        "west",
        "192.0.2.1",
        "198.51.100.1",
        "east",
        "Sim.Key.4711",
        "start",
    );
    let east_yaml = site(
        "east",
        "198.51.100.1",
        "192.0.2.1",
        "west",
        "Other.Key.99",
        "add",
    );
    let mut west = daemon(&west_yaml, &net, 0xc000_0100);
    let mut east = daemon(&east_yaml, &net, 0xd000_0100);
    let t0 = Instant::default();
    west.start(t0).unwrap();
    east.start(t0).unwrap();
    let mut recs = [Vec::new(), Vec::new()];
    let now = run(&mut west, &mut east, t0, 3, &mut recs);
    let mut counts = [EventCounts::default(), EventCounts::default()];
    for side in 0..2 {
        for r in &recs[side] {
            counts[side].observe(r);
            let json = r.stamp(1).to_json();
            assert!(
                !json.contains("Sim.Key.4711") && !json.contains("Other.Key.99"),
                "{json}"
            );
        }
    }
    // East (responder) verifies west's AUTH and refuses it.
    let failed: Vec<&Record> = recs[1]
        .iter()
        .filter(|r| r.kind == Kind::NegotiationFailed(FailureReason::AuthenticationFailed))
        .collect();
    assert!(!failed.is_empty(), "{:#?}", recs[1]);
    assert!(failed[0].details.starts_with("negotiation failed: "));
    let m = samples(&render(&status(&mut east, now), &counts[1]));
    let key = "xfrmd_tunnel_negotiation_failures_total{connection=\"west\",tunnel=\"t1\",reason=\"authentication_failed\"}";
    assert!(m[key] >= 1.0, "{m:#?}");
    assert_eq!(
        m["xfrmd_tunnel_state{connection=\"west\",tunnel=\"t1\"}"],
        0.0
    );
}
