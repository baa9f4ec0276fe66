//! A whole ISAKMP message: header plus either a plaintext payload chain or, when the header's
//! E flag is set, the still-encrypted body (RFC 2408 3.1 "E(ncryption) bit").
//!
//! The codec never decrypts: the engine takes `Body::Encrypted`, decrypts it and calls
//! [`parse_payload_chain_padded`](super::payload::parse_payload_chain_padded) with the
//! header's Next Payload. Lengths are checked end to end; nothing here is a protocol decision.

use super::bytes::Writer;
use super::header::{Flags, Header, HeaderRepr, HEADER_LEN};
use super::payload::{chain_len, first_payload_type, parse_payload_chain, write_chain, Payload};
use crate::wire::{Error, Result};

/// What follows the ISAKMP header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Plaintext payloads (E flag clear).
    Plain(Vec<Payload>),
    /// Ciphertext (E flag set): IV handling, decryption and padding are the engine's job.
    Encrypted(Vec<u8>),
}

/// An ISAKMP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: HeaderRepr,
    pub body: Body,
}

impl Message {
    /// A plaintext message; sets the header's Next Payload and clears its E flag.
    pub fn plain(mut header: HeaderRepr, payloads: Vec<Payload>) -> Self {
        header.next_payload = first_payload_type(&payloads);
        header.flags = Flags(header.flags.0 & !Flags::ENCRYPTION.0);
        Message {
            header,
            body: Body::Plain(payloads),
        }
    }

    /// An encrypted message; sets the E flag. `header.next_payload` must name the first
    /// payload inside the ciphertext.
    pub fn encrypted(mut header: HeaderRepr, ciphertext: Vec<u8>) -> Self {
        header.flags = header.flags.union(Flags::ENCRYPTION);
        Message {
            header,
            body: Body::Encrypted(ciphertext),
        }
    }

    /// Parses a datagram holding exactly one ISAKMP message.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let view = Header::new_checked(buf)?;
        // RFC 2408 5.1: the Length in the header must match the message received.
        if view.length() as usize != buf.len() {
            return Err(Error::BadLength {
                what: "ISAKMP message",
                length: view.length() as usize,
            });
        }
        // RFC 2408 5.2: a major version we do not implement is rejected
        // (INVALID-MAJOR-VERSION); this module implements ISAKMP 1.x only.
        if view.major_version() != 1 {
            return Err(Error::Invalid {
                what: "ISAKMP header",
                detail: "major version is not 1",
            });
        }
        let header = HeaderRepr::parse(&view);
        let body = if header.flags.contains(Flags::ENCRYPTION) {
            Body::Encrypted(view.body().to_vec())
        } else {
            Body::Plain(parse_payload_chain(header.next_payload, view.body())?)
        };
        Ok(Message { header, body })
    }

    /// Total length on the wire.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match &self.body {
                Body::Plain(p) => chain_len(p),
                Body::Encrypted(c) => c.len(),
            }
    }

    /// Writes the message into `buf`; returns the bytes written. For a plaintext body the
    /// header's Next Payload is taken from the first payload. The E flag must match the body.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let total = self.buffer_len();
        let mut w = Writer::new(buf);
        let encrypted = self.header.flags.contains(Flags::ENCRYPTION);
        match &self.body {
            Body::Plain(payloads) if !encrypted => {
                let mut header = self.header.clone();
                header.next_payload = first_payload_type(payloads);
                header.write(&mut w, total)?;
                write_chain(&mut w, payloads)?;
            }
            Body::Encrypted(c) if encrypted => {
                self.header.write(&mut w, total)?;
                w.put(c)?;
            }
            _ => {
                return Err(Error::Invalid {
                    what: "ISAKMP header",
                    detail: "E flag must be set exactly when the body is encrypted",
                })
            }
        }
        Ok(w.pos())
    }

    /// Emits into a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; self.buffer_len()];
        let n = self.emit(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// The plaintext payloads, if the body is not encrypted.
    pub fn payloads(&self) -> Option<&[Payload]> {
        match &self.body {
            Body::Plain(p) => Some(p),
            Body::Encrypted(_) => None,
        }
    }
}

