//! Every event kind becomes a line that parses back, in both spellings; details say the
//! right thing; the recorder remembers SPIs for deletes and tells half-open timeouts apart.

use std::net::Ipv4Addr;

use ike::config::TunnelRef;
use ike::crypto::{DhGroup, EncrAlg, IntegAlg, PrfAlg};
use ike::v2::{ChildSaRef, ChildSuiteInfo, CloseReason, Event, IkeSuiteInfo};
use ike::wire::v2::TrafficSelector;

use super::*;

const T: TunnelRef = TunnelRef(0);

fn facts(p1: PhaseState, p2: PhaseState) -> Facts<'static> {
    Facts {
        connection: "hq",
        tunnel: "t1",
        dpd_enabled: true,
        nat_t_detected: false,
        ike_phase1_state: p1,
        ike_phase2_state: p2,
    }
}

fn any_v4() -> TrafficSelector {
    TrafficSelector::Ipv4 {
        ip_proto: 0,
        start_port: 0,
        end_port: u16::MAX,
        start: Ipv4Addr::UNSPECIFIED,
        end: Ipv4Addr::BROADCAST,
    }
}

fn ike_up(spi_i: u64) -> Event {
    Event::IkeSaEstablished {
        tunnel: T,
        spi_i,
        spi_r: 0x2222,
        initiator: true,
        suite: IkeSuiteInfo {
            version: 2,
            aggressive: false,
            encr: EncrAlg::AesCbc { key_bits: 256 },
            prf: PrfAlg::HmacSha256,
            integ: Some(IntegAlg::HmacSha256_128),
            dh: DhGroup::Ecp256,
        },
        local: "192.0.2.1:500".parse().unwrap(),
        remote: "198.51.100.1:500".parse().unwrap(),
        nat_detected: false,
    }
}

fn child_up(child: u64, spi_in: u32, spi_out: u32) -> Event {
    Event::ChildSaEstablished {
        tunnel: T,
        child: ChildSaRef(child),
        spi_in,
        spi_out,
        suite: ChildSuiteInfo {
            encr: EncrAlg::AesGcm16 { key_bits: 128 },
            integ: None,
            pfs: Some(DhGroup::Ecp256),
            esn: false,
        },
        local_ts: vec![TrafficSelector::Ipv4 {
            ip_proto: 0,
            start_port: 0,
            end_port: u16::MAX,
            start: Ipv4Addr::new(10, 1, 0, 0),
            end: Ipv4Addr::new(10, 1, 255, 255),
        }],
        remote_ts: vec![any_v4()],
    }
}

/// Every event kind, in a plausible order, through one recorder.
fn all_records() -> Vec<Record> {
    use PhaseState::*;
    let mut r = Recorder::default();
    r.on_initiate(facts(Negotiating, Down));
    r.on_event(
        facts(Down, Down),
        &Event::IkeSaClosed {
            tunnel: T,
            spi_i: 0x99,
            reason: CloseReason::Timeout,
        },
    );
    r.on_event(facts(Established, Down), &ike_up(0x1111));
    r.on_event(
        facts(Established, Established),
        &child_up(1, 0xc000_0001, 0x0000_5001),
    );
    r.on_event(
        facts(Established, Rekeying),
        &Event::ChildSaRekeying {
            tunnel: T,
            child: ChildSaRef(1),
        },
    );
    r.on_event(
        facts(Established, Established),
        &child_up(2, 0xc000_0002, 0x0000_5002),
    );
    r.on_event(
        facts(Established, Established),
        &Event::ChildSaRekeyed {
            tunnel: T,
            old: ChildSaRef(1),
            new: ChildSaRef(2),
        },
    );
    r.on_event(
        facts(Rekeying, Established),
        &Event::IkeSaRekeying {
            tunnel: T,
            spi_i: 0x1111,
        },
    );
    r.on_event(
        facts(Established, Established),
        &Event::IkeSaRekeyed {
            tunnel: T,
            old_spi_i: 0x1111,
            new_spi_i: 0x3333,
        },
    );
    r.on_event(
        facts(Established, Down),
        &Event::ChildSaClosed {
            tunnel: T,
            child: ChildSaRef(2),
            reason: CloseReason::DeletedByPeer,
        },
    );
    r.on_event(
        facts(Established, Down),
        &Event::NegotiationFailed {
            tunnel: Some(T),
            reason: "NO_PROPOSAL_CHOSEN: no local ESP proposal matches #1 [1:20/128]".into(),
        },
    );
    r.on_event(facts(Established, Down), &Event::DpdDead { tunnel: T });
    r.on_event(
        facts(Down, Down),
        &Event::IkeSaClosed {
            tunnel: T,
            spi_i: 0x3333,
            reason: CloseReason::DpdDead,
        },
    );
    std::iter::from_fn(|| r.poll()).collect()
}

