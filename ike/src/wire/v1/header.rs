//! The ISAKMP fixed header (RFC 2408 3.1) and the generic payload header (RFC 2408 3.2).
//!
//! `Header::new_checked` validates the 28-byte header and its Length field against the
//! buffer, so no accessor can panic. This file never looks past the header: payload bodies
//! are read by `message` and the payload files.

use super::bytes::{Reader, Writer};
use super::registry::{ExchangeType, PayloadType};
use crate::wire::{Error, Result};

/// Length of the ISAKMP header (RFC 2408 3.1).
pub const HEADER_LEN: usize = 28;
/// Length of the generic payload header (RFC 2408 3.2).
pub const GENERIC_HEADER_LEN: usize = 4;

/// ISAKMP header flags (RFC 2408 3.1). Unknown bits are kept so they round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// E: the payloads after the header are encrypted.
    pub const ENCRYPTION: Flags = Flags(0x01);
    /// C: commit bit (RFC 2408 3.1, RFC 2409 5.5 quick mode CONNECTED).
    pub const COMMIT: Flags = Flags(0x02);
    /// A: authentication-only bit.
    pub const AUTHENTICATION_ONLY: Flags = Flags(0x04);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of bits.
    pub fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

impl core::fmt::Debug for Flags {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut first = true;
        for (bit, name) in [(0x01, "E"), (0x02, "C"), (0x04, "A")] {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let rest = self.0 & !0x07;
        if rest != 0 || first {
            if !first {
                f.write_str("|")?;
            }
            write!(f, "{rest:#04x}")?;
        }
        Ok(())
    }
}

/// Checked view over an ISAKMP header at the start of a datagram.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    buffer: &'a [u8],
}

impl<'a> Header<'a> {
    /// Validates the buffer holds a 28-byte header and that the Length field is at least 28
    /// and not larger than the buffer (RFC 2408 5.1: the message length must be checked).
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        if buffer.len() < HEADER_LEN {
            return Err(Error::Truncated {
                what: "ISAKMP header",
                needed: HEADER_LEN,
                available: buffer.len(),
            });
        }
        let h = Header { buffer };
        let len = h.length() as usize;
        if len < HEADER_LEN {
            return Err(Error::BadLength {
                what: "ISAKMP header",
                length: len,
            });
        }
        if len > buffer.len() {
            return Err(Error::Truncated {
                what: "ISAKMP message",
                needed: len,
                available: buffer.len(),
            });
        }
        Ok(h)
    }

    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0u8; N];
        if let Some(s) = self.buffer.get(at..at + N) {
            a.copy_from_slice(s);
        }
        a
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.get(at).copied().unwrap_or_default()
    }

    pub fn initiator_cookie(&self) -> [u8; 8] {
        self.array(0)
    }
    pub fn responder_cookie(&self) -> [u8; 8] {
        self.array(8)
    }
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.byte(16))
    }
    pub fn major_version(&self) -> u8 {
        self.byte(17) >> 4
    }
    pub fn minor_version(&self) -> u8 {
        self.byte(17) & 0x0f
    }
    pub fn exchange_type(&self) -> ExchangeType {
        ExchangeType(self.byte(18))
    }
    pub fn flags(&self) -> Flags {
        Flags(self.byte(19))
    }
    pub fn message_id(&self) -> u32 {
        u32::from_be_bytes(self.array(20))
    }
    /// Total message length including the header.
    pub fn length(&self) -> u32 {
        u32::from_be_bytes(self.array(24))
    }
    /// The bytes after the header up to the declared Length.
    pub fn body(&self) -> &'a [u8] {
        self.buffer
            .get(HEADER_LEN..self.length() as usize)
            .unwrap_or_default()
    }
}

/// High-level ISAKMP header. The Length field is derived when a whole message is emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRepr {
    pub initiator_cookie: [u8; 8],
    pub responder_cookie: [u8; 8],
    /// Type of the first payload (inside the ciphertext when the E flag is set).
    pub next_payload: PayloadType,
    pub major_version: u8,
    pub minor_version: u8,
    pub exchange_type: ExchangeType,
    pub flags: Flags,
    pub message_id: u32,
}

