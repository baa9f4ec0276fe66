//! Every log line of an exchange carries its IKE SA's span: `ike_sa{tunnel=.. spi_i=..}`.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ike::v2::Instant;

use super::tests::{daemon, EAST, WEST};
use crate::transport::SimNetwork;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn exchange_log_lines_carry_the_tunnel_and_the_initiator_spi() {
    let buf = Buf::default();
    let out = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || out.clone())
        .with_ansi(false)
        .finish();
    // The process-wide default: callsite interest is cached process-wide, so a scoped
    // subscriber races with the other tests' threads (which then log here too: the checks
    // below look for one IKE SA seen from both sides).
    tracing::subscriber::set_global_default(subscriber).unwrap();
    {
        let net = SimNetwork::new();
        let mut west = daemon(WEST, &net, 1, 0xc000_0100);
        let mut east = daemon(EAST, &net, 2, 0xd000_0100);
        let mut now = Instant::default();
        west.start(now).unwrap();
        east.start(now).unwrap();
        for _ in 0..300 {
            for d in [&mut west, &mut east] {
                d.handle_transport(now);
                if d.poll_timeout().is_some_and(|t| t <= now) {
                    d.handle_timeout(now);
                }
            }
            now = now + Duration::from_millis(10);
        }
    }
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let est: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("CHILD SA established") || l.contains("op=add sa"))
        .collect();
    assert!(est.len() >= 2, "{text}");
    // Both sides name the same IKE SA (the initiator's SPI) and their own tunnel.
    let spi = |l: &str| {
        l.split("spi_i=")
            .nth(1)
            .map(|r| r.chars().take(16).collect::<String>())
    };
    let spis_of = |tunnel: &str| -> std::collections::BTreeSet<String> {
        est.iter()
            .filter(|l| l.contains(&format!("ike_sa{{tunnel={tunnel} spi_i=")))
            .filter_map(|l| spi(l))
            .collect()
    };
    let (w, e) = (spis_of("east/t1"), spis_of("west/t1"));
    assert!(!w.is_empty() && !e.is_empty(), "{text}");
    assert!(w.intersection(&e).next().is_some(), "{w:?} {e:?}");
    assert!(!w.contains("0000000000000000"));
}
