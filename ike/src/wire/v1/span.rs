//! Byte positions of the payloads in a chain, for the engine's hash inputs.
//!
//! IKEv1 authenticates raw payload bytes (RFC 2409 5: SAi_b is "the entire body of the SA
//! payload (minus the ISAKMP generic header)"; quick mode HASH(1) covers the message after the
//! HASH payload). Reserved fields are not kept by the `Repr`s, so re-emitting a received
//! payload need not reproduce the peer's bytes: hash the slices these spans point at instead.
//! This file only walks generic headers; it never parses or hashes a body.

use core::ops::Range;

use super::header::{GenericPayload, GENERIC_HEADER_LEN};
use super::registry::PayloadType;
use crate::wire::Result;

/// Where one payload sits in a chain buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadSpan {
    /// This payload's type (from the previous Next Payload field or the header).
    pub ty: PayloadType,
    /// The whole payload including its generic header.
    pub payload: Range<usize>,
    /// The body after the generic header.
    pub body: Range<usize>,
}

/// Walks the generic headers of a chain starting with `first`; returns the spans and the
/// number of bytes the chain uses (bytes after it, such as CBC padding, are not examined).
pub fn payload_spans(first: PayloadType, buf: &[u8]) -> Result<(Vec<PayloadSpan>, usize)> {
    let mut spans = Vec::new();
    let mut ty = first;
    let mut at = 0usize;
    while ty != PayloadType::NONE {
        let rest = buf.get(at..).unwrap_or_default();
        let p = GenericPayload::new_checked(rest, "payload")?;
        let len = p.payload_length();
        spans.push(PayloadSpan {
            ty,
            payload: at..at + len,
            body: at + GENERIC_HEADER_LEN..at + len,
        });
        ty = p.next_payload();
        at += len;
    }
    Ok((spans, at))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::data::HashRepr;
    use super::super::payload::{chain_len, emit_payload_chain, first_payload_type, Payload};
    use super::super::strategies::payload;
    use super::super::vendor::VendorIdRepr;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_point_at_payload_bytes() {
        let chain = [
            Payload::Hash(HashRepr { data: vec![1; 20] }),
            Payload::VendorId(VendorIdRepr { data: vec![2; 3] }),
        ];
        let mut buf = vec![0u8; chain_len(&chain) + 5];
        emit_payload_chain(&chain, &mut buf).unwrap();
        let (spans, used) = payload_spans(PayloadType::HASH, &buf).unwrap();
        assert_eq!(used, 31);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].ty, PayloadType::HASH);
        assert_eq!(spans[0].payload, 0..24);
        assert_eq!(spans[0].body, 4..24);
        assert_eq!(spans[1].ty, PayloadType::VID);
        assert_eq!(&buf[spans[1].body.clone()], &[2, 2, 2]);
        // quick mode style: everything after the HASH payload
        assert_eq!(buf[spans[0].payload.end..used].len(), 7);
    }

    #[test]
    fn spans_check_lengths() {
        assert!(payload_spans(PayloadType::HASH, &[0, 0, 0, 2]).is_err());
        assert!(payload_spans(PayloadType::HASH, &[13, 0, 0, 4]).is_err());
        assert_eq!(payload_spans(PayloadType::NONE, &[1, 2]).unwrap().1, 0);
    }

    proptest! {
        #[test]
        fn spans_agree_with_parsed_chain(chain in proptest::collection::vec(payload(), 0..5)) {
            let mut buf = vec![0u8; chain_len(&chain)];
            emit_payload_chain(&chain, &mut buf).unwrap();
            let (spans, used) = payload_spans(first_payload_type(&chain), &buf).unwrap();
            prop_assert_eq!(used, buf.len());
            prop_assert_eq!(spans.len(), chain.len());
            for (span, p) in spans.iter().zip(&chain) {
                prop_assert_eq!(span.ty, p.payload_type());
                let body = &buf[span.body.clone()];
                prop_assert_eq!(&Payload::parse(span.ty, body).unwrap(), p);
            }
        }
    }
}
