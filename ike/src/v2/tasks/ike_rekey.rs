//! IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): new SPIs and KE, keys from
//! SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), Child SAs move to the new IKE SA, and
//! the old IKE SA is deleted by the rekey initiator.
//!
//! The new SA inherits the old one's authentication; nothing here re-verifies identities.

use super::ike_init::{derive, random_spi};
use super::{Outcome, Pending};
use crate::crypto::kdf::rekey_skeyseed;
use crate::crypto::{DhGroup, Secret};
use crate::v2::ike_sa::{Ctx, Established, IkeSa, Phase, Queued};
use crate::v2::proposal::{accept_ike, choose_ike, ike_offer};
use crate::v2::rules::{error_notify, notify};
use crate::v2::types::{Event, Instant};
use crate::wire::v2::{
    DhId, ExchangeType, KePayload, NoncePayload, NotifyPayload, NotifyType, Payload,
};

/// IKE SA lifetime minus margin minus a random share (fuzz %) of the margin.
pub fn ike_rekey_time(ctx: &Ctx<'_>) -> Instant {
    ctx.now + crate::v2::child_sa::rekey_after(ctx, ctx.cfg.ike_lifetime)
}

/// Initiator: proposes the new IKE SA.
pub fn start(ctx: &mut Ctx<'_>, sa: &mut IkeSa) -> Outcome {
    start_with(ctx, sa, None)
}

/// Initiator: proposes the new IKE SA with the KE of `group` (an INVALID_KE_PAYLOAD retry)
/// or of our first proposal.
fn start_with(ctx: &mut Ctx<'_>, sa: &mut IkeSa, group: Option<DhGroup>) -> Outcome {
    let cfg = ctx.cfg;
    if sa.rekeyed {
        return Outcome::Keep;
    }
    let prop = match group {
        Some(g) => cfg.ike_proposals.iter().find(|p| p.dh == g),
        None => cfg.ike_proposals.first(),
    };
    let (Some(new_spi), Some(ni), Some(prop)) = (random_spi(ctx), ctx.nonce(), prop) else {
        return Outcome::Keep;
    };
    let Ok(ke) = ctx.provider.start_key_exchange(prop.dh) else {
        return Outcome::Keep;
    };
    let p = vec![
        Payload::Sa(ike_offer(&cfg.ike_proposals, &new_spi.to_be_bytes())),
        Payload::Nonce(NoncePayload { nonce: ni.clone() }),
        Payload::Ke(KePayload {
            group: DhId(prop.dh.id()),
            data: ke.public_value(),
        }),
    ];
    if ctx.request(
        sa,
        ExchangeType::CREATE_CHILD_SA,
        p,
        Pending::RekeyIke { new_spi, ni, ke },
    ) && group.is_none()
    {
        let (tunnel, spi_i) = (cfg.tunnel, sa.spi_i);
        ctx.event(Event::IkeSaRekeying { tunnel, spi_i });
    }
    Outcome::Keep
}

/// Builds the new SA from the old one and moves the children (RFC 7296 2.18).
#[allow(clippy::too_many_arguments)]
fn successor(
    ctx: &mut Ctx<'_>,
    old: &mut IkeSa,
    initiator: bool,
    spis: (u64, u64),
    ni: Vec<u8>,
    nr: Vec<u8>,
    prop: crate::config::IkeProposal,
    g_ir: &Secret,
) -> Option<IkeSa> {
    let keys = old.keys.as_ref()?;
    let Phase::Established(est) = &old.phase else {
        return None;
    };
    let seed = rekey_skeyseed(keys.suite.prf, &keys.keys.sk_d, g_ir, &ni, &nr);
    let mut new = IkeSa::new(old.conn, ctx.cfg, initiator, ctx.now);
    new.local = old.local;
    new.remote = old.remote;
    (new.spi_i, new.spi_r) = spis;
    new.ni = ni;
    new.nr = nr;
    new.keys = Some(derive(&prop, &seed, &new, initiator)?);
    new.prop = Some(prop);
    new.nat_detected = old.nat_detected;
    new.nat_local = old.nat_local;
    new.peer_fragmentation = old.peer_fragmentation;
    new.phase = Phase::Established(Established::inherit(est));
    new.rekey_at = Some(ike_rekey_time(ctx));
    old.rekeyed = true;
    old.queue.clear();
    Some(new)
}

