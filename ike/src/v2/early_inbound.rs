//! The first Child SA's inbound half, installed before IKE_AUTH is sent (initiator only).
//!
//! The responder installs both halves of the first Child SA while it answers IKE_AUTH and
//! may send on it at once; the initiator learns the chosen proposal only from the response.
//! In between, the responder's packets on the new SA would find no inbound state. That
//! window matters when traffic already flows, e.g. when a restarted daemon re-establishes
//! a tunnel whose old SAs it adopted. KEYMAT for the first Child SA depends only on SK_d and
//! the IKE_SA_INIT nonces (RFC 7296 2.17), known before IKE_AUTH, so the inbound state can be
//! installed for the proposal the responder is most likely to pick: our first one. The
//! response then settles it: kept when the choice matches, replaced when it differs, removed
//! when no Child SA results. Never sends messages and never installs an outbound SA.

use super::child_sa::{sa_commands, ChildSa, NewChild};
use super::ike_sa::{Ctx, IkeSa};
use super::types::{Direction, KernelCommand};

/// The speculative inbound state of an IKE SA in IKE_AUTH.
#[derive(Debug, Clone)]
pub struct EarlyInbound {
    command: KernelCommand,
}

/// Initiator, just before IKE_AUTH: installs the inbound SA for our first ESP proposal under
/// the SPI we offer. Does nothing without a proposal or keys.
pub fn install(ctx: &mut Ctx<'_>, sa: &mut IkeSa, spi: u32) {
    let Some(prop) = ctx.cfg.esp_proposals.first().copied() else {
        return;
    };
    let (ni, nr) = (sa.ni.clone(), sa.nr.clone());
    let n = NewChild {
        we_initiated: true,
        prop,
        spi_in: spi,
        spi_out: 0,
        ni: &ni,
        nr: &nr,
        // RFC 7296 1.2: the Child SA created in IKE_AUTH has no KE of its own.
        g_ir: None,
        local_ts: ctx.cfg.local_ts.clone(),
        remote_ts: ctx.cfg.remote_ts.clone(),
    };
    let id = ctx.child_ref();
    if let Some([inbound, _]) = sa_commands(ctx, sa, &n, id) {
        ctx.out.commands.push_back(inbound.clone());
        sa.early_inbound = Some(EarlyInbound { command: inbound });
    }
}

/// Initiator, after the IKE_AUTH response was processed: the Child SA that resulted (if
/// any) takes over the early inbound state when it is the same SA, otherwise the early state
/// is deleted (before the real inbound install, which may reuse the SPI).
pub fn settle(ctx: &mut Ctx<'_>, sa: &mut IkeSa, child: Option<&ChildSa>) {
    let Some(early) = sa.early_inbound.take() else {
        return;
    };
    let queued = child.and_then(|c| {
        ctx.out.commands.iter().position(|k| {
            matches!(k, KernelCommand::InstallChildSa { child, direction: Direction::Inbound, .. }
                if *child == c.id)
        })
    });
    if let Some(pos) = queued {
        if ctx
            .out
            .commands
            .get(pos)
            .is_some_and(|k| same_state(k, &early.command))
        {
            ctx.out.commands.remove(pos);
            return;
        }
        ctx.out.commands.insert(pos, delete_command(&early.command));
        return;
    }
    ctx.out.commands.push_back(delete_command(&early.command));
}

/// The IKE SA is closing before its first Child SA settled: the early state goes.
pub fn discard(ctx: &mut Ctx<'_>, sa: &mut IkeSa) {
    if let Some(early) = sa.early_inbound.take() {
        ctx.out.commands.push_back(delete_command(&early.command));
    }
}

/// Two installs describe the same kernel state: everything but the Child SA reference, the
/// traffic selectors (the kernel SA carries none; narrowing does not change the keys) and
/// the lifetime.
fn same_state(a: &KernelCommand, b: &KernelCommand) -> bool {
    match (a, b) {
        (
            KernelCommand::InstallChildSa {
                tunnel: t1,
                direction: d1,
                spi: s1,
                src: a1,
                dst: b1,
                mode: m1,
                encap: e1,
                algo: x1,
                replay_window: w1,
                esn: n1,
                ..
            },
            KernelCommand::InstallChildSa {
                tunnel: t2,
                direction: d2,
                spi: s2,
                src: a2,
                dst: b2,
                mode: m2,
                encap: e2,
                algo: x2,
                replay_window: w2,
                esn: n2,
                ..
            },
        ) => (t1, d1, s1, a1, b1, m1, e1, x1, w1, n1) == (t2, d2, s2, a2, b2, m2, e2, x2, w2, n2),
        _ => false,
    }
}

fn delete_command(install: &KernelCommand) -> KernelCommand {
    match install {
        KernelCommand::InstallChildSa {
            child,
            tunnel,
            direction,
            spi,
            src,
            dst,
            ..
        }
        | KernelCommand::DeleteChildSa {
            child,
            tunnel,
            direction,
            spi,
            src,
            dst,
        } => KernelCommand::DeleteChildSa {
            child: *child,
            tunnel: *tunnel,
            direction: *direction,
            spi: *spi,
            src: *src,
            dst: *dst,
        },
    }
}
