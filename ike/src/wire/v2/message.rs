//! Whole IKEv2 messages (RFC 7296 3.1, 3.2): the payload chain walker and emitter, and
//! [`Message`] = header + payloads.
//!
//! The walker follows Next Payload fields over generic payload headers, checks every Payload
//! Length against the bytes left, keeps unknown non-critical payloads and rejects unknown
//! critical ones (RFC 7296 2.5). An SK or SKF payload ends the outer chain; its inner chain
//! is parsed separately after decryption with [`parse_payload_chain`]. This module never
//! decrypts and never checks which payloads an exchange may carry.

use super::header::{Header, HeaderView, HEADER_LEN};
use super::payloads::{GenericHeader, Payload, GENERIC_HEADER_LEN};
use super::registry::PayloadType;
use super::util::check_out;
use crate::wire::{Error, Result};

/// Parses a payload chain starting with a payload of type `first` that must cover exactly
/// `buf`. Used for the payloads after the IKE header and for decrypted SK content.
pub fn parse_payload_chain(first: PayloadType, buf: &[u8]) -> Result<Vec<Payload>> {
    let mut out = Vec::new();
    let mut ty = first;
    let mut rest = buf;
    while ty != PayloadType::NONE {
        let h = GenericHeader::parse(rest)?;
        let body = rest.get(GENERIC_HEADER_LEN..h.length).unwrap_or_default();
        let p = Payload::parse(ty, h.next_payload, h.critical, body)?;
        rest = rest.get(h.length..).unwrap_or_default();
        if p.is_encrypted() {
            // RFC 7296 3.14: "the Encrypted payload, if present in a message, MUST be the last
            // payload in the message" (likewise SKF, RFC 7383 2.5).
            if !rest.is_empty() {
                return Err(Error::Invalid {
                    what: "Encrypted payload",
                    detail: "not the last payload",
                });
            }
            out.push(p);
            return Ok(out);
        }
        out.push(p);
        ty = h.next_payload;
    }
    if !rest.is_empty() {
        return Err(Error::BadLength {
            what: "payload chain (bytes after the last payload)",
            length: rest.len(),
        });
    }
    Ok(out)
}

/// Octets [`emit_payload_chain`] writes.
pub fn payload_chain_len(payloads: &[Payload]) -> usize {
    payloads.iter().map(Payload::buffer_len).sum()
}

/// Type of the first payload of a chain (`NONE` for an empty chain).
pub fn first_payload_type(payloads: &[Payload]) -> PayloadType {
    payloads
        .first()
        .map_or(PayloadType::NONE, Payload::payload_type)
}

/// Writes a payload chain into `buf`, returning the type of its first payload (for the
/// preceding Next Payload field). SK/SKF may only be last.
pub fn emit_payload_chain(payloads: &[Payload], buf: &mut [u8]) -> Result<PayloadType> {
    check_out(buf, payload_chain_len(payloads))?;
    let mut off = 0;
    for (i, p) in payloads.iter().enumerate() {
        let following = payloads.get(i + 1).map(Payload::payload_type);
        if p.is_encrypted() && following.is_some() {
            return Err(Error::Invalid {
                what: "Encrypted payload",
                detail: "not the last payload",
            });
        }
        let len = p.buffer_len();
        let available = buf.len();
        let dst = buf.get_mut(off..off + len).ok_or(Error::BufferTooSmall {
            needed: off + len,
            available,
        })?;
        p.emit(dst, following.unwrap_or(PayloadType::NONE))?;
        off += len;
    }
    Ok(first_payload_type(payloads))
}

/// A payload chain as bytes, with its first payload type (e.g. the plaintext of an SK payload
/// before padding).
pub fn payload_chain_to_vec(payloads: &[Payload]) -> Result<(PayloadType, Vec<u8>)> {
    let mut v = vec![0u8; payload_chain_len(payloads)];
    let first = emit_payload_chain(payloads, &mut v)?;
    Ok((first, v))
}

/// An IKEv2 message: header and outer payload chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    pub header: Header,
    pub payloads: Vec<Payload>,
}

