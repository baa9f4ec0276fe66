//! Inbound Child SA SPIs from the kernel (XFRM_MSG_ALLOCSPI), so they never collide with the
//! SAs of another IPsec daemon on the host: [`KernelSpis`] is the engine's SPI source, sharing
//! one kernel handle ([`SharedKernel`]) with the daemon core; [`LarvalSpis`] remembers each
//! larval SA ALLOCSPI left until the core completes it (`UpdateSa`, never `AddSa`: the kernel
//! answers EEXIST) or deletes it (negotiation failed, IKE SA gone, or older than
//! [`LARVAL_TTL`]), so no larval SA is left behind.
//!
//! It never logs key material (a larval SA has none) and never touches SAs it did not allocate.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ike::v2::{Instant, SpiAllocator};
use xfrm::{KernelBackend, KernelEvent, KernelOp, KernelState, Mark, Proto, SaId, SpiRequest};

/// How long a larval SA may wait for its exchange; the kernel drops one after
/// `net.core.xfrm_acq_expires` (30 s by default) anyway.
pub const LARVAL_TTL: Duration = Duration::from_secs(30);

/// Inbound SPIs come from strongSwan's customary range (any range works; RFC 4303 2.1 only
/// reserves 1..=255).
const SPI_MIN: u32 = 0xc000_0000;
const SPI_MAX: u32 = 0xcfff_ffff;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-updated: use them as they are.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One kernel backend shared by the daemon core and the SPI source.
#[derive(Debug)]
pub struct SharedKernel<K>(Arc<Mutex<K>>);

impl<K> Clone for SharedKernel<K> {
    fn clone(&self) -> Self {
        SharedKernel(Arc::clone(&self.0))
    }
}

impl<K: KernelBackend> SharedKernel<K> {
    /// Shares `k`.
    pub fn new(k: K) -> Self {
        SharedKernel(Arc::new(Mutex::new(k)))
    }

    /// Runs `f` on the backend (tests inspect a `MemoryKernel` through it).
    pub fn with<R>(&self, f: impl FnOnce(&mut K) -> R) -> R {
        f(&mut lock(&self.0))
    }
}

impl<K: KernelBackend> KernelBackend for SharedKernel<K> {
    fn alloc_spi(&mut self, req: &SpiRequest) -> xfrm::error::Result<u32> {
        lock(&self.0).alloc_spi(req)
    }
    fn apply(&mut self, op: &KernelOp) -> xfrm::error::Result<()> {
        lock(&self.0).apply(op)
    }
    fn snapshot(&mut self) -> xfrm::error::Result<KernelState> {
        lock(&self.0).snapshot()
    }
    fn poll_event(&mut self) -> Option<KernelEvent> {
        lock(&self.0).poll_event()
    }
    fn sa_counters(&mut self, id: &SaId) -> xfrm::error::Result<Option<xfrm::SaCounters>> {
        lock(&self.0).sa_counters(id)
    }
}

#[derive(Debug, Clone, Copy)]
struct Larval {
    src: IpAddr,
    mark: Option<Mark>,
    /// When the core first saw it (the allocator has no clock).
    since: Option<Instant>,
}

#[derive(Debug, Default)]
struct Inner {
    map: BTreeMap<(IpAddr, u32), Larval>,
    bindings: Vec<SpiBinding>,
}

/// The larval SAs ALLOCSPI left and nobody completed or deleted yet, keyed by (dst, SPI), and
/// the tunnels' kernel tags the allocation asks for (set by the core).
#[derive(Debug, Clone, Default)]
pub struct LarvalSpis(Arc<Mutex<Inner>>);

impl LarvalSpis {
    fn insert(&self, dst: IpAddr, spi: u32, l: Larval) {
        lock(&self.0).map.insert((dst, spi), l);
    }

    /// The tunnels' addresses and tags (the core sets them when it takes this handle).
    pub fn set_bindings(&self, bindings: Vec<SpiBinding>) {
        lock(&self.0).bindings = bindings;
    }

    /// The reqid and mark for an inbound SA from `src` to `dst`: the tunnel with both
    /// addresses, else (behind a NAT the peer's address is not the configured one) the first
    /// tunnel on our address.
    fn binding(&self, src: IpAddr, dst: IpAddr) -> Option<SpiBinding> {
        let g = lock(&self.0);
        g.bindings
            .iter()
            .find(|b| b.local == dst && b.remote == src)
            .or_else(|| g.bindings.iter().find(|b| b.local == dst))
            .copied()
    }

