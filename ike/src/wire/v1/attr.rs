//! ISAKMP data attributes (RFC 2408 3.3): TV form (AF bit set, 16-bit value) and TLV form
//! (AF bit clear, 16-bit length followed by a variable value).
//!
//! The encoding form is kept in the `Repr` so a parsed attribute re-emits byte for byte (a
//! peer may send a Life Duration as TLV with 4 bytes or as TV). This file never interprets an
//! attribute class: see `attr_types` for the names.

use super::bytes::{len_u16, Reader, Writer};
use crate::wire::{Error, Result};

/// RFC 2408 3.3: the high bit of the first 16 bits is the Attribute Format (AF) bit.
const AF_BIT: u16 = 0x8000;

/// Checked view over one data attribute at the start of a buffer.
#[derive(Debug, Clone, Copy)]
pub struct AttributeView<'a> {
    buffer: &'a [u8],
}

impl<'a> AttributeView<'a> {
    /// Validates that the buffer holds the fixed part and, for TLV, the declared value.
    pub fn new_checked(buffer: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(buffer, "data attribute");
        let tag = r.u16()?;
        let len = r.u16()?;
        if tag & AF_BIT == 0 {
            r.take(usize::from(len))?;
        }
        Ok(AttributeView { buffer })
    }

    fn word(&self, at: usize) -> u16 {
        match self.buffer.get(at..at + 2) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// True for the TV (basic) form.
    pub fn is_basic(&self) -> bool {
        self.word(0) & AF_BIT != 0
    }

    /// The 15-bit attribute type (class).
    pub fn attr_type(&self) -> u16 {
        self.word(0) & !AF_BIT
    }

    /// Bytes this attribute occupies on the wire.
    pub fn total_len(&self) -> usize {
        if self.is_basic() {
            4
        } else {
            4 + usize::from(self.word(2))
        }
    }

    /// The value bytes: two bytes for TV, the variable value for TLV.
    pub fn value(&self) -> &'a [u8] {
        let (start, end) = if self.is_basic() {
            (2, 4)
        } else {
            (4, self.total_len())
        };
        self.buffer.get(start..end).unwrap_or_default()
    }
}

/// Value of a data attribute, keeping the wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    /// TV form: AF = 1, the value is the 16-bit second word.
    Basic(u16),
    /// TLV form: AF = 0, the value has an explicit length (0 ..= 65535 bytes).
    Variable(Vec<u8>),
}

/// A data attribute (RFC 2408 3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute type (class), 15 bits. Interpret with `Phase1Attr` or `Phase2Attr`.
    pub ty: u16,
    pub value: AttrValue,
}

impl Attribute {
    /// A TV attribute.
    pub fn basic(ty: u16, value: u16) -> Self {
        Attribute {
            ty,
            value: AttrValue::Basic(value),
        }
    }

    /// A TLV attribute with raw bytes.
    pub fn variable(ty: u16, value: Vec<u8>) -> Self {
        Attribute {
            ty,
            value: AttrValue::Variable(value),
        }
    }

    /// A TLV attribute carrying a 32-bit number (e.g. a Life Duration above 65535).
    pub fn variable_u32(ty: u16, value: u32) -> Self {
        Self::variable(ty, value.to_be_bytes().to_vec())
    }