/// Moves the children of `old` into `new` and reports the rekey.
fn adopt(ctx: &mut Ctx<'_>, old: &mut IkeSa, new: &mut IkeSa) {
    new.children = std::mem::take(&mut old.children);
    let tunnel = ctx.cfg.tunnel;
    ctx.event(Event::IkeSaRekeyed {
        tunnel,
        old_spi_i: old.spi_i,
        new_spi_i: new.spi_i,
    });
}

/// Initiator: the answer; on success the old SA is deleted next.
pub fn handle_response(
    ctx: &mut Ctx<'_>,
    sa: &mut IkeSa,
    payloads: &[Payload],
    p: Pending,
) -> Outcome {
    let Pending::RekeyIke { new_spi, ni, ke } = p else {
        return Outcome::Keep;
    };
    let retry = |ctx: &mut Ctx<'_>, sa: &mut IkeSa, why: String| {
        ctx.fail(why);
        sa.rekey_at = Some(ctx.now + ctx.cfg.retransmit.timeout);
        Outcome::Keep
    };
    let wanted = notify(payloads, NotifyType::INVALID_KE_PAYLOAD)
        .and_then(|n| n.invalid_ke_group().ok())
        .and_then(|g| DhGroup::from_id(g.0));
    if let Some(g) = wanted {
        // RFC 7296 1.3 / 2.18: the responder wants another group; retry at once with it when
        // one of our IKE proposals has it (the request carried a KE of another group).
        let ours = ctx.cfg.ike_proposals.iter().any(|p| p.dh == g);
        if ours && ke.group() != g && sa.peer_successor.is_none() {
            return start_with(ctx, sa, Some(g));
        }
    }
    if let Some(e) = error_notify(payloads) {
        if let Some((b, _)) = sa.peer_successor.take() {
            // Our rekey lost against the peer's concurrent one: its SA gets the children.
            sa.handoff = Some(b);
            sa.rekeyed = true;
            return Outcome::Keep;
        }
        return retry(
            ctx,
            sa,
            format!(
                "IKE rekey refused: {}",
                e.name().unwrap_or("unknown notify")
            ),
        );
    }
    let (mut reply, mut kr, mut nr) = (None, None, None);
    for p in payloads {
        match p {
            Payload::Sa(x) => reply = Some(x),
            Payload::Ke(x) => kr = Some(x),
            Payload::Nonce(x) => nr = Some(x.nonce.clone()),
            _ => {}
        }
    }
    let (Some(reply), Some(kr), Some(nr)) = (reply, kr, nr) else {
        return retry(ctx, sa, "IKE rekey answer lacks SA/KE/Nonce".into());
    };
    let Some((prop, spi)) = accept_ike(reply, &ctx.cfg.ike_proposals) else {
        return retry(
            ctx,
            sa,
            "IKE rekey: responder chose a proposal we did not offer".into(),
        );
    };
    let Some(spi_r) = <[u8; 8]>::try_from(spi.as_slice())
        .ok()
        .map(u64::from_be_bytes)
    else {
        return retry(ctx, sa, "IKE rekey: bad responder SPI".into());
    };
    if prop.dh != ke.group() || kr.group.0 != prop.dh.id() {
        return retry(ctx, sa, "IKE rekey: KE group mismatch".into());
    }
    let Ok(g_ir) = ke.complete(&kr.data) else {
        return retry(ctx, sa, "IKE rekey: invalid KE".into());
    };
    let Some(new) = successor(ctx, sa, true, (new_spi, spi_r), ni, nr, prop, &g_ir) else {
        return Outcome::Keep;
    };
    let mut new = new;
    if let Some((b, b_min)) = sa.peer_successor.take() {
        // RFC 7296 2.8.2: simultaneous rekeys; the new SA created with the lowest of the four
        // nonces is redundant and is deleted by the peer that initiated it, and the other
        // initiator deletes the old SA.
        let a_min = new.ni.as_slice().min(new.nr.as_slice()).to_vec();
        if a_min < b_min {
            new.rekeyed = true;
            new.queue.push_front(Queued::DeleteIke);
            sa.handoff = Some(b);
            return Outcome::NewSa(Box::new(new));
        }
        sa.redundant = Some(b);
    }
    adopt(ctx, sa, &mut new);
    // RFC 7296 2.18: the initiator of the rekey deletes the old IKE SA.
    sa.queue.push_front(Queued::DeleteIke);
    Outcome::NewSa(Box::new(new))
}

