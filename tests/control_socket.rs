//! Control socket round trips: an in-process `ControlServer` on a tokio thread, a fake core
//! answering from the mpsc channel, and the blocking `ControlClient` the CLI uses. Also the
//! socket's mode, stale-socket replacement, refusal of a second daemon, malformed requests,
//! the "daemon not running" message, and the StatusReport JSON document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};
use xfrmd::control::{
    ControlClient, ControlRequest, ControlServer, Phase1Algorithms, Phase2Algorithms, PhaseState,
    ProbeState, ProbeStatus, Request, Response, StatusReport, TunnelStatus,
};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("xfrmd-ctl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn sample_report() -> StatusReport {
    StatusReport {
        version: "0.1.0".into(),
        uptime_seconds: 3725,
        config: Some("/etc/xfrmd/site.yaml".into()),
        tunnels: vec![TunnelStatus {
            connection: "hq".into(),
            tunnel: "t1".into(),
            local: "192.0.2.1".parse().unwrap(),
            remote: "198.51.100.1".parse().unwrap(),
            interface: Some("xfrm-hq-t1".into()),
            admin_down: false,
            ike_phase1_state: PhaseState::Established,
            ike_phase2_state: PhaseState::Established,
            phase1: Some(Phase1Algorithms {
                ike_version: "ikev2".into(),
                encryption: "AES256-GCM-16".into(),
                integrity: None,
                dh_group: 19,
            }),
            phase2: Some(Phase2Algorithms {
                encryption: "AES256-GCM-16".into(),
                integrity: None,
                dh_group: Some(19),
                spi_in: 0xc0de_0001,
                spi_out: 0xc0de_0002,
            }),
            nat_t_detected: false,
            dpd_enabled: true,
            uptime_seconds: Some(3600),
            bytes_in: 1_048_576,
            bytes_out: 2_097_152,
            packets_in: 1024,
            packets_out: 2048,
            route_active: true,
            last_error: None,
            probe: Some(ProbeStatus {
                state: ProbeState::Up,
                rtt_us: Some(1830),
                sent: 18000,
                lost: 2,
                healthy: true,
            }),
        }],
    }
}

/// Starts a server at `path` with a fake core that records requests and answers them.
fn start(path: &Path, seen: Arc<Mutex<Vec<Request>>>) -> (JoinHandle<()>, oneshot::Sender<()>) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let path = path.to_owned();
    let h = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = ControlServer::bind(&path).unwrap();
            let (tx, mut rx) = mpsc::channel::<ControlRequest>(8);
            ready_tx.send(()).unwrap();
            // The fake synchronous core.
            let core = async move {
                while let Some(m) = rx.recv().await {
                    seen.lock().unwrap().push(m.request.clone());
                    let r = match m.request {
                        Request::Status => Some(Response::Status(sample_report())),
                        Request::Up { connection, .. } if connection == "nope" => {
                            Some(Response::Error {
                                message: "no connection named nope".into(),
                            })
                        }
                        Request::Up { connection, tunnel } => Some(Response::Done {
                            message: format!(
                                "initiating {connection}/{}",
                                tunnel.unwrap_or_default()
                            ),
                        }),
                        Request::Down { .. } | Request::Stop { .. } | Request::Rekey { .. } => {
                            Some(Response::Done {
                                message: "down".into(),
                            })
                        }
                        // No answer (reply dropped): the client must get an error, not hang.
                        Request::Reload => None,
                    };
                    if let Some(r) = r {
                        let _ = m.reply.send(r);
                    }
                }
            };
            tokio::select! {
                r = server.serve(tx) => r.unwrap(),
                _ = core => {}
                _ = stop_rx => {}
            }
        });
    });
    ready_rx.recv().unwrap();
    (h, stop_tx)
}

