//! The tunnel activity log (REQUIREMENTS §10.1-§10.2, issue 8): one line per tunnel event,
//! as JSON or as `key=value` text, with the cloud gateways' fields `event_timestamp`,
//! `timestamp`, `dpd_enabled`, `nat_t_detected`, `ike_phase1_state`, `ike_phase2_state` and
//! `details`, plus `connection` and `tunnel`.
//!
//! Flow: the daemon core hands every engine event of a tunnel to its [`Recorder`] together
//! with the tunnel's [`Facts`] after the event; the recorder turns it into a [`Record`]
//! (plain-words `details`, a [`Kind`] for the metrics counters) and queues it. The tokio shell
//! drains the queue, stamps each record with the wall clock ([`Record::stamp`]), writes it
//! with [`ActivityLog`] and counts it in the metrics. This module never reads a clock itself
//! (the shell passes the time), never decides anything about tunnels, and never sees key
//! material: engine events carry names, SPIs and algorithms only.

mod describe;
mod line;
mod writer;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use ike::v2::Event;

use crate::control::PhaseState;

pub use describe::FailureReason;
pub use line::{parse_text, Line, TextError};
pub use writer::ActivityLog;

/// What the core knows about a tunnel right after an event.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Connection name.
    pub connection: &'a str,
    /// Tunnel name.
    pub tunnel: &'a str,
    /// Dead peer detection is configured.
    pub dpd_enabled: bool,
    /// A NAT was detected on the path to the peer.
    pub nat_t_detected: bool,
    /// IKE SA state after the event.
    pub ike_phase1_state: PhaseState,
    /// CHILD SA state after the event.
    pub ike_phase2_state: PhaseState,
}

/// What happened, for the metrics counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// We started an exchange (kernel ACQUIRE, `xfrmd up`, startup).
    Initiating,
    /// An IKE SA is up.
    IkeEstablished,
    /// A CHILD SA is up.
    ChildEstablished,
    /// We started rekeying an IKE SA.
    IkeRekeying,
    /// We started rekeying a CHILD SA.
    ChildRekeying,
    /// An IKE SA was rekeyed.
    IkeRekeyed,
    /// A CHILD SA was rekeyed.
    ChildRekeyed,
    /// A CHILD SA ended.
    ChildClosed,
    /// An IKE SA ended.
    IkeClosed,
    /// DPD declared the peer dead.
    DpdTimeout,
    /// A negotiation failed.
    NegotiationFailed(FailureReason),
}

/// One tunnel event, not yet stamped with the wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Connection name.
    pub connection: String,
    /// Tunnel name.
    pub tunnel: String,
    /// DPD configured.
    pub dpd_enabled: bool,
    /// NAT detected.
    pub nat_t_detected: bool,
    /// IKE SA state after the event.
    pub ike_phase1_state: PhaseState,
    /// CHILD SA state after the event.
    pub ike_phase2_state: PhaseState,
    /// What happened.
    pub kind: Kind,
    /// The event in plain words.
    pub details: String,
}

impl Record {
    fn new(f: Facts<'_>, kind: Kind, details: String) -> Self {
        Record {
            connection: f.connection.to_owned(),
            tunnel: f.tunnel.to_owned(),
            dpd_enabled: f.dpd_enabled,
            nat_t_detected: f.nat_t_detected,
            ike_phase1_state: f.ike_phase1_state,
            ike_phase2_state: f.ike_phase2_state,
            kind,
            details,
        }
    }

    /// The log line for this record at `unix_ms` milliseconds since the Unix epoch.
    pub fn stamp(&self, unix_ms: u64) -> Line {
        Line {
            event_timestamp: unix_ms,
            timestamp: line::readable(unix_ms),
            connection: self.connection.clone(),
            tunnel: self.tunnel.clone(),
            dpd_enabled: self.dpd_enabled,
            nat_t_detected: self.nat_t_detected,
            ike_phase1_state: self.ike_phase1_state,
            ike_phase2_state: self.ike_phase2_state,
            details: self.details.clone(),
        }
    }
}

/// What a tunnel's recorder remembers between events: Child SA SPIs (a Delete names the SA,
/// the log names its SPI) and which IKE SAs were established (a timeout of one that never
/// was is a failed negotiation).
#[derive(Debug, Clone, Default)]
struct TunnelMemory {
    child_spis: BTreeMap<u64, (u32, u32)>,
    established_ike: BTreeSet<u64>,
}

/// Turns a tunnel's engine events into queued [`Record`]s.
#[derive(Debug, Default)]
pub struct Recorder {
    memory: BTreeMap<(String, String), TunnelMemory>,
    queue: VecDeque<Record>,
}

/// Records kept when nobody drains the queue (a core driven without a shell, e.g. tests):
/// the oldest are dropped beyond this.
const QUEUE_LIMIT: usize = 4096;

impl Recorder {
    /// An engine event of the tunnel described by `f` (`f` holds the state after the event).
    pub fn on_event(&mut self, f: Facts<'_>, ev: &Event) {
        let key = (f.connection.to_owned(), f.tunnel.to_owned());
        let mem = self.memory.entry(key).or_default();
        let (kind, details) = describe::describe(ev, &mem.child_spis, &mem.established_ike);
        match ev {
            Event::IkeSaEstablished { spi_i, .. } => {
                mem.established_ike.insert(*spi_i);
            }
            Event::IkeSaRekeyed {
                old_spi_i,
                new_spi_i,
                ..
            } => {
                mem.established_ike.remove(old_spi_i);
                mem.established_ike.insert(*new_spi_i);
            }
            Event::IkeSaClosed { spi_i, .. } => {
                mem.established_ike.remove(spi_i);
            }
            Event::ChildSaEstablished {
                child,
                spi_in,
                spi_out,
                ..
            } => {
                mem.child_spis.insert(child.0, (*spi_in, *spi_out));
            }
            Event::ChildSaRekeyed { old, .. } => {
                mem.child_spis.remove(&old.0);
            }
            Event::ChildSaClosed { child, .. } => {
                mem.child_spis.remove(&child.0);
            }
            Event::DpdDead { .. }
            | Event::NegotiationFailed { .. }
            | Event::ChildSaRekeying { .. }
            | Event::IkeSaRekeying { .. } => {}
        }
        self.push(Record::new(f, kind, details));
    }

    /// We start negotiating `f`'s tunnel (kernel ACQUIRE or `xfrmd up`).
    pub fn on_initiate(&mut self, f: Facts<'_>) {
        let details = "initiating: sending IKE_SA_INIT".to_owned();
        self.push(Record::new(f, Kind::Initiating, details));
    }

    /// The oldest queued record.
    pub fn poll(&mut self) -> Option<Record> {
        self.queue.pop_front()
    }

    fn push(&mut self, r: Record) {
        if self.queue.len() >= QUEUE_LIMIT {
            self.queue.pop_front();
        }
        self.queue.push_back(r);
    }
}

#[cfg(test)]
mod tests;