    /// Forgets (dst, spi); true when it was a larval SA of ours (install it with UpdateSa).
    pub fn take(&self, dst: IpAddr, spi: u32) -> bool {
        lock(&self.0).map.remove(&(dst, spi)).is_some()
    }

    /// Stamps the SPIs allocated since the last call with `now`.
    pub fn stamp(&self, now: Instant) {
        for l in lock(&self.0).map.values_mut() {
            l.since.get_or_insert(now);
        }
    }

    /// When the oldest larval SA expires.
    pub fn deadline(&self) -> Option<Instant> {
        lock(&self.0)
            .map
            .values()
            .filter_map(|l| l.since)
            .min()
            .map(|t| t + LARVAL_TTL)
    }

    /// Removes and returns the larval SAs to delete: every one from `src` to `dst` when
    /// given (that exchange failed or its IKE SA is gone), and every one older than
    /// [`LARVAL_TTL`] at `now`.
    pub fn drain(&self, now: Instant, pair: Option<(IpAddr, IpAddr)>) -> Vec<SaId> {
        let mut g = lock(&self.0);
        let m = &mut g.map;
        let gone: Vec<(IpAddr, u32)> = m
            .iter()
            .filter(|((dst, _), l)| {
                pair.is_some_and(|(s, d)| s == l.src && d == *dst)
                    || l.since
                        .is_some_and(|t| now.saturating_since(t) >= LARVAL_TTL)
            })
            .map(|(k, _)| *k)
            .collect();
        gone.into_iter()
            .filter_map(|k| {
                m.remove(&k).map(|l| SaId {
                    dst: k.0,
                    spi: k.1,
                    proto: Proto::Esp,
                    mark: l.mark,
                })
            })
            .collect()
    }

    /// Removes and returns every larval SA (shutdown).
    pub fn drain_all(&self) -> Vec<SaId> {
        std::mem::take(&mut lock(&self.0).map)
            .into_iter()
            .map(|((dst, spi), l)| SaId {
                dst,
                spi,
                proto: Proto::Esp,
                mark: l.mark,
            })
            .collect()
    }

    /// How many larval SAs are outstanding.
    pub fn len(&self) -> usize {
        lock(&self.0).map.len()
    }

    /// True when none is outstanding.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A tunnel's addresses and kernel tags, for the ALLOCSPI request.
#[derive(Debug, Clone, Copy)]
pub struct SpiBinding {
    pub local: IpAddr,
    pub remote: IpAddr,
    pub reqid: u32,
    pub mark: Option<u32>,
}

/// The engine's SPI source: XFRM_MSG_ALLOCSPI on the shared kernel.
#[derive(Debug)]
pub struct KernelSpis<K> {
    kernel: SharedKernel<K>,
    larval: LarvalSpis,
}

impl<K: KernelBackend> KernelSpis<K> {
    /// A source on `kernel` recording its larval SAs in `larval` (give the same `LarvalSpis`
    /// to the core with `Daemon::set_larval_spis`).
    pub fn new(kernel: SharedKernel<K>, larval: LarvalSpis) -> Self {
        KernelSpis { kernel, larval }
    }
}

impl<K: KernelBackend + std::fmt::Debug> SpiAllocator for KernelSpis<K> {
    fn allocate(&mut self, src: IpAddr, dst: IpAddr) -> Option<u32> {
        let b = self.larval.binding(src, dst);
        let mark = b.and_then(|b| b.mark).map(|value| Mark {
            value,
            mask: u32::MAX,
        });
        let req = SpiRequest {
            src,
            dst,
            proto: Proto::Esp,
            reqid: b.map_or(0, |b| b.reqid),
            mark,
            min: SPI_MIN,
            max: SPI_MAX,
        };
        match self.kernel.alloc_spi(&req) {
            Ok(spi) => {
                self.larval.insert(
                    dst,
                    spi,
                    Larval {
                        src,
                        mark,
                        since: None,
                    },
                );
                tracing::debug!(%src, %dst, spi = format_args!("{spi:#010x}"), "SPI allocated");
                Some(spi)
            }
            Err(e) => {
                tracing::error!(%src, %dst, error = %e, "SPI allocation (ALLOCSPI) failed");
                None
            }
        }
    }
}
