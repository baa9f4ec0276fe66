//! The IKE header (RFC 7296 3.1): a checked view over the first 28 octets of a message and
//! the `Header` repr.
//!
//! The repr leaves out the two derived fields, Next Payload and Length: `Message::emit` fills
//! them from the payload chain. This module never interprets the SPIs or message ID and never
//! rejects a version: answering INVALID_MAJOR_VERSION is the engine's job.

use super::registry::{ExchangeType, PayloadType};
use super::util::{check_out, slice, u32_at};
use crate::wire::{Error, Result};

/// Length of the fixed IKE header.
pub const HEADER_LEN: usize = 28;

/// The Flags octet of the IKE header (RFC 7296 3.1). Unknown bits are kept as received.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// I(nitiator): set by the original initiator of the IKE SA.
    pub const INITIATOR: Flags = Flags(0x08);
    /// V(ersion): the sender can speak a higher major version.
    pub const VERSION: Flags = Flags(0x10);
    /// R(esponse): this message is a response.
    pub const RESPONSE: Flags = Flags(0x20);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
    /// The I bit.
    pub fn initiator(self) -> bool {
        self.contains(Self::INITIATOR)
    }
    /// The R bit.
    pub fn response(self) -> bool {
        self.contains(Self::RESPONSE)
    }
    /// The V bit.
    pub fn version(self) -> bool {
        self.contains(Self::VERSION)
    }
}

impl core::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl core::fmt::Debug for Flags {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Flags(")?;
        for (bit, n) in [
            (Self::INITIATOR, "I"),
            (Self::VERSION, "V"),
            (Self::RESPONSE, "R"),
        ] {
            if self.contains(bit) {
                f.write_str(n)?;
            }
        }
        let other = self.0 & !0x38;
        if other != 0 {
            write!(f, "|{other:#04x}")?;
        }
        write!(f, ")")
    }
}

/// A checked view of an IKE header. After `new_checked`, no accessor can panic.
#[derive(Debug, Clone, Copy)]
pub struct HeaderView<T: AsRef<[u8]>> {
    buf: T,
}

impl<T: AsRef<[u8]>> HeaderView<T> {
    /// Wraps `buf`, checking that it holds the 28-octet header and that the Length field is at
    /// least 28 and no more than `buf.len()` (RFC 7296 3.1: Length of the total message).
    pub fn new_checked(buf: T) -> Result<Self> {
        let b = buf.as_ref();
        slice(b, 0, HEADER_LEN, "IKE header")?;
        let length = u32_at(b, 24, "IKE header")? as usize;
        if length < HEADER_LEN {
            return Err(Error::BadLength {
                what: "IKE header length",
                length,
            });
        }
        if length > b.len() {
            return Err(Error::Truncated {
                what: "IKE message",
                needed: length,
                available: b.len(),
            });
        }
        Ok(HeaderView { buf })
    }

    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }
    fn arr8(&self, off: usize) -> [u8; 8] {
        let mut out = [0u8; 8];
        if let Some(s) = self.b().get(off..off + 8) {
            out.copy_from_slice(s);
        }
        out
    }
    fn byte(&self, off: usize) -> u8 {
        self.b().get(off).copied().unwrap_or(0)
    }

    /// IKE SA Initiator's SPI.
    pub fn spi_i(&self) -> u64 {
        u64::from_be_bytes(self.arr8(0))
    }
    /// IKE SA Responder's SPI.
    pub fn spi_r(&self) -> u64 {
        u64::from_be_bytes(self.arr8(8))
    }
    /// Type of the first payload.
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.byte(16))
    }
    /// Major version (high nibble).
    pub fn major_version(&self) -> u8 {
        self.byte(17) >> 4
    }
    /// Minor version (low nibble).
    pub fn minor_version(&self) -> u8 {
        self.byte(17) & 0x0f
    }
    /// Exchange type.
    pub fn exchange_type(&self) -> ExchangeType {
        ExchangeType(self.byte(18))
    }
    /// Flags octet.
    pub fn flags(&self) -> Flags {
        Flags(self.byte(19))
    }
    /// Message ID.
    pub fn message_id(&self) -> u32 {
        u32_at(self.b(), 20, "IKE header").unwrap_or(0)
    }
    /// Length of the whole message, header included (checked against the buffer).
    pub fn length(&self) -> usize {
        u32_at(self.b(), 24, "IKE header").unwrap_or(0) as usize
    }
    /// The payload bytes: from the end of the header to `length()`.
    pub fn payload(&self) -> &[u8] {
        self.b().get(HEADER_LEN..self.length()).unwrap_or_default()
    }
}

