//! One Child SA (an ESP pair): key derivation from KEYMAT (RFC 7296 2.17), the kernel
//! commands that install it (inbound before outbound, make-before-break) and delete it, and
//! its rekey schedule (lifetime - margin - random fuzz).
//!
//! Never sends IKE messages; the tasks decide when a Child SA is created or removed.

use super::ike_sa::{Ctx, IkeSa};
use super::proposal::esp_info;
use super::types::{ChildSaRef, CloseReason, Direction, Event, Instant, KernelCommand, Mode};
use crate::config::EspProposal;
use crate::crypto::kdf::child_sa_keys;
use crate::crypto::kernel::xfrm_algo;
use crate::crypto::Secret;
use crate::wire::v2::TrafficSelector;

/// Lifecycle of a Child SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    Installed,
    /// A rekey for it is in progress.
    Rekeying,
    /// Replaced; its deletion is in progress.
    Rekeyed,
}

/// An installed ESP pair.
#[derive(Debug, Clone)]
pub struct ChildSa {
    pub id: ChildSaRef,
    pub spi_in: u32,
    pub spi_out: u32,
    pub local_ts: Vec<TrafficSelector>,
    pub remote_ts: Vec<TrafficSelector>,
    pub state: ChildState,
    pub rekey_at: Instant,
    /// The Child SA this one replaced, if a rekey created it.
    pub replaces: Option<ChildSaRef>,
    /// Lowest nonce of the exchange that created it (RFC 7296 2.8.1 collisions).
    pub min_nonce: Vec<u8>,
    /// Created by an exchange we initiated.
    pub ours: bool,
    /// As responder of a rekey: the outbound SA, held back until the peer deletes the SA it
    /// replaces (or until the instant given), so we never send on an SA the initiator has
    /// not installed yet. See [`defer_outbound`].
    pub pending_out: Option<(KernelCommand, Instant)>,
}

/// Inputs of one negotiated Child SA.
#[derive(Debug)]
pub struct NewChild<'a> {
    /// We initiated the exchange that created it (decides the KEYMAT halves).
    pub we_initiated: bool,
    pub prop: EspProposal,
    pub spi_in: u32,
    pub spi_out: u32,
    pub ni: &'a [u8],
    pub nr: &'a [u8],
    pub g_ir: Option<&'a Secret>,
    pub local_ts: Vec<TrafficSelector>,
    pub remote_ts: Vec<TrafficSelector>,
}

/// Derives keys, emits InstallChildSa inbound then outbound, and the event. Returns None if
/// keys could not be derived (then nothing was emitted).
pub fn install(ctx: &mut Ctx<'_>, sa: &IkeSa, n: NewChild<'_>) -> Option<ChildSa> {
    let keys = sa.keys.as_ref()?;
    let p = n.prop;
    let integ = if p.encr.is_aead() { None } else { p.integ };
    // RFC 7296 2.17: KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr); initiator->responder keys first.
    let k = child_sa_keys(
        keys.suite.prf,
        &keys.keys.sk_d,
        n.g_ir,
        n.ni,
        n.nr,
        p.encr,
        integ,
    )
    .ok()?;
    let (out_e, out_a, in_e, in_a) = if n.we_initiated {
        (&k.encr_i, &k.integ_i, &k.encr_r, &k.integ_r)
    } else {
        (&k.encr_r, &k.integ_r, &k.encr_i, &k.integ_i)
    };
    let algo_in = xfrm_algo(p.encr, integ, in_e, in_a)?;
    let algo_out = xfrm_algo(p.encr, integ, out_e, out_a)?;
    let id = ctx.child_ref();
    let cfg = ctx.cfg;
    let encap = sa.nat_detected.then(|| (sa.local.port(), sa.remote.port()));
    let (l, r) = (sa.local.ip(), sa.remote.ip());
    for (direction, spi, src, dst, algo) in [
        (Direction::Inbound, n.spi_in, r, l, algo_in),
        (Direction::Outbound, n.spi_out, l, r, algo_out),
    ] {
        ctx.out.commands.push_back(KernelCommand::InstallChildSa {
            child: id,
            tunnel: cfg.tunnel,
            direction,
            spi,
            src,
            dst,
            mode: Mode::Tunnel,
            encap: match direction {
                Direction::Inbound => encap.map(|(a, b)| (b, a)),
                Direction::Outbound => encap,
            },
            algo,
            replay_window: cfg.replay_window,
            esn: p.esn,
            local_ts: n.local_ts.clone(),
            remote_ts: n.remote_ts.clone(),
            hard_lifetime: cfg.child_lifetime,
            byte_limits: None,
        });
    }
    ctx.event(Event::ChildSaEstablished {
        tunnel: cfg.tunnel,
        child: id,
        spi_in: n.spi_in,
        spi_out: n.spi_out,
        suite: esp_info(&p),
        local_ts: n.local_ts.clone(),
        remote_ts: n.remote_ts.clone(),
    });
    Some(ChildSa {
        id,
        spi_in: n.spi_in,
        spi_out: n.spi_out,
        local_ts: n.local_ts,
        remote_ts: n.remote_ts,
        state: ChildState::Installed,
        rekey_at: rekey_time(ctx),
        replaces: None,
        min_nonce: n.ni.min(n.nr).to_vec(),
        ours: n.we_initiated,
        pending_out: None,
    })
}

