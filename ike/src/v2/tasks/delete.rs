//! INFORMATIONAL exchanges (RFC 7296 1.4): Delete of Child SAs and of the IKE SA in both
//! directions, and answering liveness checks and error notifications.
//!
//! Kernel deletes are emitted when a Child SA's deletion is final (our Delete answered, or the
//! peer's Delete received). Never deletes an SA the peer did not name.

use super::{Outcome, Pending};
use crate::v2::child_sa::{release_outbound, remove, ChildState};
use crate::v2::ike_sa::{Ctx, IkeSa};
use crate::v2::rules::notify;
use crate::v2::types::{ChildSaRef, CloseReason};
use crate::wire::v2::{DeletePayload, ExchangeType, NotifyType, Payload, ProtocolId};

/// Sends a Delete for one Child SA (its inbound SPI, RFC 7296 3.11).
pub fn start_child(ctx: &mut Ctx<'_>, sa: &mut IkeSa, id: ChildSaRef) -> Outcome {
    let Some(c) = sa.children.iter().find(|c| c.id == id) else {
        return Outcome::Keep;
    };
    let d = Payload::Delete(DeletePayload::child(ProtocolId::ESP, &[c.spi_in]));
    ctx.request(
        sa,
        ExchangeType::INFORMATIONAL,
        vec![d],
        Pending::DeleteChild { ids: vec![id] },
    );
    Outcome::Keep
}

/// Sends a Delete for the IKE SA itself.
pub fn start_ike(ctx: &mut Ctx<'_>, sa: &mut IkeSa) -> Outcome {
    let d = Payload::Delete(DeletePayload::ike());
    ctx.request(sa, ExchangeType::INFORMATIONAL, vec![d], Pending::DeleteIke);
    Outcome::Keep
}

/// Our Delete was answered: the Child SAs are gone (RFC 7296 1.4.1).
pub fn child_deleted(ctx: &mut Ctx<'_>, sa: &mut IkeSa, ids: &[ChildSaRef]) -> Outcome {
    let (gone, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut sa.children)
        .into_iter()
        .partition(|c| ids.contains(&c.id));
    sa.children = keep;
    for cmd in release_outbound(ctx.now, &mut sa.children) {
        ctx.out.commands.push_back(cmd);
    }
    for c in gone {
        let reason = (c.state != ChildState::Rekeyed).then_some(CloseReason::Terminated);
        remove(ctx, sa, &c, reason);
    }
    Outcome::Keep
}

/// Responder: Delete payloads, liveness checks and notifications.
pub fn respond(ctx: &mut Ctx<'_>, sa: &mut IkeSa, msg_id: u32, payloads: &[Payload]) -> Outcome {
    if notify(payloads, NotifyType::AUTHENTICATION_FAILED).is_some() {
        // RFC 7296 2.21.2: the initiator rejected our AUTH.
        ctx.fail("peer reported AUTHENTICATION_FAILED for our AUTH".into());
        ctx.respond(sa, ExchangeType::INFORMATIONAL, msg_id, Vec::new());
        return Outcome::Close(CloseReason::Failed);
    }
    let mut answer_spis = Vec::new();
    for p in payloads {
        let Payload::Delete(d) = p else { continue };
        if d.protocol == ProtocolId::IKE {
            // RFC 7296 1.4.1: the IKE SA and all its Child SAs are gone; reply empty.
            ctx.respond(sa, ExchangeType::INFORMATIONAL, msg_id, Vec::new());
            let reason = if sa.rekeyed {
                CloseReason::Rekeyed
            } else {
                CloseReason::DeletedByPeer
            };
            return Outcome::Close(reason);
        }
        if d.protocol != ProtocolId::ESP {
            continue;
        }
        for spi in d.spis_u32().unwrap_or_default() {
            // The peer names its inbound SPI = our outbound one.
            let Some(pos) = sa.children.iter().position(|c| c.spi_out == spi) else {
                continue;
            };
            let c = sa.children.remove(pos);
            // RFC 7296 1.4.1: answer with the paired SAs' SPIs — unless we already sent our
            // own Delete for it (simultaneous deletes: answer empty for that one).
            let ours_pending = matches!(&sa.outstanding, Some((_, Pending::DeleteChild { ids })) if ids.contains(&c.id));
            if !ours_pending {
                answer_spis.push(c.spi_in);
            }
            let reason = match c.state {
                ChildState::Rekeyed => None,
                _ => Some(CloseReason::DeletedByPeer),
            };
            // Make-before-break: a successor's held-back outbound SA goes in before the old
            // pair goes out.
            for cmd in release_outbound(ctx.now, &mut sa.children) {
                ctx.out.commands.push_back(cmd);
            }
            remove(ctx, sa, &c, reason);
        }
    }
    let resp = if answer_spis.is_empty() {
        Vec::new()
    } else {
        vec![Payload::Delete(DeletePayload::child(
            ProtocolId::ESP,
            &answer_spis,
        ))]
    };
    ctx.respond(sa, ExchangeType::INFORMATIONAL, msg_id, resp);
    Outcome::Keep
}