impl HeaderRepr {
    /// A version 1.0 header with no flags.
    pub fn new(
        initiator_cookie: [u8; 8],
        responder_cookie: [u8; 8],
        exchange_type: ExchangeType,
        message_id: u32,
    ) -> Self {
        HeaderRepr {
            initiator_cookie,
            responder_cookie,
            next_payload: PayloadType::NONE,
            major_version: 1,
            minor_version: 0,
            exchange_type,
            flags: Flags::default(),
            message_id,
        }
    }

    /// Reads the header fields; the caller validates the version (see `Message::parse`).
    pub fn parse(view: &Header<'_>) -> Self {
        HeaderRepr {
            initiator_cookie: view.initiator_cookie(),
            responder_cookie: view.responder_cookie(),
            next_payload: view.next_payload(),
            major_version: view.major_version(),
            minor_version: view.minor_version(),
            exchange_type: view.exchange_type(),
            flags: view.flags(),
            message_id: view.message_id(),
        }
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header with the given total message length.
    pub fn emit(&self, buf: &mut [u8], total_len: usize) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w, total_len)?;
        Ok(w.pos())
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>, total_len: usize) -> Result<()> {
        if self.major_version > 0x0f || self.minor_version > 0x0f {
            return Err(Error::Invalid {
                what: "ISAKMP header",
                detail: "version number does not fit in 4 bits",
            });
        }
        let len = u32::try_from(total_len).map_err(|_| Error::BadLength {
            what: "ISAKMP message",
            length: total_len,
        })?;
        w.put(&self.initiator_cookie)?;
        w.put(&self.responder_cookie)?;
        w.u8(self.next_payload.0)?;
        w.u8((self.major_version << 4) | self.minor_version)?;
        w.u8(self.exchange_type.0)?;
        w.u8(self.flags.0)?;
        w.u32(self.message_id)?;
        w.u32(len)
    }
}

/// Checked view over one payload's generic header and body (RFC 2408 3.2).
#[derive(Debug, Clone, Copy)]
pub struct GenericPayload<'a> {
    buffer: &'a [u8],
}

impl<'a> GenericPayload<'a> {
    /// Validates that the buffer starts with a generic header whose Payload Length is at
    /// least 4 and fits the buffer; bytes after the payload are allowed (see [`Self::rest`]).
    pub fn new_checked(buffer: &'a [u8], what: &'static str) -> Result<Self> {
        let mut r = Reader::new(buffer, what);
        let _next = r.u8()?;
        // RFC 2408 3.2: RESERVED is unused and set to 0; receivers ignore it.
        let _reserved = r.u8()?;
        let len = usize::from(r.u16()?);
        if len < GENERIC_HEADER_LEN {
            return Err(Error::BadLength { what, length: len });
        }
        r.take(len - GENERIC_HEADER_LEN)?;
        Ok(GenericPayload { buffer })
    }

    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.buffer.first().copied().unwrap_or_default())
    }

    /// Payload Length, including the 4-byte generic header.
    pub fn payload_length(&self) -> usize {
        match self.buffer.get(2..4) {
            Some(&[a, b]) => usize::from(u16::from_be_bytes([a, b])),
            _ => 0,
        }
    }

    /// The payload body after the generic header.
    pub fn body(&self) -> &'a [u8] {
        self.buffer
            .get(GENERIC_HEADER_LEN..self.payload_length())
            .unwrap_or_default()
    }

    /// The bytes after this payload.
    pub fn rest(&self) -> &'a [u8] {
        self.buffer.get(self.payload_length()..).unwrap_or_default()
    }
}