/// Parses a datagram holding exactly one ISAKMP message (see [`Message::parse`]).
pub fn parse_message(buf: &[u8]) -> Result<Message> {
    Message::parse(buf)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::data::HashRepr;
    use super::super::notify::NotifyRepr;
    use super::super::payload::parse_payload_chain_padded;
    use super::super::registry::{ExchangeType, NotifyType, PayloadType};
    use super::super::strategies::message;
    use super::*;
    use proptest::prelude::*;

    fn info_header() -> HeaderRepr {
        HeaderRepr::new([1; 8], [2; 8], ExchangeType::INFORMATIONAL, 0x1234_5678)
    }

    #[test]
    fn encrypted_body_is_kept_opaque() {
        let m = Message::encrypted(
            HeaderRepr {
                next_payload: PayloadType::HASH,
                ..info_header()
            },
            vec![0xee; 32],
        );
        let bytes = m.to_vec().unwrap();
        assert_eq!(bytes.len(), 60);
        assert_eq!(bytes[16], 8); // next payload HASH, inside the ciphertext
        assert_eq!(bytes[19], 0x01);
        assert_eq!(bytes[24..28], [0, 0, 0, 60]);
        assert_eq!(parse_message(&bytes).unwrap(), m);
    }

    #[test]
    fn plain_dpd_informational() {
        let m = Message::plain(
            info_header(),
            vec![
                Payload::Hash(HashRepr { data: vec![7; 20] }),
                Payload::Notify(NotifyRepr::dpd(NotifyType::R_U_THERE, [1; 8], [2; 8], 5)),
            ],
        );
        assert_eq!(m.header.next_payload, PayloadType::HASH);
        let bytes = m.to_vec().unwrap();
        assert_eq!(bytes.len(), 28 + 24 + 32);
        let back = parse_message(&bytes).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.payloads().unwrap().len(), 2);
    }

    #[test]
    fn length_and_version_checks() {
        let bytes = Message::plain(info_header(), vec![]).to_vec().unwrap();
        assert_eq!(bytes.len(), 28);
        assert!(parse_message(&bytes).is_ok());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            parse_message(&longer),
            Err(Error::BadLength { .. })
        ));
        let mut v2 = bytes.clone();
        v2[17] = 0x20;
        assert!(parse_message(&v2).is_err());
        // header says a payload follows but the body is empty
        let mut np = bytes;
        np[16] = 13;
        assert!(parse_message(&np).is_err());
    }

    #[test]
    fn e_flag_must_match_body() {
        let mut m = Message::plain(info_header(), vec![]);
        m.header.flags = Flags::ENCRYPTION;
        assert!(m.to_vec().is_err());
        let mut m = Message::encrypted(info_header(), vec![1; 16]);
        m.header.flags = Flags::default();
        assert!(m.to_vec().is_err());
    }

    #[test]
    fn emit_into_small_buffer_fails() {
        let m = Message::encrypted(info_header(), vec![1; 16]);
        assert!(matches!(
            m.emit(&mut [0u8; 43]),
            Err(Error::BufferTooSmall { .. })
        ));
    }

    proptest! {
        #[test]
        fn roundtrip(m in message()) {
            let bytes = m.to_vec().unwrap();
            prop_assert_eq!(bytes.len(), m.buffer_len());
            prop_assert_eq!(parse_message(&bytes).unwrap(), m);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_message(&bytes);
        }

        #[test]
        fn mutated_valid_messages_never_panic(
            m in message(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
            cut in any::<usize>(),
        ) {
            // Corrupting bytes of a valid message (lengths, counts, types) reaches the nested
            // length checks; parsing must return, with Ok or Err, never panic.
            let mut bytes = m.to_vec().unwrap();
            for (at, v) in edits {
                let i = at % bytes.len();
                bytes[i] = v;
            }
            if let Ok(parsed) = parse_message(&bytes) {
                // whatever parses is a value the codec can emit and read back unchanged
                let again = parsed.to_vec().unwrap();
                prop_assert_eq!(parse_message(&again).unwrap(), parsed);
            }
            let body = bytes.get(HEADER_LEN..).unwrap_or_default();
            let _ = parse_payload_chain_padded(m.header.next_payload, body);
            let _ = parse_message(&bytes[..cut % (bytes.len() + 1)]);
        }

        #[test]
        fn parse_never_panics_on_valid_header(
            body in proptest::collection::vec(any::<u8>(), 0..300),
            first in any::<u8>(),
        ) {
            // A well-formed header over random payload bytes reaches the payload parsers.
            let mut bytes = vec![0u8; 28];
            bytes[16] = first;
            bytes[17] = 0x10;
            bytes.extend_from_slice(&body);
            let len = bytes.len() as u32;
            bytes[24..28].copy_from_slice(&len.to_be_bytes());
            let _ = parse_message(&bytes);
        }
    }
}
