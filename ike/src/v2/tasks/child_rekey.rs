//! Child SA rekeying with CREATE_CHILD_SA and REKEY_SA (RFC 7296 1.3.3, 2.8), optional PFS,
//! make-before-break (the new pair is installed before the old one's Delete), and
//! simultaneous-rekey collisions (2.8.1: the exchange with the lowest of the four nonces
//! created the redundant SA, which its initiator deletes).
//!
//! Never removes the old pair before the new pair's InstallChildSa commands were emitted.

use super::child_create::{accept_child, respond_child};
use super::{Outcome, Pending};
use crate::crypto::DhGroup;
use crate::v2::child_sa::{defer_outbound, ChildState};
use crate::v2::ike_sa::{Ctx, IkeSa, Queued};
use crate::v2::proposal::esp_offer;
use crate::v2::rules::notify;
use crate::v2::types::{ChildSaRef, Event};
use crate::wire::v2::{
    DhId, ExchangeType, KePayload, NoncePayload, NotifyPayload, NotifyType, Payload, ProtocolId,
    TsPayload,
};

/// Initiator: rekeys Child SA `old`.
pub fn start(ctx: &mut Ctx<'_>, sa: &mut IkeSa, old: ChildSaRef) -> Outcome {
    start_with(ctx, sa, old, None)
}

/// As [`start`], with the PFS group forced (after INVALID_KE_PAYLOAD).
fn start_with(
    ctx: &mut Ctx<'_>,
    sa: &mut IkeSa,
    old: ChildSaRef,
    group: Option<DhGroup>,
) -> Outcome {
    let cfg = ctx.cfg;
    let Some(c) = sa
        .children
        .iter()
        .find(|c| c.id == old && c.state == ChildState::Installed)
    else {
        return Outcome::Keep;
    };
    let (old_spi, lts, rts) = (c.spi_in, c.local_ts.clone(), c.remote_ts.clone());
    let (Some(spi), Some(ni)) = (
        ctx.spis.allocate(sa.remote.ip(), sa.local.ip()),
        ctx.nonce(),
    ) else {
        return Outcome::Keep;
    };
    let ke = match group.or_else(|| cfg.esp_proposals.first().and_then(|p| p.pfs)) {
        Some(g) => match ctx.provider.start_key_exchange(g) {
            Ok(k) => Some(k),
            Err(_) => return Outcome::Keep,
        },
        None => None,
    };
    // RFC 7296 1.3.3: REKEY_SA names the SA being rekeyed by our inbound SPI.
    let mut p = vec![
        Payload::Notify(NotifyPayload::child(
            NotifyType::REKEY_SA,
            ProtocolId::ESP,
            old_spi,
            vec![],
        )),
        Payload::Sa(esp_offer(&cfg.esp_proposals, spi, true)),
        Payload::Nonce(NoncePayload { nonce: ni.clone() }),
    ];
    if let Some(k) = &ke {
        p.push(Payload::Ke(KePayload {
            group: DhId(k.group().id()),
            data: k.public_value(),
        }));
    }
    p.push(Payload::TsI(TsPayload { selectors: lts }));
    p.push(Payload::TsR(TsPayload { selectors: rts }));
    if let Some(c) = sa.children.iter_mut().find(|c| c.id == old) {
        c.state = ChildState::Rekeying;
    }
    if ctx.request(
        sa,
        ExchangeType::CREATE_CHILD_SA,
        p,
        Pending::RekeyChild { old, spi, ni, ke },
    ) && group.is_none()
    {
        let tunnel = cfg.tunnel;
        ctx.event(Event::ChildSaRekeying { tunnel, child: old });
    }
    Outcome::Keep
}

fn nonce(payloads: &[Payload]) -> Option<Vec<u8>> {
    payloads.iter().find_map(|p| match p {
        Payload::Nonce(n) => Some(n.nonce.clone()),
        _ => None,
    })
}

/// Decides which pair survives once the rekey(s) of `old` completed.
fn settle(ctx: &mut Ctx<'_>, sa: &mut IkeSa, old: ChildSaRef) {
    let old_state = sa.children.iter().find(|c| c.id == old).map(|c| c.state);
    let new: Vec<(ChildSaRef, bool, Vec<u8>)> = sa
        .children
        .iter()
        .filter(|c| c.replaces == Some(old) && c.state != ChildState::Rekeyed)
        .map(|c| (c.id, c.ours, c.min_nonce.clone()))
        .collect();
    let deleting_old = sa.queue.contains(&Queued::DeleteChild(old))
        || matches!(&sa.outstanding, Some((_, Pending::DeleteChild { ids })) if ids.contains(&old));
    let winner = match new.as_slice() {
        [(id, ours, _)] => {
            if !ours && old_state == Some(ChildState::Rekeying) {
                // Our own rekey of `old` is still outstanding: decide when it completes.
                return;
            }
            if *ours && !deleting_old && old_state.is_some() {
                sa.queue.push_front(Queued::DeleteChild(old));
            }
            *id
        }
        [a, b] => {
            // RFC 7296 2.8.1: the SA created by the exchange with the lowest nonce is redundant
            // and is deleted by the peer that initiated that exchange.
            let (loser, winner) = if a.2 < b.2 { (a, b) } else { (b, a) };
            if let Some(c) = sa.children.iter_mut().find(|c| c.id == loser.0) {
                c.state = ChildState::Rekeyed;
            }
            if loser.1 {
                sa.queue.push_front(Queued::DeleteChild(loser.0));
            } else if !deleting_old && old_state.is_some() {
                sa.queue.push_front(Queued::DeleteChild(old));
            }
            winner.0
        }
        _ => return,
    };
    if let Some(c) = sa.children.iter_mut().find(|c| c.id == old) {
        c.state = ChildState::Rekeyed;
    }
    let tunnel = ctx.cfg.tunnel;
    ctx.event(Event::ChildSaRekeyed {
        tunnel,
        old,
        new: winner,
    });
}