/// Splits one generic-header payload off the front of `buf` (RFC 2408 3.2): returns its Next
/// Payload, its body (after the 4-byte header) and what follows it.
pub fn split_payload<'a>(
    buf: &'a [u8],
    what: &'static str,
) -> Result<(PayloadType, &'a [u8], &'a [u8])> {
    let p = GenericPayload::new_checked(buf, what)?;
    Ok((p.next_payload(), p.body(), p.rest()))
}

/// Writes a generic payload header for a body of `body_len` bytes.
pub(crate) fn write_generic(
    w: &mut Writer<'_>,
    next: PayloadType,
    body_len: usize,
    what: &'static str,
) -> Result<()> {
    let total = body_len + GENERIC_HEADER_LEN;
    w.u8(next.0)?;
    w.u8(0)?;
    w.u16(super::bytes::len_u16(total, what)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> [u8; 32] {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        b[16] = 1; // SA
        b[17] = 0x10; // 1.0
        b[18] = 2; // main mode
        b[19] = 0x03; // E|C
        b[20..24].copy_from_slice(&0xdead_beef_u32.to_be_bytes());
        b[24..28].copy_from_slice(&32u32.to_be_bytes());
        b
    }

    #[test]
    fn view_reads_fields() {
        let b = sample();
        let h = Header::new_checked(&b).unwrap();
        assert_eq!(h.initiator_cookie(), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(h.responder_cookie(), [0; 8]);
        assert_eq!(h.next_payload(), PayloadType::SA);
        assert_eq!((h.major_version(), h.minor_version()), (1, 0));
        assert_eq!(h.exchange_type(), ExchangeType::MAIN_MODE);
        assert!(h.flags().contains(Flags::ENCRYPTION.union(Flags::COMMIT)));
        assert!(!h.flags().contains(Flags::AUTHENTICATION_ONLY));
        assert_eq!(h.message_id(), 0xdead_beef);
        assert_eq!(h.body().len(), 4);
        assert_eq!(format!("{:?}", h.flags()), "E|C");
    }

    #[test]
    fn length_checks() {
        let mut b = sample();
        assert!(Header::new_checked(&b[..27]).is_err());
        b[24..28].copy_from_slice(&27u32.to_be_bytes());
        assert!(matches!(
            Header::new_checked(&b),
            Err(Error::BadLength { length: 27, .. })
        ));
        b[24..28].copy_from_slice(&33u32.to_be_bytes());
        assert!(matches!(
            Header::new_checked(&b),
            Err(Error::Truncated { needed: 33, .. })
        ));
        b[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Header::new_checked(&b).is_err());
    }

    #[test]
    fn repr_roundtrip() {
        let b = sample();
        let repr = HeaderRepr::parse(&Header::new_checked(&b).unwrap());
        let mut out = [0u8; 28];
        assert_eq!(repr.emit(&mut out, 32).unwrap(), 28);
        assert_eq!(out, b[..28]);
        assert!(repr.emit(&mut out[..27], 32).is_err());
    }

    #[test]
    fn generic_payload_view() {
        let buf = [8, 0, 0, 5, 0xaa, 0xbb];
        let p = GenericPayload::new_checked(&buf, "p").unwrap();
        assert_eq!(p.next_payload(), PayloadType::HASH);
        assert_eq!(p.payload_length(), 5);
        assert_eq!(p.body(), &[0xaa]);
        assert_eq!(p.rest(), &[0xbb]);
        assert!(GenericPayload::new_checked(&buf[..3], "p").is_err());
    }

    #[test]
    fn generic_payload_split() {
        let buf = [13, 0, 0, 6, 0xaa, 0xbb, 0xcc];
        let (next, body, rest) = split_payload(&buf, "p").unwrap();
        assert_eq!(next, PayloadType::VID);
        assert_eq!(body, &[0xaa, 0xbb]);
        assert_eq!(rest, &[0xcc]);
        assert!(matches!(
            split_payload(&[0, 0, 0, 3], "p"),
            Err(Error::BadLength { length: 3, .. })
        ));
        assert!(matches!(
            split_payload(&[0, 0, 0, 9, 1], "p"),
            Err(Error::Truncated { .. })
        ));
    }
}
