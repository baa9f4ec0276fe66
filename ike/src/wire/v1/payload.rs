//! The payload chain (RFC 2408 3.2): a walker over generic payload headers that turns a run of
//! payloads into `Vec<Payload>` and back.
//!
//! Unknown payload types are kept as [`Payload::Unknown`] (RFC 2408 5.1 leaves rejection with
//! INVALID-PAYLOAD-TYPE to the engine). The walker allocates at most one entry per 4 input
//! bytes and never decides which payloads an exchange may carry.

use super::bytes::Writer;
use super::cert::{CertRepr, CertReqRepr};
use super::data::{HashRepr, KeRepr, NatDRepr, NonceRepr, SigRepr};
use super::delete::DeleteRepr;
use super::header::{split_payload, write_generic, GENERIC_HEADER_LEN};
use super::id::{IdRepr, NatOaRepr};
use super::notify::NotifyRepr;
use super::registry::PayloadType;
use super::sa::SaRepr;
use super::vendor::VendorIdRepr;
use crate::wire::{Error, Result};

/// One top-level ISAKMP payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Sa(SaRepr),
    Ke(KeRepr),
    Id(IdRepr),
    Cert(CertRepr),
    CertReq(CertReqRepr),
    Hash(HashRepr),
    Sig(SigRepr),
    Nonce(NonceRepr),
    Notify(NotifyRepr),
    Delete(DeleteRepr),
    VendorId(VendorIdRepr),
    NatD(NatDRepr),
    NatOa(NatOaRepr),
    /// A payload type this codec does not parse (including the draft NAT-T numbers 130/131
    /// and Mode Config ATTR); its body is kept verbatim.
    Unknown {
        ty: PayloadType,
        body: Vec<u8>,
    },
}

impl Payload {
    /// The payload type written in the previous payload's Next Payload field.
    pub fn payload_type(&self) -> PayloadType {
        match self {
            Payload::Sa(_) => PayloadType::SA,
            Payload::Ke(_) => PayloadType::KE,
            Payload::Id(_) => PayloadType::ID,
            Payload::Cert(_) => PayloadType::CERT,
            Payload::CertReq(_) => PayloadType::CR,
            Payload::Hash(_) => PayloadType::HASH,
            Payload::Sig(_) => PayloadType::SIG,
            Payload::Nonce(_) => PayloadType::NONCE,
            Payload::Notify(_) => PayloadType::N,
            Payload::Delete(_) => PayloadType::D,
            Payload::VendorId(_) => PayloadType::VID,
            Payload::NatD(_) => PayloadType::NAT_D,
            Payload::NatOa(_) => PayloadType::NAT_OA,
            Payload::Unknown { ty, .. } => *ty,
        }
    }

    /// The hash of a NAT-D payload, RFC 3947 (type 20) or draft-ietf-ipsec-nat-t-ike-02/03
    /// (type 130, kept as `Unknown`).
    pub fn nat_d_hash(&self) -> Option<&[u8]> {
        match self {
            Payload::NatD(n) => Some(&n.data),
            Payload::Unknown { ty, body } if *ty == PayloadType::NAT_D_DRAFT => Some(body),
            _ => None,
        }
    }

    /// A NAT-D payload with the given hash, numbered for an RFC 3947 or a draft peer.
    pub fn nat_d(hash: Vec<u8>, draft: bool) -> Self {
        if draft {
            Payload::Unknown {
                ty: PayloadType::NAT_D_DRAFT,
                body: hash,
            }
        } else {
            Payload::NatD(NatDRepr { data: hash })
        }
    }

    /// Parses a payload body of the given type (after its generic header).
    pub fn parse(ty: PayloadType, body: &[u8]) -> Result<Self> {
        Ok(match ty {
            PayloadType::SA => Payload::Sa(SaRepr::parse(body)?),
            PayloadType::KE => Payload::Ke(KeRepr::parse(body)?),
            PayloadType::ID => Payload::Id(IdRepr::parse(body)?),
            PayloadType::CERT => Payload::Cert(CertRepr::parse(body)?),
            PayloadType::CR => Payload::CertReq(CertReqRepr::parse(body)?),
            PayloadType::HASH => Payload::Hash(HashRepr::parse(body)?),
            PayloadType::SIG => Payload::Sig(SigRepr::parse(body)?),
            PayloadType::NONCE => Payload::Nonce(NonceRepr::parse(body)?),
            PayloadType::N => Payload::Notify(NotifyRepr::parse(body)?),
            PayloadType::D => Payload::Delete(DeleteRepr::parse(body)?),
            PayloadType::VID => Payload::VendorId(VendorIdRepr::parse(body)?),
            PayloadType::NAT_D => Payload::NatD(NatDRepr::parse(body)?),
            PayloadType::NAT_OA => Payload::NatOa(NatOaRepr::parse(body)?),
            // RFC 2408 3.4: proposals and transforms only appear inside an SA payload.
            PayloadType::PROPOSAL | PayloadType::TRANSFORM | PayloadType::NONE => {
                return Err(Error::Invalid {
                    what: "payload chain",
                    detail: "P, T or NONE used as a top-level payload type",
                })
            }
            ty => Payload::Unknown {
                ty,
                body: body.to_vec(),
            },
        })
    }