/// Initiator: the answer to our rekey.
pub fn handle_response(
    ctx: &mut Ctx<'_>,
    sa: &mut IkeSa,
    payloads: &[Payload],
    p: Pending,
) -> Outcome {
    let Pending::RekeyChild { old, spi, ni, ke } = p else {
        return Outcome::Keep;
    };
    let wanted = notify(payloads, NotifyType::INVALID_KE_PAYLOAD)
        .and_then(|n| n.invalid_ke_group().ok())
        .and_then(|g| DhGroup::from_id(g.0));
    if let Some(g) = wanted {
        // RFC 7296 1.3: retry with the responder's group if it is one of our PFS groups.
        let retry = ke.as_ref().is_some_and(|k| k.group() != g)
            && ctx.cfg.esp_proposals.iter().any(|p| p.pfs == Some(g));
        if retry {
            if let Some(o) = sa.children.iter_mut().find(|c| c.id == old) {
                o.state = ChildState::Installed;
            }
            return start_with(ctx, sa, old, Some(g));
        }
    }
    let nr = nonce(payloads).unwrap_or_default();
    match accept_child(ctx, sa, payloads, spi, &ni, &nr, ke, true) {
        Some(mut c) => {
            c.replaces = Some(old);
            sa.children.push(c);
            if let Some(o) = sa
                .children
                .iter_mut()
                .find(|c| c.id == old && c.state == ChildState::Rekeying)
            {
                o.state = ChildState::Installed;
            }
            settle(ctx, sa, old);
        }
        None => {
            // Try again later (RFC 7296 2.8: the old SA stays usable).
            let retry = ctx.now + ctx.cfg.retransmit.timeout;
            if let Some(o) = sa.children.iter_mut().find(|c| c.id == old) {
                o.state = ChildState::Installed;
                o.rekey_at = retry;
            }
            settle(ctx, sa, old);
        }
    }
    Outcome::Keep
}

/// Responder: a CREATE_CHILD_SA request for a Child SA (rekey or new).
pub fn respond(ctx: &mut Ctx<'_>, sa: &mut IkeSa, msg_id: u32, payloads: &[Payload]) -> Outcome {
    let old = match notify(payloads, NotifyType::REKEY_SA) {
        Some(n) => {
            // The peer names its inbound SPI = our outbound one.
            let found = n
                .spi_u32()
                .and_then(|s| sa.children.iter().find(|c| c.spi_out == s))
                .map(|c| c.id);
            let Some(id) = found else {
                // RFC 7296 3.10.1: CHILD_SA_NOT_FOUND.
                let n = NotifyPayload::child(
                    NotifyType::CHILD_SA_NOT_FOUND,
                    ProtocolId::ESP,
                    n.spi_u32().unwrap_or(0),
                    vec![],
                );
                ctx.respond(
                    sa,
                    ExchangeType::CREATE_CHILD_SA,
                    msg_id,
                    vec![Payload::Notify(n)],
                );
                return Outcome::Keep;
            };
            Some(id)
        }
        None => None,
    };
    let (mut offer, mut ke, mut tsi, mut tsr) = (None, None, None, None);
    for p in payloads {
        match p {
            Payload::Sa(x) => offer = Some(x),
            Payload::Ke(x) => ke = Some(x),
            Payload::TsI(x) => tsi = Some(&x.selectors),
            Payload::TsR(x) => tsr = Some(&x.selectors),
            _ => {}
        }
    }
    let (Some(offer), Some(tsi), Some(tsr), Some(ni), Some(nr)) =
        (offer, tsi, tsr, nonce(payloads), ctx.nonce())
    else {
        let n = NotifyPayload::new(NotifyType::INVALID_SYNTAX, vec![]);
        ctx.respond(
            sa,
            ExchangeType::CREATE_CHILD_SA,
            msg_id,
            vec![Payload::Notify(n)],
        );
        return Outcome::Keep;
    };
    match respond_child(ctx, sa, offer, tsi, tsr, &ni, &nr, ke, true) {
        Ok((mut p, mut c)) => {
            c.replaces = old;
            if old.is_some() {
                defer_outbound(ctx, &mut c);
            }
            p.insert(1, Payload::Nonce(NoncePayload { nonce: nr }));
            ctx.respond(sa, ExchangeType::CREATE_CHILD_SA, msg_id, p);
            sa.children.push(c);
            if let Some(old) = old {
                settle(ctx, sa, old);
            }
        }
        Err(n) => ctx.respond(
            sa,
            ExchangeType::CREATE_CHILD_SA,
            msg_id,
            vec![Payload::Notify(n)],
        ),
    }
    Outcome::Keep
}
