//! Inbound SPIs from ALLOCSPI in the whole core: two daemons whose engines take SPIs from their
//! (shared) `MemoryKernel`s establish with `UpdateSa` on the larval SAs, and a failed
//! negotiation or an SPI left unused never leaves a larval SA behind.

use std::time::Duration;

use ike::crypto::CryptoProvider;
use ike::v2::Instant;
use xfrm::{KernelOp, MemoryKernel};

use super::tests::{run, EAST, WEST};
use super::{Daemon, KernelSpis, LarvalSpis, SharedKernel};
use crate::transport::{Ports, SimNetwork, SimTransport};

type Shared = SharedKernel<MemoryKernel>;
type SpiDaemon = Daemon<Shared, SimTransport>;

fn daemon(yaml: &str, net: &SimNetwork) -> (SpiDaemon, Shared) {
    let site = policy::load(yaml, "sim.yaml").unwrap();
    let plan = crate::plan::plan(&site);
    let mapped = crate::config_map::map_site(&site, &plan, &|_| unreachable!()).unwrap();
    let addrs: Vec<_> = mapped.iter().map(|m| m.config.local.ip()).collect();
    let t = net.transport(&addrs, Ports::default());
    let kernel = SharedKernel::new(MemoryKernel::new());
    let larval = LarvalSpis::default();
    let spis = KernelSpis::new(kernel.clone(), larval.clone());
    let mut d = Daemon::new(
        &site,
        plan,
        mapped,
        kernel.clone(),
        t,
        CryptoProvider::ring_default(),
        Box::new(spis),
    );
    d.set_larval_spis(larval);
    (d, kernel)
}

#[test]
fn inbound_sas_complete_the_larval_sas_of_allocspi() {
    let net = SimNetwork::new();
    let (mut west, wk) = daemon(WEST, &net);
    let (mut east, ek) = daemon(EAST, &net);
    let t0 = Instant::default();
    west.start(t0).unwrap();
    east.start(t0).unwrap();
    run(&mut west, &mut east, t0, 3);
    for k in [&wk, &ek] {
        k.with(|k| {
            let st = k.state();
            assert_eq!(st.sas.len(), 2, "{:?}", st.sas);
            assert!(st.larval.is_empty(), "larval SAs left: {:?}", st.larval);
            // The inbound SA went in as UPDSA on the SPI ALLOCSPI chose (RFC 4303 2.1: the
            // receiver picks its SPI), the outbound one as NEWSA.
            let upd: Vec<u32> = k
                .log()
                .iter()
                .filter_map(|o| match o {
                    KernelOp::UpdateSa(sa) => Some(sa.spi),
                    _ => None,
                })
                .collect();
            assert_eq!(upd.len(), 1, "{:?}", k.log());
            assert!((0xc000_0000..=0xcfff_ffff).contains(&upd[0]));
            assert_eq!(
                k.log()
                    .iter()
                    .filter(|o| matches!(o, KernelOp::AddSa(_)))
                    .count(),
                1
            );
        });
    }
    assert!(west.larval.is_empty() && east.larval.is_empty());
}

#[test]
fn a_failed_negotiation_leaves_no_larval_sa() {
    let net = SimNetwork::new();
    let (mut west, wk) = daemon(WEST, &net);
    // East allows another ESP cipher only: IKE_AUTH's Child SA fails (NO_PROPOSAL_CHOSEN)
    // after both sides allocated an inbound SPI.
    let east_yaml = EAST.replace(
        "phase2_encryption: [aes128-gcm-16]",
        "phase2_encryption: [aes256]\n        phase2_integrity: [sha2-256]",
    );
    let (mut east, ek) = daemon(&east_yaml, &net);
    let t0 = Instant::default();
    west.start(t0).unwrap();
    east.start(t0).unwrap();
    let now = run(&mut west, &mut east, t0, 3);
    assert!(
        wk.with(|k| k.log().iter().any(|o| matches!(o, KernelOp::DelSa(_)))),
        "west never deleted its larval SA"
    );
    for k in [&wk, &ek] {
        k.with(|k| {
            assert!(k.state().sas.is_empty());
            assert!(k.state().larval.is_empty(), "{:?}", k.state().larval);
        });
    }
    // Whatever is still pending goes after LARVAL_TTL at the latest.
    run(&mut west, &mut east, now, 35);
    assert!(west.larval.is_empty() && east.larval.is_empty());
}

#[test]
fn an_unused_spi_is_removed_after_the_ttl_and_at_flush() {
    let net = SimNetwork::new();
    let (mut west, wk) = daemon(WEST, &net);
    let t0 = Instant::default();
    west.start(t0).unwrap();
    let larval = west.larval.clone();
    let mut spis = KernelSpis::new(wk.clone(), larval.clone());
    let a = "198.51.100.1".parse().unwrap();
    let b = "192.0.2.1".parse().unwrap();
    let spi = ike::v2::SpiAllocator::allocate(&mut spis, a, b).unwrap();
    // The tunnel's reqid went into the request.
    wk.with(|k| {
        assert_eq!(k.state().larval.len(), 1);
        assert_eq!(k.state().larval[0].reqid, crate::plan::REQID_BASE);
    });
    west.handle_timeout(t0);
    assert_eq!(
        west.poll_timeout()
            .map(|t| t <= t0 + super::spis::LARVAL_TTL),
        Some(true)
    );
    west.handle_timeout(t0 + Duration::from_secs(29));
    assert_eq!(wk.with(|k| k.state().larval.len()), 1);
    west.handle_timeout(t0 + Duration::from_secs(31));
    assert!(wk.with(|k| k.state().larval.is_empty()));
    assert!(larval.is_empty());
    assert!(!larval.take(b, spi));
    // One more, removed by the shutdown flush.
    ike::v2::SpiAllocator::allocate(&mut spis, a, b).unwrap();
    west.flush().unwrap();
    assert!(wk.with(|k| k.state().larval.is_empty()));
}