    /// The value as an unsigned number: the TV value, or a TLV value of at most 8 bytes read
    /// big-endian (RFC 2408 3.3 leaves TLV length free; lifetimes are often 4-byte TLVs).
    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            AttrValue::Basic(v) => Some(u64::from(*v)),
            AttrValue::Variable(bytes) if bytes.len() <= 8 => {
                Some(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
            }
            AttrValue::Variable(_) => None,
        }
    }

    /// Parses one attribute at the start of `buf`; returns it and the bytes consumed.
    pub fn parse(buf: &[u8]) -> Result<(Self, usize)> {
        let view = AttributeView::new_checked(buf)?;
        let value = if view.is_basic() {
            AttrValue::Basic(view.word(2))
        } else {
            AttrValue::Variable(view.value().to_vec())
        };
        Ok((
            Attribute {
                ty: view.attr_type(),
                value,
            },
            view.total_len(),
        ))
    }

    /// Parses a run of attributes that exactly fills `buf`.
    pub fn parse_list(mut buf: &[u8]) -> Result<Vec<Self>> {
        let mut out = Vec::new();
        while !buf.is_empty() {
            let (attr, used) = Self::parse(buf)?;
            out.push(attr);
            buf = buf.get(used..).unwrap_or_default();
        }
        Ok(out)
    }

    /// Wire length of this attribute.
    pub fn buffer_len(&self) -> usize {
        match &self.value {
            AttrValue::Basic(_) => 4,
            AttrValue::Variable(v) => 4 + v.len(),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.ty & AF_BIT != 0 {
            return Err(Error::Invalid {
                what: "data attribute",
                detail: "attribute type does not fit in 15 bits",
            });
        }
        match &self.value {
            AttrValue::Basic(v) => {
                w.u16(self.ty | AF_BIT)?;
                w.u16(*v)
            }
            AttrValue::Variable(v) => {
                w.u16(self.ty)?;
                w.u16(len_u16(v.len(), "data attribute")?)?;
                w.put(v)
            }
        }
    }

    /// Writes this attribute at the start of `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }
}

/// First attribute of the given type in a list.
pub fn find_attr(attrs: &[Attribute], ty: u16) -> Option<&Attribute> {
    attrs.iter().find(|a| a.ty == ty)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::strategies::attribute;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tv_and_tlv_encodings() {
        // RFC 2409 appendix A: Life Type (11) = seconds (1) as TV, Life Duration (12) as TLV.
        let tv = Attribute::basic(11, 1);
        let tlv = Attribute::variable_u32(12, 86400);
        let mut buf = [0u8; 12];
        assert_eq!(tv.emit(&mut buf).unwrap(), 4);
        assert_eq!(buf[..4], [0x80, 0x0b, 0x00, 0x01]);
        assert_eq!(tlv.emit(&mut buf).unwrap(), 8);
        assert_eq!(buf[..8], [0x00, 0x0c, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80]);
        let (back, used) = Attribute::parse(&buf[..8]).unwrap();
        assert_eq!((back.clone(), used), (tlv, 8));
        assert_eq!(back.as_u64(), Some(86400));
        assert_eq!(tv.as_u64(), Some(1));
    }

    #[test]
    fn tlv_length_past_end_is_truncated() {
        let buf = [0x00, 0x0c, 0x00, 0x08, 1, 2, 3];
        assert!(matches!(
            Attribute::parse(&buf),
            Err(Error::Truncated { needed: 8, .. })
        ));
        assert!(Attribute::parse(&[0x80, 1, 0]).is_err());
        assert!(Attribute::parse_list(&[0x80, 1, 0, 1, 0]).is_err());
    }

    #[test]
    fn long_values_are_not_numbers() {
        assert_eq!(Attribute::variable(1, vec![0; 9]).as_u64(), None);
        assert_eq!(Attribute::variable(1, vec![]).as_u64(), Some(0));
    }

    #[test]
    fn emit_rejects_16_bit_type_and_small_buffer() {
        let mut buf = [0u8; 8];
        assert!(Attribute::basic(0x8001, 1).emit(&mut buf).is_err());
        assert!(matches!(
            Attribute::variable(1, vec![0; 5]).emit(&mut buf),
            Err(Error::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn view_accessors() {
        let buf = [0x00, 0x0e, 0x00, 0x02, 0x01, 0x00, 0xff];
        let v = AttributeView::new_checked(&buf).unwrap();
        assert!(!v.is_basic());
        assert_eq!(v.attr_type(), 14);
        assert_eq!(v.total_len(), 6);
        assert_eq!(v.value(), &[1, 0]);
    }

    proptest! {
        #[test]
        fn roundtrip(list in proptest::collection::vec(attribute(), 0..6)) {
            let len: usize = list.iter().map(Attribute::buffer_len).sum();
            let mut buf = vec![0u8; len];
            let mut at = 0;
            for a in &list {
                at += a.emit(&mut buf[at..]).unwrap();
            }
            prop_assert_eq!(at, len);
            prop_assert_eq!(Attribute::parse_list(&buf).unwrap(), list);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Attribute::parse_list(&bytes);
        }
    }
}