#[test]
fn round_trips_through_the_fake_core() {
    let dir = scratch("roundtrip");
    let path = dir.join("control.sock");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (h, stop) = start(&path, seen.clone());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    let c = ControlClient::new(&path);
    assert_eq!(
        c.request(&Request::Status).unwrap(),
        Response::Status(sample_report())
    );
    let (connection, tunnel) = Request::target("hq/t1").unwrap();
    let up = Request::Up { connection, tunnel };
    assert_eq!(
        c.request(&up).unwrap(),
        Response::Done {
            message: "initiating hq/t1".into()
        }
    );
    let err = c
        .request(&Request::Up {
            connection: "nope".into(),
            tunnel: None,
        })
        .unwrap();
    assert!(matches!(err, Response::Error { ref message } if message.contains("nope")));
    let down = Request::Down {
        connection: "hq".into(),
        tunnel: None,
    };
    c.request(&down).unwrap();
    let dropped = c.request(&Request::Reload).unwrap();
    assert!(matches!(dropped, Response::Error { ref message } if message.contains("dropped")));
    assert_eq!(seen.lock().unwrap().len(), 5);
    assert_eq!(seen.lock().unwrap()[1], up);
    assert_eq!(seen.lock().unwrap()[3], down);

    // Several requests on one connection; a malformed one gets an error and the
    // connection stays usable.
    let s = UnixStream::connect(&path).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    w.write_all(b"{\"request\":\"shutdown\"}\n").unwrap();
    r.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("{\"response\":\"error\",\"message\":\"invalid request"),
        "{line}"
    );
    line.clear();
    w.write_all(b"{\"request\":\"status\"}\n").unwrap();
    r.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("{\"response\":\"status\",\"version\":\"0.1.0\""),
        "{line}"
    );

    // A second daemon on the same socket is refused.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = rt.block_on(async { ControlServer::bind(&path).unwrap_err() });
    assert!(e.to_string().contains("already listening"), "{e}");

    stop.send(()).unwrap();
    h.join().unwrap();
    assert!(!path.exists(), "dropping the server removes the socket");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stale_socket_is_replaced_and_regular_file_is_not() {
    let dir = scratch("stale");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("control.sock");
    // A socket file nobody listens on (a dead daemon's).
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let (h, stop) = start(&path, Arc::default());
    assert!(ControlClient::new(&path).request(&Request::Status).is_ok());
    stop.send(()).unwrap();
    h.join().unwrap();

    let file = dir.join("not-a-socket");
    std::fs::write(&file, "keep me").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = rt.block_on(async { ControlServer::bind(&file).unwrap_err() });
    assert!(e.to_string().contains("not a socket"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn daemon_not_running_message() {
    let e = ControlClient::new("/nonexistent/xfrmd/control.sock")
        .request(&Request::Status)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot reach xfrmd at /nonexistent/xfrmd/control.sock: No such file or directory \
         (is the daemon running?)"
    );
}

#[test]
fn status_report_json_is_the_documented_document() {
    // Must match the example in StatusReport's doc comment (whitespace aside).
    let want = r#"{"version":"0.1.0","uptime_seconds":3725,"config":"/etc/xfrmd/site.yaml","tunnels":[
 {"connection":"hq","tunnel":"t1","local":"192.0.2.1","remote":"198.51.100.1",
  "interface":"xfrm-hq-t1","admin_down":false,
  "ike_phase1_state":"Established","ike_phase2_state":"Established",
  "phase1":{"ike_version":"ikev2","encryption":"AES256-GCM-16","integrity":null,"dh_group":19},
  "phase2":{"encryption":"AES256-GCM-16","integrity":null,"dh_group":19,
            "spi_in":3235774465,"spi_out":3235774466},
  "nat_t_detected":false,"dpd_enabled":true,"uptime_seconds":3600,
  "bytes_in":1048576,"bytes_out":2097152,"packets_in":1024,"packets_out":2048,
  "route_active":true,"last_error":null,
  "probe":{"state":"up","rtt_us":1830,"sent":18000,"lost":2,"healthy":true}}]}"#;
    let compact: String = want.split_whitespace().collect();
    assert_eq!(serde_json::to_string(&sample_report()).unwrap(), compact);
    let back: StatusReport = serde_json::from_str(want).unwrap();
    assert_eq!(back, sample_report());
}