#[test]
fn every_kind_is_recorded_with_plain_words() {
    let recs = all_records();
    let kinds: Vec<Kind> = recs.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            Kind::Initiating,
            Kind::NegotiationFailed(FailureReason::Timeout),
            Kind::IkeEstablished,
            Kind::ChildEstablished,
            Kind::ChildRekeying,
            Kind::ChildEstablished,
            Kind::ChildRekeyed,
            Kind::IkeRekeying,
            Kind::IkeRekeyed,
            Kind::ChildClosed,
            Kind::NegotiationFailed(FailureReason::NoProposalChosen),
            Kind::DpdTimeout,
            Kind::IkeClosed,
        ]
    );
    let d: Vec<&str> = recs.iter().map(|r| r.details.as_str()).collect();
    assert_eq!(d[0], "initiating: sending IKE_SA_INIT");
    assert!(
        d[1].starts_with("timeout: deleting unestablished phase 1 IKE_SA"),
        "{}",
        d[1]
    );
    assert!(
        d[2].contains("proposal chosen AES256, SHA2-256, PRF-SHA2-256, DH group 19")
            && d[2].contains("no NAT detected")
            && d[2].contains("198.51.100.1:500 as initiator"),
        "{}",
        d[2]
    );
    assert!(
        d[3].contains("proposal chosen AES128-GCM-16, no integrity (AEAD), PFS DH group 19")
            && d[3].contains("traffic selectors 10.1.0.0/16 === 0.0.0.0/0")
            && d[3].contains("SPI in 0xc0000001 out 0x00005001"),
        "{}",
        d[3]
    );
    assert_eq!(
        d[4],
        "CHILD_SA rekey started: SPI in 0xc0000001 out 0x00005001 stays in use until its successor is installed"
    );
    assert_eq!(recs[4].ike_phase2_state, PhaseState::Rekeying);
    assert_eq!(
        d[6],
        "CHILD_SA rekey done: SPI in 0xc0000001 out 0x00005001 replaced by SPI in 0xc0000002 out 0x00005002"
    );
    assert_eq!(d[7], "IKE_SA rekey started: SPI 0000000000001111_i");
    assert_eq!(recs[7].ike_phase1_state, PhaseState::Rekeying);
    assert!(d[8].starts_with("IKE_SA rekey done"), "{}", d[8]);
    // §10.4: the peer's Delete names our outbound SPI.
    assert_eq!(d[9], "received delete for phase 2 SA with SPI: 0x00005002");
    assert!(
        d[10].starts_with("negotiation failed: NO_PROPOSAL_CHOSEN"),
        "{}",
        d[10]
    );
    assert_eq!(
        d[11],
        "DPD timed out: peer is not responsive - declaring peer dead"
    );
    assert!(
        d[12].contains("0000000000003333_i deleted: peer is not responsive"),
        "{}",
        d[12]
    );
}

#[test]
fn every_line_parses_as_json_with_the_documented_keys() {
    for (i, rec) in all_records().iter().enumerate() {
        let line = rec.stamp(1_762_580_429_641 + i as u64);
        let text = line.to_json();
        assert!(!text.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut want = vec![
            "event_timestamp",
            "timestamp",
            "connection",
            "tunnel",
            "dpd_enabled",
            "nat_t_detected",
            "ike_phase1_state",
            "ike_phase2_state",
            "details",
        ];
        want.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, want);
        assert!(v["event_timestamp"].is_u64() && v["dpd_enabled"].is_boolean());
        let back: Line = serde_json::from_str(&text).unwrap();
        assert_eq!(back, line);
    }
}

#[test]
fn every_line_parses_as_text() {
    for rec in all_records() {
        let line = rec.stamp(1_762_580_429_641);
        let text = line.to_text();
        assert!(!text.contains('\n'));
        assert!(text.starts_with("event_timestamp=1762580429641 timestamp=\"2025-11-08 05:40:29.641Z\" connection=hq tunnel=t1 dpd_enabled=true nat_t_detected=false ike_phase1_state="), "{text}");
        assert_eq!(Line::from_text(&text).unwrap(), line, "{text}");
    }
}

#[test]
fn text_quoting_round_trips_awkward_values() {
    let mut line = all_records()[0].stamp(0);
    for details in [
        "",
        "a=b c",
        "quote \" and backslash \\ and \\\" both",
        "newline\nand\ttab\rand \u{1} control",
        "non-ASCII: Grüße, 東京",
        "trailing space ",
    ] {
        line.details = details.to_owned();
        let text = line.to_text();
        assert!(!text.contains('\n'), "{text}");
        assert_eq!(Line::from_text(&text).unwrap().details, details, "{text}");
    }
    for bad in [
        "event_timestamp=1 details=\"open",
        "Key=x",
        "a=b  c=d",
        "a=\"x\\q\"",
        "a=has\"quote",
    ] {
        assert!(parse_text(bad).is_err(), "{bad}");
    }
    assert!(Line::from_text("event_timestamp=1").is_err());
}