/// The IKE header fields that are not derived from the payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    pub spi_i: u64,
    pub spi_r: u64,
    pub major_version: u8,
    pub minor_version: u8,
    pub exchange_type: ExchangeType,
    pub flags: Flags,
    pub message_id: u32,
}

impl Header {
    /// A version 2.0 header.
    pub fn v2(
        spi_i: u64,
        spi_r: u64,
        exchange_type: ExchangeType,
        flags: Flags,
        message_id: u32,
    ) -> Self {
        Header {
            spi_i,
            spi_r,
            major_version: 2,
            minor_version: 0,
            exchange_type,
            flags,
            message_id,
        }
    }

    /// Reads the header from a checked view.
    pub fn from_view<T: AsRef<[u8]>>(v: &HeaderView<T>) -> Self {
        Header {
            spi_i: v.spi_i(),
            spi_r: v.spi_r(),
            major_version: v.major_version(),
            minor_version: v.minor_version(),
            exchange_type: v.exchange_type(),
            flags: v.flags(),
            message_id: v.message_id(),
        }
    }

    /// Parses the header at the start of `buf` (see [`HeaderView::new_checked`]).
    pub fn parse(buf: &[u8]) -> Result<Self> {
        Ok(Self::from_view(&HeaderView::new_checked(buf)?))
    }

    /// Octets `emit` writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header with the given derived fields into `buf[..28]`.
    pub fn emit(&self, buf: &mut [u8], next_payload: PayloadType, length: usize) -> Result<()> {
        check_out(buf, HEADER_LEN)?;
        if self.major_version > 0x0f || self.minor_version > 0x0f {
            return Err(Error::Invalid {
                what: "IKE header",
                detail: "version nibble above 15",
            });
        }
        let length = u32::try_from(length).map_err(|_| Error::BadLength {
            what: "IKE message",
            length,
        })?;
        let mut w = super::util::Writer::new(buf, HEADER_LEN)?;
        w.put(&self.spi_i.to_be_bytes())?;
        w.put(&self.spi_r.to_be_bytes())?;
        w.u8(next_payload.0)?;
        w.u8((self.major_version << 4) | self.minor_version)?;
        w.u8(self.exchange_type.0)?;
        w.u8(self.flags.0)?;
        w.u32(self.message_id)?;
        w.u32(length)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn emit_then_view() {
        let h = Header::v2(
            0x0102030405060708,
            0,
            ExchangeType::IKE_SA_INIT,
            Flags::INITIATOR,
            0,
        );
        let mut b = [0u8; 28];
        h.emit(&mut b, PayloadType::SA, 28).unwrap();
        assert_eq!(&b[16..20], &[33, 0x20, 34, 0x08]);
        let v = HeaderView::new_checked(&b[..]).unwrap();
        assert_eq!(v.spi_i(), 0x0102030405060708);
        assert_eq!(v.next_payload(), PayloadType::SA);
        assert_eq!((v.major_version(), v.minor_version()), (2, 0));
        assert!(v.flags().initiator() && !v.flags().response());
        assert_eq!(Header::parse(&b).unwrap(), h);
        assert_eq!(
            format!("{:?}", Flags::INITIATOR | Flags::RESPONSE),
            "Flags(IR)"
        );
    }

    #[test]
    fn length_field_is_checked() {
        let h = Header::v2(1, 2, ExchangeType::INFORMATIONAL, Flags::RESPONSE, 7);
        let mut b = [0u8; 28];
        h.emit(&mut b, PayloadType::NONE, 27).unwrap();
        assert!(matches!(
            HeaderView::new_checked(&b[..]),
            Err(Error::BadLength { .. })
        ));
        h.emit(&mut b, PayloadType::NONE, 29).unwrap();
        assert!(matches!(
            HeaderView::new_checked(&b[..]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            HeaderView::new_checked(&b[..27]),
            Err(Error::Truncated { .. })
        ));
        assert!(h.emit(&mut [0u8; 27], PayloadType::NONE, 28).is_err());
    }
}