/// Lifetime minus margin minus a random share (fuzz %) of the margin.
pub fn rekey_time(ctx: &Ctx<'_>) -> Instant {
    ctx.now + rekey_after(ctx, ctx.cfg.child_lifetime)
}

/// [`ConnectionConfig::rekey_after`](crate::config::ConnectionConfig::rekey_after) with the
/// engine's randomness.
pub fn rekey_after(ctx: &Ctx<'_>, lifetime: std::time::Duration) -> std::time::Duration {
    ctx.cfg
        .rekey_after(lifetime, |m| ctx.provider.random_upto(m))
}

/// How long a rekey responder waits for the initiator's Delete of the old Child SA before
/// it moves its own traffic to the new SA anyway.
pub const DEFER_OUTBOUND_MAX: std::time::Duration = std::time::Duration::from_secs(10);

/// Rekey responder: takes the new Child SA's outbound install back out of the command queue
/// (the inbound one stays: RFC 7296 2.8, "a node MUST accept incoming packets through
/// either SA") and keeps it in the Child SA until the old SA is deleted. The initiator
/// installs its inbound SA only when our CREATE_CHILD_SA response arrives; sending on the
/// new SA before that loses packets, so the outbound moves when the initiator deletes the
/// old pair, as the initiator of a rekey does (2.8: it deletes the replaced SA).
pub fn defer_outbound(ctx: &mut Ctx<'_>, c: &mut ChildSa) {
    defer_outbound_for(ctx, c, DEFER_OUTBOUND_MAX);
}

/// How long the responder of an IKE_AUTH holds the new Child SA's outbound SA back when the
/// tunnel already has an established Child SA from another IKE SA (a peer that restarted and
/// adopted its kernel SAs, or a reauthentication, RFC 7296 2.8.3): the initiator installs its
/// inbound SA only when our response arrives, and until then the old pair still carries the
/// traffic both ways. One second covers a round trip and the initiator's kernel work.
pub const DEFER_FIRST_OUTBOUND: std::time::Duration = std::time::Duration::from_secs(1);

/// Takes the outbound install of `c` out of the command queue and holds it for `d` (or, for
/// a rekey, until the SA it replaces is deleted).
pub fn defer_outbound_for(ctx: &mut Ctx<'_>, c: &mut ChildSa, d: std::time::Duration) {
    let pos = ctx.out.commands.iter().position(|k| {
        matches!(k, KernelCommand::InstallChildSa { child, direction: Direction::Outbound, .. }
            if *child == c.id)
    });
    if let Some(cmd) = pos.and_then(|p| ctx.out.commands.remove(p)) {
        c.pending_out = Some((cmd, ctx.now + d));
    }
}

/// Installs every held-back outbound SA whose predecessor is gone or whose wait is over.
pub fn release_outbound(now: Instant, children: &mut [ChildSa]) -> Vec<KernelCommand> {
    let live: Vec<ChildSaRef> = children.iter().map(|c| c.id).collect();
    let mut out = Vec::new();
    for c in children.iter_mut() {
        let due = c.pending_out.as_ref().is_some_and(|(_, until)| {
            *until <= now || c.replaces.is_some_and(|old| !live.contains(&old))
        });
        if due {
            out.extend(c.pending_out.take().map(|(cmd, _)| cmd));
        }
    }
    out
}

/// The earliest instant a held-back outbound SA must be installed.
pub fn next_release(children: &[ChildSa]) -> Option<Instant> {
    children
        .iter()
        .filter_map(|c| c.pending_out.as_ref().map(|(_, t)| *t))
        .min()
}

/// Emits the kernel deletes of a Child SA (outbound first so traffic moves before the
/// inbound state disappears) and, with a reason, the closed event. An outbound SA still
/// held back (never installed) has nothing to delete.
pub fn remove(ctx: &mut Ctx<'_>, sa: &IkeSa, c: &ChildSa, reason: Option<CloseReason>) {
    let (l, r) = (sa.local.ip(), sa.remote.ip());
    for (direction, spi, src, dst) in [
        (Direction::Outbound, c.spi_out, l, r),
        (Direction::Inbound, c.spi_in, r, l),
    ] {
        if direction == Direction::Outbound && c.pending_out.is_some() {
            continue;
        }
        ctx.out.commands.push_back(KernelCommand::DeleteChildSa {
            child: c.id,
            tunnel: ctx.cfg.tunnel,
            direction,
            spi,
            src,
            dst,
        });
    }
    if let Some(reason) = reason {
        let tunnel = ctx.cfg.tunnel;
        ctx.event(Event::ChildSaClosed {
            tunnel,
            child: c.id,
            reason,
        });
    }
}