impl Message {
    /// Parses a whole datagram (without any non-ESP marker). The Length field must equal
    /// `buf.len()` and the major version must be 2.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let view = HeaderView::new_checked(buf)?;
        if view.length() != buf.len() {
            return Err(Error::BadLength {
                what: "IKE header length (datagram is longer)",
                length: view.length(),
            });
        }
        // RFC 7296 3.1: implementations of this version MUST set the Major Version to 2; a
        // message with a higher one is answered by the engine from the header alone.
        if view.major_version() != 2 {
            return Err(Error::Invalid {
                what: "IKE header",
                detail: "major version is not 2",
            });
        }
        let header = Header::from_view(&view);
        let payloads = parse_payload_chain(view.next_payload(), view.payload())?;
        Ok(Message { header, payloads })
    }

    /// Octets of the whole message.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + payload_chain_len(&self.payloads)
    }

    /// Writes the message, filling in the header's Next Payload and Length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let len = self.buffer_len();
        check_out(buf, len)?;
        let first = emit_payload_chain(&self.payloads, &mut buf[HEADER_LEN..len])?;
        self.header.emit(buf, first, len)
    }

    /// The message as a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut v)?;
        Ok(v)
    }

    /// Iterates the Notify payloads of the outer chain.
    pub fn notifies(&self) -> impl Iterator<Item = &super::payloads::NotifyPayload> {
        self.payloads.iter().filter_map(|p| match p {
            Payload::Notify(n) => Some(n),
            _ => None,
        })
    }
}

/// One payload of a chain seen through its generic header, body not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPayload<'a> {
    /// Offset of the generic header within the walked buffer.
    pub offset: usize,
    /// This payload's type (from the preceding Next Payload field).
    pub ty: PayloadType,
    /// The Next Payload field of this payload's own header.
    pub next_payload: PayloadType,
    pub critical: bool,
    /// The bytes after the generic header, `Payload Length - 4` of them.
    pub body: &'a [u8],
}

/// A non-allocating walk over a payload chain: each item is checked (Payload Length within
/// the bytes left) but not parsed. The walk stops after a NONE Next Payload, after SK/SKF, or
/// at the first error. It does not check for bytes after the last payload.
#[derive(Debug, Clone)]
pub struct RawPayloads<'a> {
    buf: &'a [u8],
    offset: usize,
    ty: PayloadType,
    done: bool,
}

/// Walks the chain starting with type `first` over `buf` (see [`RawPayloads`]).
pub fn raw_payloads(first: PayloadType, buf: &[u8]) -> RawPayloads<'_> {
    RawPayloads {
        buf,
        offset: 0,
        ty: first,
        done: first == PayloadType::NONE,
    }
}

impl<'a> Iterator for RawPayloads<'a> {
    type Item = Result<RawPayload<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.buf.get(self.offset..).unwrap_or_default();
        let h = match GenericHeader::parse(rest) {
            Ok(h) => h,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let item = RawPayload {
            offset: self.offset,
            ty: self.ty,
            next_payload: h.next_payload,
            critical: h.critical,
            body: rest.get(GENERIC_HEADER_LEN..h.length).unwrap_or_default(),
        };
        self.offset += h.length;
        self.ty = h.next_payload;
        self.done = h.next_payload == PayloadType::NONE
            || item.ty == PayloadType::SK
            || item.ty == PayloadType::SKF;
        Some(Ok(item))
    }
}

/// Offset of the SK or SKF generic payload header in an encoded message, if it has one.
///
/// The integrity check covers `msg[..len - icv_len]`, and AEAD associated data (RFC 5282 5.1)
/// is `msg[..offset + 4]` (SKF: `offset + 8`). Walks headers only; bodies are not parsed.
pub fn encrypted_payload_offset(msg: &[u8]) -> Result<Option<usize>> {
    let view = HeaderView::new_checked(msg)?;
    for p in raw_payloads(view.next_payload(), view.payload()) {
        let p = p?;
        if p.ty == PayloadType::SK || p.ty == PayloadType::SKF {
            return Ok(Some(HEADER_LEN + p.offset));
        }
    }
    Ok(None)
}