#[test]
fn readable_timestamps_match_the_reference_example() {
    // REQUIREMENTS §10.3: event_timestamp 1762580429641 is "2025-11-08 05:40:29.641Z".
    assert_eq!(line_readable(1_762_580_429_641), "2025-11-08 05:40:29.641Z");
    assert_eq!(line_readable(0), "1970-01-01 00:00:00.000Z");
    // 2000-02-29 (leap day of a century leap year) 23:59:59.999.
    assert_eq!(line_readable(951_868_799_999), "2000-02-29 23:59:59.999Z");
    assert_eq!(line_readable(4_107_542_400_000), "2100-03-01 00:00:00.000Z");
}

fn line_readable(ms: u64) -> String {
    line::readable(ms)
}

#[test]
fn failure_reasons_are_classified_from_the_engine_words() {
    use FailureReason::*;
    for (reason, want) in [
        (
            "NO_PROPOSAL_CHOSEN: no local IKE proposal matches the peer's offer",
            NoProposalChosen,
        ),
        (
            "responder chose an ESP proposal we did not offer: #1",
            NoProposalChosen,
        ),
        (
            "AUTHENTICATION_FAILED: peer identity mismatch",
            AuthenticationFailed,
        ),
        (
            "peer reported AUTHENTICATION_FAILED for our AUTH",
            AuthenticationFailed,
        ),
        (
            "TS_UNACCEPTABLE: proposed traffic selectors do not overlap",
            TsUnacceptable,
        ),
        (
            "responder's traffic selectors are not within ours",
            TsUnacceptable,
        ),
        (
            "INVALID_KE_PAYLOAD names a group we did not offer",
            InvalidKePayload,
        ),
        ("responder's KE public value is invalid", InvalidKePayload),
        (
            "responder chose a PFS group other than our KE",
            InvalidKePayload,
        ),
        ("responder keeps answering with COOKIE", Other),
    ] {
        assert_eq!(FailureReason::classify(reason), want, "{reason}");
    }
    let labels: Vec<&str> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(labels.len(), 6);
    assert!(labels
        .iter()
        .all(|l| l.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
}

#[test]
fn established_ike_sa_timeout_is_not_a_negotiation_failure() {
    let mut r = Recorder::default();
    let f = facts(PhaseState::Established, PhaseState::Down);
    r.on_event(f, &ike_up(7));
    r.on_event(
        f,
        &Event::IkeSaClosed {
            tunnel: T,
            spi_i: 7,
            reason: CloseReason::Timeout,
        },
    );
    let kinds: Vec<Kind> = std::iter::from_fn(|| r.poll()).map(|x| x.kind).collect();
    assert_eq!(kinds, vec![Kind::IkeEstablished, Kind::IkeClosed]);
}

#[test]
fn ikev1_phase1_names_main_or_aggressive_mode() {
    let mut r = Recorder::default();
    let f = facts(PhaseState::Established, PhaseState::Down);
    for aggressive in [false, true] {
        let mut e = ike_up(7);
        if let Event::IkeSaEstablished { suite, .. } = &mut e {
            suite.version = 1;
            suite.aggressive = aggressive;
        }
        r.on_event(f, &e);
    }
    let details: Vec<String> = std::iter::from_fn(|| r.poll()).map(|x| x.details).collect();
    assert!(
        details[0].starts_with("IKEv1 ISAKMP SA (main mode) established"),
        "{details:?}"
    );
    assert!(
        details[1].starts_with("IKEv1 ISAKMP SA (aggressive mode) established"),
        "{details:?}"
    );
}

#[test]
fn the_queue_is_bounded() {
    let mut r = Recorder::default();
    for _ in 0..QUEUE_LIMIT + 10 {
        r.on_initiate(facts(PhaseState::Negotiating, PhaseState::Down));
    }
    assert_eq!(std::iter::from_fn(|| r.poll()).count(), QUEUE_LIMIT);
}

#[test]
fn writer_appends_one_file_per_tunnel() {
    let dir = std::env::temp_dir().join(format!("xfrmd-activity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut log = ActivityLog::open(policy::LogFormat::Text, &dir.join("sub")).unwrap();
    let recs = all_records();
    for (i, rec) in recs.iter().enumerate() {
        let mut line = rec.stamp(i as u64);
        if i % 2 == 1 {
            line.tunnel = "t2".into();
        }
        log.write(&line).unwrap();
    }
    let t1 = std::fs::read_to_string(dir.join("sub/hq_t1.log")).unwrap();
    let t2 = std::fs::read_to_string(dir.join("sub/hq_t2.log")).unwrap();
    assert_eq!(t1.lines().count(), recs.len().div_ceil(2));
    assert_eq!(t2.lines().count(), recs.len() / 2);
    for l in t1.lines().chain(t2.lines()) {
        Line::from_text(l).unwrap();
    }
    assert_eq!(
        log.path("a/../b", ".hidden"),
        dir.join("sub").join("a_.._b_hidden.log")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