#[test]
fn status_table_shows_states_algorithms_spis_and_errors() {
    let mut r = sample_report();
    let mut down = r.tunnels[0].clone();
    down.tunnel = "t2".into();
    down.remote = "203.0.113.9".parse().unwrap();
    down.interface = Some("xfrm-hq-t2".into());
    down.ike_phase1_state = PhaseState::Negotiating;
    down.ike_phase2_state = PhaseState::Down;
    down.phase1 = None;
    down.phase2 = None;
    down.nat_t_detected = true;
    down.uptime_seconds = None;
    down.route_active = false;
    down.probe = Some(ProbeStatus {
        state: ProbeState::Down,
        rtt_us: None,
        sent: 40,
        lost: 3,
        healthy: false,
    });
    down.last_error = Some("No matching proposal found".into());
    r.tunnels.push(down);
    let text = xfrmd::control::table::render(&r);
    let want = "\
xfrmd 0.1.0, up 1h02m05s, config /etc/xfrmd/site.yaml, 2 tunnel(s)
TUNNEL  REMOTE        INTERFACE   PHASE1       PHASE2       NAT-T  DPD  UPTIME    IN            OUT
hq/t1   198.51.100.1  xfrm-hq-t1  Established  Established  no     yes  1h00m00s  1.0MiB/1024p  2.0MiB/2048p
  phase 1: ikev2 AES256-GCM-16 DH19
  phase 2: AES256-GCM-16 PFS DH19, SPI in 0xc0de0001 out 0xc0de0002
  health: healthy, probes up, rtt 1.8ms, lost 2/18000; routes: carrying traffic
hq/t2   203.0.113.9   xfrm-hq-t2  Negotiating  Down         yes    yes  -         1.0MiB/1024p  2.0MiB/2048p
  health: unhealthy, probes down, rtt -, lost 3/40; routes: not installed
  last error: No matching proposal found
";
    assert_eq!(text, want, "\n{text}");
}

fn xfrmd(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xfrmd"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn cli_status_up_down_reload_against_the_fake_daemon() {
    let dir = scratch("cli");
    let path = dir.join("control.sock");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (h, stop) = start(&path, seen.clone());
    let p = path.to_str().unwrap();

    let (code, out, err) = xfrmd(&["status", "--json", "--control", p]);
    assert_eq!(code, 0, "{err}");
    let r: StatusReport = serde_json::from_str(&out).unwrap();
    assert_eq!(r, sample_report());

    let (code, out, _) = xfrmd(&["status", "--control", p]);
    assert_eq!(code, 0);
    assert!(out.starts_with("xfrmd 0.1.0, up 1h02m05s"), "{out}");
    assert!(out.contains("SPI in 0xc0de0001 out 0xc0de0002"), "{out}");

    assert_eq!(
        xfrmd(&["up", "hq/t1", "--control", p]).1,
        "initiating hq/t1\n"
    );
    let (code, _, err) = xfrmd(&["up", "nope", "--control", p]);
    assert_eq!(
        (code, err.as_str()),
        (1, "xfrmd: no connection named nope\n")
    );
    assert_eq!(xfrmd(&["down", "hq", "--control", p]).0, 0);
    let (code, _, err) = xfrmd(&["down", "hq/", "--control", p]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = xfrmd(&["reload", "--control", p]);
    assert_eq!(
        (code, err.as_str()),
        (1, "xfrmd: the daemon dropped the request\n")
    );

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen[2..],
        [
            Request::Up {
                connection: "hq".into(),
                tunnel: Some("t1".into())
            },
            Request::Up {
                connection: "nope".into(),
                tunnel: None
            },
            Request::Down {
                connection: "hq".into(),
                tunnel: None
            },
            Request::Reload,
        ]
    );
    stop.send(()).unwrap();
    h.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_says_when_the_daemon_is_not_running() {
    let (code, out, err) = xfrmd(&["status", "--control", "/nonexistent/xfrmd.sock"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "xfrmd: cannot reach xfrmd at /nonexistent/xfrmd.sock: No such file or directory \
         (is the daemon running?)\n"
    );
}
