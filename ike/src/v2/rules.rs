//! Which payloads each IKEv2 message may carry, as one table (RFC 7296 1.2-1.5, 2.25, 3).
//!
//! The tasks call [`check`] once per message instead of testing payloads one by one. Counts
//! are (min, max); Notify and Vendor ID payloads are always allowed in any number, and an
//! error response (an error-type Notify, RFC 7296 3.10.1) is exempt from the minimums. This
//! module never decides what to answer.

use crate::wire::v2::{NotifyType, Payload, PayloadType};

/// The message kinds the engine handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InitReq,
    InitResp,
    AuthReq,
    AuthResp,
    ChildReq,
    ChildResp,
    InfoReq,
    InfoResp,
}

/// (kind, [(payload type, min, max)]).
type Rule = (PayloadType, u8, u8);

#[rustfmt::skip]
const TABLE: &[(Kind, &[Rule])] = &[
    // RFC 7296 1.2: HDR, SAi1, KEi, Ni [, N(COOKIE), N(NAT_D)...]
    (Kind::InitReq, &[(PayloadType::SA, 1, 1), (PayloadType::KE, 1, 1), (PayloadType::NONCE, 1, 1)]),
    (Kind::InitResp, &[(PayloadType::SA, 1, 1), (PayloadType::KE, 1, 1), (PayloadType::NONCE, 1, 1), (PayloadType::CERTREQ, 0, 255)]),
    // RFC 7296 1.2: SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}
    (Kind::AuthReq, &[(PayloadType::IDI, 1, 1), (PayloadType::CERT, 0, 255), (PayloadType::CERTREQ, 0, 255), (PayloadType::IDR, 0, 1),
        (PayloadType::AUTH, 1, 1), (PayloadType::SA, 1, 1), (PayloadType::TSI, 1, 1), (PayloadType::TSR, 1, 1), (PayloadType::CP, 0, 1)]),
    (Kind::AuthResp, &[(PayloadType::IDR, 1, 1), (PayloadType::CERT, 0, 255), (PayloadType::AUTH, 1, 1),
        (PayloadType::SA, 0, 1), (PayloadType::TSI, 0, 1), (PayloadType::TSR, 0, 1), (PayloadType::CP, 0, 1)]),
    // RFC 7296 1.3: SK {[N(REKEY_SA)], SA, Ni, [KEi], [TSi, TSr]}
    (Kind::ChildReq, &[(PayloadType::SA, 1, 1), (PayloadType::NONCE, 1, 1), (PayloadType::KE, 0, 1), (PayloadType::TSI, 0, 1), (PayloadType::TSR, 0, 1)]),
    (Kind::ChildResp, &[(PayloadType::SA, 1, 1), (PayloadType::NONCE, 1, 1), (PayloadType::KE, 0, 1), (PayloadType::TSI, 0, 1), (PayloadType::TSR, 0, 1)]),
    // RFC 7296 1.4: SK {[N,] [D,] [CP,] ...}
    (Kind::InfoReq, &[(PayloadType::D, 0, 255), (PayloadType::CP, 0, 1)]),
    (Kind::InfoResp, &[(PayloadType::D, 0, 255), (PayloadType::CP, 0, 1)]),
];

fn is_error_response(payloads: &[Payload]) -> bool {
    // RFC 7296 2.6: a COOKIE answer carries nothing else either.
    payloads
        .iter()
        .any(|p| matches!(p, Payload::Notify(n) if n.ty.0 < 16384 || n.ty == NotifyType::COOKIE))
}

/// Checks payload counts for `kind`. `Err` names the offending payload type.
pub fn check(kind: Kind, payloads: &[Payload]) -> Result<(), String> {
    let rules = TABLE
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, r)| *r)
        .unwrap_or(&[]);
    let error = is_error_response(payloads);
    for p in payloads {
        let ty = p.payload_type();
        if ty == PayloadType::N || ty == PayloadType::V {
            continue;
        }
        if let Payload::Unknown {
            critical: false, ..
        } = p
        {
            // RFC 7296 2.5: unknown non-critical payloads are skipped.
            continue;
        }
        if !rules.iter().any(|(t, _, _)| *t == ty) {
            return Err(format!("payload type {} not allowed in {kind:?}", ty.0));
        }
    }
    for (ty, min, max) in rules {
        let n = payloads.iter().filter(|p| p.payload_type() == *ty).count();
        if n > usize::from(*max) || (!error && n < usize::from(*min)) {
            return Err(format!("{n} payloads of type {} in {kind:?}", ty.0));
        }
    }
    Ok(())
}

/// The first error-type Notify (RFC 7296 3.10.1: types below 16384) in a payload list.
pub fn error_notify(payloads: &[Payload]) -> Option<NotifyType> {
    payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.ty.0 < 16384 => Some(n.ty),
        _ => None,
    })
}

/// Finds the first Notify of type `ty`.
pub fn notify(payloads: &[Payload], ty: NotifyType) -> Option<&crate::wire::v2::NotifyPayload> {
    payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.ty == ty => Some(n),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::v2::{NoncePayload, NotifyPayload};

    #[test]
    fn table_rejects_missing_and_extra_payloads() {
        let nonce = Payload::Nonce(NoncePayload { nonce: vec![0; 16] });
        assert!(check(Kind::InitReq, std::slice::from_ref(&nonce)).is_err());
        assert!(check(Kind::InfoReq, std::slice::from_ref(&nonce)).is_err());
        assert!(check(Kind::InfoReq, &[]).is_ok());
        let err = Payload::Notify(NotifyPayload::new(NotifyType::NO_PROPOSAL_CHOSEN, vec![]));
        assert!(check(Kind::InitResp, &[err]).is_ok());
    }
}
