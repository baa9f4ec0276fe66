//! Liveness check (RFC 7296 2.4: an empty INFORMATIONAL request) and the SA's timer
//! schedule: when to probe, when to rekey the IKE SA and its Child SAs.
//!
//! Probes are sent after `dpd_delay` without inbound IKE traffic; the endpoint declares the
//! peer dead when a request stays unanswered for `dpd_timeout`. Never touches keys.

use super::{Outcome, Pending};
use crate::config::ConnectionConfig;
use crate::v2::child_sa::ChildState;
use crate::v2::ike_sa::{Ctx, IkeSa, Queued};
use crate::v2::types::Instant;
use crate::wire::v2::ExchangeType;

/// Sends the empty INFORMATIONAL probe.
pub fn start(ctx: &mut Ctx<'_>, sa: &mut IkeSa) -> Outcome {
    ctx.request(sa, ExchangeType::INFORMATIONAL, Vec::new(), Pending::Dpd);
    Outcome::Keep
}

fn enqueue(sa: &mut IkeSa, q: Queued) {
    if !sa.queue.contains(&q) {
        sa.queue.push_back(q);
    }
}

/// Queues whatever is due at `now` on an established SA with no outstanding request.
pub fn schedule(now: Instant, sa: &mut IkeSa, cfg: &ConnectionConfig) {
    if sa.rekeyed {
        return;
    }
    if sa.rekey_at.is_some_and(|t| t <= now) {
        sa.rekey_at = None;
        enqueue(sa, Queued::RekeyIke);
    }
    let due: Vec<_> = sa
        .children
        .iter()
        .filter(|c| c.state == ChildState::Installed && c.rekey_at <= now)
        .map(|c| c.id)
        .collect();
    for id in due {
        enqueue(sa, Queued::RekeyChild(id));
    }
    if !cfg.dpd_delay.is_zero() && now >= sa.last_inbound + cfg.dpd_delay && sa.queue.is_empty() {
        enqueue(sa, Queued::Dpd);
    }
}

/// The next instant this SA needs `handle_timeout`.
pub fn next_timer(sa: &IkeSa, cfg: &ConnectionConfig) -> Option<Instant> {
    let t = match (
        next_protocol_timer(sa, cfg),
        crate::v2::child_sa::next_release(&sa.children),
    ) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match (
        t,
        sa.keepalive_at
            .filter(|_| sa.is_established() && sa.nat_local),
    ) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// RFC 3948 2.3: the NAT-keepalive interval (20 s is the common default).
pub const KEEPALIVE: std::time::Duration = std::time::Duration::from_secs(20);

fn next_protocol_timer(sa: &IkeSa, cfg: &ConnectionConfig) -> Option<Instant> {
    if let Some((o, _)) = &sa.outstanding {
        let mut t = o.next;
        if sa.is_established() && !cfg.dpd_delay.is_zero() && !sa.dpd_reported {
            t = t.min(o.first_sent + cfg.dpd_timeout);
        }
        return Some(t);
    }
    if !sa.is_established() {
        return sa.half_open_deadline;
    }
    if sa.rekeyed {
        return None;
    }
    let mut t: Option<Instant> = sa.rekey_at;
    let kids = sa
        .children
        .iter()
        .filter(|c| c.state == ChildState::Installed)
        .map(|c| c.rekey_at);
    for k in kids {
        t = Some(t.map_or(k, |t| t.min(k)));
    }
    if !cfg.dpd_delay.is_zero() {
        let d = sa.last_inbound + cfg.dpd_delay;
        t = Some(t.map_or(d, |t| t.min(d)));
    }
    t
}