    /// Length of the body (without the generic header).
    pub fn body_len(&self) -> usize {
        match self {
            Payload::Sa(p) => p.buffer_len(),
            Payload::Ke(p) => p.buffer_len(),
            Payload::Id(p) => p.buffer_len(),
            Payload::Cert(p) => p.buffer_len(),
            Payload::CertReq(p) => p.buffer_len(),
            Payload::Hash(p) => p.buffer_len(),
            Payload::Sig(p) => p.buffer_len(),
            Payload::Nonce(p) => p.buffer_len(),
            Payload::Notify(p) => p.buffer_len(),
            Payload::Delete(p) => p.buffer_len(),
            Payload::VendorId(p) => p.buffer_len(),
            Payload::NatD(p) => p.buffer_len(),
            Payload::NatOa(p) => p.buffer_len(),
            Payload::Unknown { body, .. } => body.len(),
        }
    }

    /// Length on the wire including the generic header.
    pub fn buffer_len(&self) -> usize {
        GENERIC_HEADER_LEN + self.body_len()
    }

    fn write_body(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            Payload::Sa(p) => p.write(w),
            Payload::Ke(p) => p.write(w),
            Payload::Id(p) => p.write(w),
            Payload::Cert(p) => p.write(w),
            Payload::CertReq(p) => p.write(w),
            Payload::Hash(p) => p.write(w),
            Payload::Sig(p) => p.write(w),
            Payload::Nonce(p) => p.write(w),
            Payload::Notify(p) => p.write(w),
            Payload::Delete(p) => p.write(w),
            Payload::VendorId(p) => p.write(w),
            Payload::NatD(p) => p.write(w),
            Payload::NatOa(p) => p.write(w),
            Payload::Unknown { ty, body } => {
                if matches!(
                    *ty,
                    PayloadType::NONE | PayloadType::PROPOSAL | PayloadType::TRANSFORM
                ) {
                    return Err(Error::Invalid {
                        what: "payload chain",
                        detail: "P, T or NONE used as a top-level payload type",
                    });
                }
                w.put(body)
            }
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>, next: PayloadType) -> Result<()> {
        write_generic(w, next, self.body_len(), "payload")?;
        self.write_body(w)
    }
}

/// Parses a payload chain starting with `first` that must fill `buf` exactly
/// (RFC 2408 5.1: the payload lengths must add up to the message length).
pub fn parse_payload_chain(first: PayloadType, buf: &[u8]) -> Result<Vec<Payload>> {
    let (payloads, used) = walk(first, buf)?;
    if used != buf.len() {
        return Err(Error::BadLength {
            what: "payload chain",
            length: buf.len(),
        });
    }
    Ok(payloads)
}

/// Parses a payload chain from decrypted IKEv1 plaintext, which carries CBC block-size padding
/// after the last payload (no payload length covers it). Returns the payloads and the number
/// of bytes they used; whatever follows is the padding, left for the caller to judge.
pub fn parse_payload_chain_padded(first: PayloadType, buf: &[u8]) -> Result<(Vec<Payload>, usize)> {
    walk(first, buf)
}

fn walk(first: PayloadType, buf: &[u8]) -> Result<(Vec<Payload>, usize)> {
    let mut payloads = Vec::new();
    let mut next = first;
    let mut rest = buf;
    while next != PayloadType::NONE {
        let (after_next, body, after) = split_payload(rest, "payload")?;
        payloads.push(Payload::parse(next, body)?);
        next = after_next;
        rest = after;
    }
    Ok((payloads, buf.len() - rest.len()))
}

/// Length of a payload chain on the wire.
pub fn chain_len(payloads: &[Payload]) -> usize {
    payloads.iter().map(Payload::buffer_len).sum()
}