/// Responder: creates the new IKE SA; the peer then deletes the old one.
pub fn respond(ctx: &mut Ctx<'_>, sa: &mut IkeSa, msg_id: u32, payloads: &[Payload]) -> Outcome {
    let (mut offer, mut ke, mut ni) = (None, None, None);
    for p in payloads {
        match p {
            Payload::Sa(x) => offer = Some(x),
            Payload::Ke(x) => ke = Some(x),
            Payload::Nonce(x) => ni = Some(x.nonce.clone()),
            _ => {}
        }
    }
    let err = |ctx: &mut Ctx<'_>, sa: &mut IkeSa, n: NotifyPayload| {
        ctx.respond(
            sa,
            ExchangeType::CREATE_CHILD_SA,
            msg_id,
            vec![Payload::Notify(n)],
        );
        Outcome::Keep
    };
    let (Some(offer), Some(ke), Some(ni), Some(our_spi), Some(nr)) =
        (offer, ke, ni, random_spi(ctx), ctx.nonce())
    else {
        return err(
            ctx,
            sa,
            NotifyPayload::new(NotifyType::INVALID_SYNTAX, vec![]),
        );
    };
    if sa.rekeyed {
        // Our own rekey already completed: the peer resolves the collision in our favour
        // when its request fails (RFC 7296 2.25: TEMPORARY_FAILURE).
        return err(
            ctx,
            sa,
            NotifyPayload::new(NotifyType::TEMPORARY_FAILURE, vec![]),
        );
    }
    let Some((prop, reply, peer_spi)) =
        choose_ike(offer, &ctx.cfg.ike_proposals, &our_spi.to_be_bytes())
    else {
        return err(
            ctx,
            sa,
            NotifyPayload::new(NotifyType::NO_PROPOSAL_CHOSEN, vec![]),
        );
    };
    if ke.group.0 != prop.dh.id() {
        return err(ctx, sa, NotifyPayload::invalid_ke(DhId(prop.dh.id())));
    }
    let Some(spi_i) = <[u8; 8]>::try_from(peer_spi.as_slice())
        .ok()
        .map(u64::from_be_bytes)
    else {
        return err(
            ctx,
            sa,
            NotifyPayload::new(NotifyType::INVALID_SYNTAX, vec![]),
        );
    };
    let Ok(ours) = ctx.provider.start_key_exchange(prop.dh) else {
        return err(
            ctx,
            sa,
            NotifyPayload::new(NotifyType::NO_PROPOSAL_CHOSEN, vec![]),
        );
    };
    let public = ours.public_value();
    let Ok(g_ir) = ours.complete(&ke.data) else {
        return err(
            ctx,
            sa,
            NotifyPayload::new(NotifyType::INVALID_SYNTAX, vec![]),
        );
    };
    let colliding = matches!(sa.outstanding, Some((_, Pending::RekeyIke { .. })));
    let Some(mut new) = successor(
        ctx,
        sa,
        false,
        (spi_i, our_spi),
        ni,
        nr.clone(),
        prop,
        &g_ir,
    ) else {
        return Outcome::Keep;
    };
    let p = vec![
        Payload::Sa(reply),
        Payload::Nonce(NoncePayload { nonce: nr }),
        Payload::Ke(KePayload {
            group: DhId(prop.dh.id()),
            data: public,
        }),
    ];
    if colliding {
        // Decided when our own rekey's answer arrives.
        let min = new.ni.as_slice().min(new.nr.as_slice()).to_vec();
        sa.peer_successor = Some((new.local_spi(), min));
    } else {
        adopt(ctx, sa, &mut new);
    }
    ctx.respond(sa, ExchangeType::CREATE_CHILD_SA, msg_id, p);
    Outcome::NewSa(Box::new(new))
}
