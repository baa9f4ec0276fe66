//! ESP traffic as proof that the peer is alive, for dead peer detection.
//!
//! RFC 7296 2.4: a liveness check is only needed when nothing cryptographically protected
//! arrived from the peer; an ESP packet that the kernel authenticated and decrypted counts.
//! Every [`ESP_CHECK`] the core reads the packet counter of each DPD-enabled tunnel's newest
//! inbound SA and tells the engine when it grew, so a tunnel that carries traffic sends no
//! INFORMATIONAL probes (as strongSwan and libreswan do). Reads counters only; never changes
//! kernel state and never decides that a peer is dead (the engine's timeout does).

use ike::v2::Instant;
use xfrm::KernelBackend;

use super::status::sa_counters;
use super::Daemon;
use crate::transport::Transport;

/// How often inbound ESP counters are read: half the default DPD delay (10 s), so a tunnel
/// with traffic postpones its check before it is due.
pub const ESP_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

impl<K: KernelBackend, T: Transport> Daemon<K, T> {
    /// Reads the counters when due and reports the inbound SAs that received packets.
    pub(super) fn esp_liveness(&mut self, now: Instant) {
        if self.esp_check_at.is_some_and(|t| t > now) {
            return;
        }
        self.esp_check_at = Some(now + ESP_CHECK);
        let mut alive = Vec::new();
        for t in self.tunnels.iter_mut() {
            let Some(c) = t
                .state
                .children
                .last()
                .filter(|_| t.dpd_enabled && !t.removed)
            else {
                t.esp_seen = None;
                continue;
            };
            let Some(counters) = sa_counters(&mut self.kernel, t.local, c.spi_in, &t.binding)
            else {
                continue;
            };
            let grew = match t.esp_seen {
                Some((spi, packets)) if spi == c.spi_in => counters.packets > packets,
                _ => counters.packets > 0,
            };
            t.esp_seen = Some((c.spi_in, counters.packets));
            if grew {
                alive.push(c.spi_in);
            }
        }
        for spi in alive {
            self.endpoint.inbound_esp(now, spi);
        }
    }

    /// When the counters are next read (only while some tunnel has DPD and a Child SA).
    pub(super) fn esp_liveness_timeout(&self) -> Option<Instant> {
        let any = self
            .tunnels
            .iter()
            .any(|t| t.dpd_enabled && !t.removed && !t.state.children.is_empty());
        any.then_some(self.esp_check_at).flatten()
    }
}