/// The first payload type of a chain (NONE when empty): the header's Next Payload.
pub fn first_payload_type(payloads: &[Payload]) -> PayloadType {
    payloads
        .first()
        .map_or(PayloadType::NONE, Payload::payload_type)
}

pub(crate) fn write_chain(w: &mut Writer<'_>, payloads: &[Payload]) -> Result<()> {
    for (i, p) in payloads.iter().enumerate() {
        let next = payloads
            .get(i + 1)
            .map_or(PayloadType::NONE, Payload::payload_type);
        p.write(w, next)?;
    }
    Ok(())
}

/// Writes a payload chain into `buf`; returns the bytes written. The first payload's type
/// belongs in the ISAKMP header (see [`first_payload_type`]).
pub fn emit_payload_chain(payloads: &[Payload], buf: &mut [u8]) -> Result<usize> {
    let mut w = Writer::new(buf);
    write_chain(&mut w, payloads)?;
    Ok(w.pos())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::strategies::payload;
    use super::*;
    use proptest::prelude::*;

    fn encode(p: &[Payload]) -> Vec<u8> {
        let mut buf = vec![0u8; chain_len(p)];
        assert_eq!(emit_payload_chain(p, &mut buf).unwrap(), buf.len());
        buf
    }

    fn sample() -> Vec<Payload> {
        vec![
            Payload::Hash(HashRepr { data: vec![1; 20] }),
            Payload::Unknown {
                ty: PayloadType(77),
                body: vec![9, 9],
            },
            Payload::VendorId(VendorIdRepr { data: vec![2; 16] }),
        ]
    }

    #[test]
    fn chain_links_and_unknown_payloads() {
        let buf = encode(&sample());
        assert_eq!(buf[..4], [77, 0, 0, 24]);
        assert_eq!(buf[24..28], [13, 0, 0, 6]);
        assert_eq!(buf[30..34], [0, 0, 0, 20]);
        assert_eq!(
            parse_payload_chain(PayloadType::HASH, &buf).unwrap(),
            sample()
        );
    }

    #[test]
    fn padding_only_in_padded_mode() {
        let mut buf = encode(&sample());
        let len = buf.len();
        buf.extend_from_slice(&[0, 0, 0, 3]);
        assert!(parse_payload_chain(PayloadType::HASH, &buf).is_err());
        let (p, used) = parse_payload_chain_padded(PayloadType::HASH, &buf).unwrap();
        assert_eq!((p, used), (sample(), len));
    }

    #[test]
    fn nat_d_rfc_and_draft_numbers() {
        let rfc = Payload::nat_d(vec![1; 20], false);
        let draft = Payload::nat_d(vec![1; 20], true);
        assert_eq!(rfc.payload_type(), PayloadType::NAT_D);
        assert_eq!(draft.payload_type(), PayloadType(130));
        let buf = encode(&[rfc.clone(), draft.clone()]);
        let back = parse_payload_chain(PayloadType::NAT_D, &buf).unwrap();
        assert_eq!(back, vec![rfc, draft]);
        assert!(back.iter().all(|p| p.nat_d_hash() == Some(&[1u8; 20][..])));
        assert_eq!(sample()[0].nat_d_hash(), None);
    }

    #[test]
    fn chain_errors() {
        let buf = encode(&sample());
        // chain claims another payload but the buffer ends
        let mut cut = buf.clone();
        cut[30] = 13;
        assert!(parse_payload_chain(PayloadType::HASH, &cut).is_err());
        assert!(parse_payload_chain(PayloadType::PROPOSAL, &buf).is_err());
        assert!(parse_payload_chain(PayloadType::HASH, &buf[..10]).is_err());
        assert_eq!(parse_payload_chain(PayloadType::NONE, &[]).unwrap(), vec![]);
        assert!(parse_payload_chain(PayloadType::NONE, &[0]).is_err());
        let bad = [Payload::Unknown {
            ty: PayloadType::TRANSFORM,
            body: vec![],
        }];
        assert!(emit_payload_chain(&bad, &mut [0u8; 8]).is_err());
    }

    proptest! {
        #[test]
        fn roundtrip(chain in proptest::collection::vec(payload(), 0..6)) {
            let buf = encode(&chain);
            let first = first_payload_type(&chain);
            prop_assert_eq!(parse_payload_chain(first, &buf).unwrap(), chain);
        }

        #[test]
        fn parse_never_panics(first in any::<u8>(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_payload_chain_padded(PayloadType(first), &bytes);
        }
    }
}
