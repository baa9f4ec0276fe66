//! Child SA negotiation shared by IKE_AUTH (first Child SA) and CREATE_CHILD_SA (rekey):
//! the responder's proposal choice, PFS KE check and TS narrowing (RFC 7296 1.3, 2.9), and
//! the initiator's check of the answer.
//!
//! Produces payloads and installed [`ChildSa`]s; never sends a message itself.

use crate::crypto::{KeyExchange, Secret};
use crate::v2::child_sa::{install, ChildSa, NewChild};
use crate::v2::ike_sa::{Ctx, IkeSa};
use crate::v2::proposal::{accept_esp, choose_esp, describe, describe_esp};
use crate::v2::rules::error_notify;
use crate::v2::ts::{is_subset, narrow};
use crate::wire::v2::{
    DhId, KePayload, NotifyPayload, NotifyType, Payload, SaPayload, TrafficSelector, TsPayload,
};

fn n(ty: NotifyType) -> NotifyPayload {
    NotifyPayload::new(ty, vec![])
}

/// Responder half. `ke` is the peer's KE in CREATE_CHILD_SA (`create` = true); IKE_AUTH
/// passes `create` = false (D-H transforms ignored, RFC 7296 1.2). Returns the payloads to
/// answer with (SA, [KEr], TSi, TSr) and the installed Child SA, or the error notify.
#[allow(clippy::too_many_arguments)]
pub fn respond_child(
    ctx: &mut Ctx<'_>,
    sa: &IkeSa,
    offer: &SaPayload,
    tsi: &[TrafficSelector],
    tsr: &[TrafficSelector],
    ni: &[u8],
    nr: &[u8],
    ke: Option<&KePayload>,
    create: bool,
) -> Result<(Vec<Payload>, ChildSa), NotifyPayload> {
    let cfg = ctx.cfg;
    let spi = ctx
        .spis
        .allocate(sa.remote.ip(), sa.local.ip())
        .ok_or_else(|| n(NotifyType::NO_ADDITIONAL_SAS))?;
    let Some((prop, peer_spi, reply)) = choose_esp(offer, &cfg.esp_proposals, spi, create) else {
        ctx.fail(format!(
            "NO_PROPOSAL_CHOSEN for the Child SA: the peer offered ESP {}; we accept ESP {}",
            describe(offer),
            describe_esp(&cfg.esp_proposals, create)
        ));
        return Err(n(NotifyType::NO_PROPOSAL_CHOSEN));
    };
    let mut out = vec![Payload::Sa(reply)];
    let mut g_ir: Option<Secret> = None;
    if let (true, Some(g)) = (create, prop.pfs) {
        // RFC 7296 1.3: a KE of another group than the chosen one gets INVALID_KE_PAYLOAD.
        let Some(k) = ke.filter(|k| k.group.0 == g.id()) else {
            return Err(NotifyPayload::invalid_ke(DhId(g.id())));
        };
        let ours = ctx
            .provider
            .start_key_exchange(g)
            .map_err(|_| n(NotifyType::NO_PROPOSAL_CHOSEN))?;
        out.push(Payload::Ke(KePayload {
            group: DhId(g.id()),
            data: ours.public_value(),
        }));
        g_ir = Some(
            ours.complete(&k.data)
                .map_err(|_| n(NotifyType::INVALID_SYNTAX))?,
        );
    }
    // RFC 7296 2.9: TSi is the initiator's side (our remote), TSr ours.
    let (ti, tr) = (narrow(tsi, &cfg.remote_ts), narrow(tsr, &cfg.local_ts));
    if ti.is_empty() || tr.is_empty() {
        ctx.fail(
            "TS_UNACCEPTABLE: proposed traffic selectors do not overlap the configured ones".into(),
        );
        return Err(n(NotifyType::TS_UNACCEPTABLE));
    }
    out.push(Payload::TsI(TsPayload {
        selectors: ti.clone(),
    }));
    out.push(Payload::TsR(TsPayload {
        selectors: tr.clone(),
    }));
    let child = install(
        ctx,
        sa,
        NewChild {
            we_initiated: false,
            prop,
            spi_in: spi,
            spi_out: peer_spi,
            ni,
            nr,
            g_ir: g_ir.as_ref(),
            local_ts: tr,
            remote_ts: ti,
        },
    )
    .ok_or_else(|| n(NotifyType::NO_PROPOSAL_CHOSEN))?;
    Ok((out, child))
}

/// Initiator half: checks SA / KE / TS of the answer and installs the Child SA.
#[allow(clippy::too_many_arguments)]
pub fn accept_child(
    ctx: &mut Ctx<'_>,
    sa: &IkeSa,
    payloads: &[Payload],
    spi_in: u32,
    ni: &[u8],
    nr: &[u8],
    ke: Option<Box<dyn KeyExchange>>,
    create: bool,
) -> Option<ChildSa> {
    let cfg = ctx.cfg;
    if let Some(e) = error_notify(payloads) {
        let name = e.name().unwrap_or("an unknown error notify");
        if e == NotifyType::NO_PROPOSAL_CHOSEN {
            ctx.fail(format!(
                "Child SA refused: the peer answered NO_PROPOSAL_CHOSEN to our ESP offer {}",
                describe_esp(&cfg.esp_proposals, create)
            ));
        } else {
            ctx.fail(format!("Child SA refused: the peer answered {name}"));
        }
        return None;
    }
    let (mut reply, mut tsi, mut tsr, mut kr) = (None, None, None, None);
    for p in payloads {
        match p {
            Payload::Sa(x) => reply = Some(x),
            Payload::TsI(x) => tsi = Some(&x.selectors),
            Payload::TsR(x) => tsr = Some(&x.selectors),
            Payload::Ke(x) => kr = Some(x),
            _ => {}
        }
    }
    let (Some(reply), Some(tsi), Some(tsr)) = (reply, tsi, tsr) else {
        ctx.fail("Child SA answer lacks SA/TSi/TSr".into());
        return None;
    };
    let Some((prop, spi_out)) = accept_esp(reply, &cfg.esp_proposals, create) else {
        ctx.fail(format!(
            "responder chose ESP {}, which is not among what we offered: {}",
            describe(reply),
            describe_esp(&cfg.esp_proposals, create)
        ));
        return None;
    };
    let g_ir = match (create, prop.pfs, ke) {
        (true, Some(g), Some(ke)) if ke.group() == g => {
            let k = kr.filter(|k| k.group.0 == g.id())?;
            Some(ke.complete(&k.data).ok()?)
        }
        (true, Some(_), _) => {
            ctx.fail("responder chose a PFS group other than our KE".into());
            return None;
        }
        _ => None,
    };
    if !is_subset(tsi, &cfg.local_ts) || !is_subset(tsr, &cfg.remote_ts) {
        ctx.fail("responder's traffic selectors are not within ours".into());
        return None;
    }
    install(
        ctx,
        sa,
        NewChild {
            we_initiated: true,
            prop,
            spi_in,
            spi_out,
            ni,
            nr,
            g_ir: g_ir.as_ref(),
            local_ts: tsi.clone(),
            remote_ts: tsr.clone(),
        },
    )
}
