//! Exchanges as tasks (strongSwan libcharon `sa/ikev2/tasks/` style): each file holds the
//! initiator half (build a request, handle its response) and the responder half (handle a
//! request, build the response) of one exchange.
//!
//! [`Pending`] records what our one outstanding request was so its response goes back to the
//! right task; [`Outcome`] tells the endpoint what to do with the SA afterwards. Tasks never
//! touch the endpoint's SA table directly.

pub mod child_create;
pub mod child_rekey;
pub mod delete;
pub mod dpd;
pub mod ike_auth;
pub mod ike_init;
pub mod ike_rekey;

use super::ike_sa::IkeSa;
use super::types::{ChildSaRef, CloseReason};
use crate::crypto::{DhGroup, KeyExchange};

/// The outstanding request of an IKE SA.
#[derive(Debug)]
pub enum Pending {
    Init {
        ke: Box<dyn KeyExchange>,
    },
    Auth {
        child_spi: u32,
    },
    RekeyChild {
        old: ChildSaRef,
        spi: u32,
        ni: Vec<u8>,
        ke: Option<Box<dyn KeyExchange>>,
    },
    RekeyIke {
        new_spi: u64,
        ni: Vec<u8>,
        ke: Box<dyn KeyExchange>,
    },
    DeleteChild {
        ids: Vec<ChildSaRef>,
    },
    DeleteIke,
    Dpd,
    /// A one-way notification (e.g. AUTHENTICATION_FAILED); the SA is closing anyway.
    Notify,
}

/// What the endpoint does with the SA after a task ran.
#[derive(Debug)]
pub enum Outcome {
    Keep,
    /// Remove the SA (children already deleted by the task or to be deleted by the endpoint).
    Close(CloseReason),
    /// INVALID_KE_PAYLOAD: start over with this group.
    RetryWithGroup(DhGroup),
    /// An IKE SA rekey produced this SA (children moved into it); keep the old one until its
    /// Delete completes.
    NewSa(Box<IkeSa>),
}

/// Starts the next queued exchange when none is outstanding (window size 1, RFC 7296 2.3).
pub fn pump(ctx: &mut super::ike_sa::Ctx<'_>, sa: &mut IkeSa) -> Outcome {
    use super::ike_sa::Queued;
    while sa.outstanding.is_none() && sa.is_established() {
        let Some(q) = sa.queue.pop_front() else {
            break;
        };
        let o = match q {
            Queued::Dpd => dpd::start(ctx, sa),
            Queued::DeleteChild(id) => delete::start_child(ctx, sa, id),
            Queued::DeleteIke => delete::start_ike(ctx, sa),
            Queued::RekeyChild(id) => child_rekey::start(ctx, sa, id),
            Queued::RekeyIke => ike_rekey::start(ctx, sa),
        };
        if !matches!(o, Outcome::Keep) {
            return o;
        }
    }
    Outcome::Keep
}
