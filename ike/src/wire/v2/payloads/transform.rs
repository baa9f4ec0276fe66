//! Transform substructures and transform attributes of the SA payload (RFC 7296 3.3.2,
//! 3.3.5). Lengths and Last Substruc flags are checked; nothing here judges an algorithm.

use crate::wire::v2::registry::{
    DhId, EncrId, EsnId, IntegId, PrfId, TransformAttributeType, TransformType,
};
use crate::wire::v2::util::{len16, slice, u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// RFC 7296 3.3.2: Last Substruc value for "more transforms follow".
const MORE_TRANSFORMS: u8 = 3;
/// Attribute Format bit (RFC 7296 3.3.5): set for TV, clear for TLV.
const AF_TV: u16 = 0x8000;

/// A transform attribute (RFC 7296 3.3.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransformAttribute {
    /// Type/Value format (AF = 1): a two-octet value, e.g. KEY_LENGTH.
    Tv {
        ty: TransformAttributeType,
        value: u16,
    },
    /// Type/Length/Value format (AF = 0).
    Tlv {
        ty: TransformAttributeType,
        value: Vec<u8>,
    },
}

impl TransformAttribute {
    /// The attribute type (15 bits).
    pub fn ty(&self) -> TransformAttributeType {
        match self {
            Self::Tv { ty, .. } | Self::Tlv { ty, .. } => *ty,
        }
    }

    fn buffer_len(&self) -> usize {
        match self {
            Self::Tv { .. } => 4,
            Self::Tlv { value, .. } => 4 + value.len(),
        }
    }

    /// Parses one attribute from the front of `buf`, returning it and its length.
    fn parse(buf: &[u8]) -> Result<(Self, usize)> {
        let raw_ty = u16_at(buf, 0, "transform attribute")?;
        let v = u16_at(buf, 2, "transform attribute")?;
        let ty = TransformAttributeType(raw_ty & !AF_TV);
        if raw_ty & AF_TV != 0 {
            Ok((Self::Tv { ty, value: v }, 4))
        } else {
            let value = slice(buf, 4, v as usize, "transform attribute value")?;
            Ok((
                Self::Tlv {
                    ty,
                    value: value.to_vec(),
                },
                4 + value.len(),
            ))
        }
    }

    fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.ty().0 & AF_TV != 0 {
            return Err(Error::Invalid {
                what: "transform attribute",
                detail: "type does not fit in 15 bits",
            });
        }
        match self {
            Self::Tv { ty, value } => {
                w.u16(ty.0 | AF_TV)?;
                w.u16(*value)
            }
            Self::Tlv { ty, value } => {
                w.u16(ty.0)?;
                w.u16(len16(value.len(), "transform attribute value")?)?;
                w.put(value)
            }
        }
    }
}

/// A transform substructure (RFC 7296 3.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transform {
    pub ty: TransformType,
    /// Transform ID; interpret with [`Transform::encr`] and friends.
    pub id: u16,
    pub attributes: Vec<TransformAttribute>,
}

impl Transform {
    /// A transform without attributes.
    pub fn new(ty: TransformType, id: u16) -> Self {
        Transform {
            ty,
            id,
            attributes: Vec::new(),
        }
    }
    /// An ENCR transform, with a KEY_LENGTH attribute (in bits) when given.
    pub fn encr(id: EncrId, key_bits: Option<u16>) -> Self {
        let mut t = Self::new(TransformType::ENCR, id.0);
        if let Some(bits) = key_bits {
            t.attributes.push(TransformAttribute::Tv {
                ty: TransformAttributeType::KEY_LENGTH,
                value: bits,
            });
        }
        t
    }
    /// A PRF transform.
    pub fn prf(id: PrfId) -> Self {
        Self::new(TransformType::PRF, id.0)
    }
    /// An INTEG transform.
    pub fn integ(id: IntegId) -> Self {
        Self::new(TransformType::INTEG, id.0)
    }
    /// A DH (key exchange) transform.
    pub fn dh(id: DhId) -> Self {
        Self::new(TransformType::DH, id.0)
    }
    /// An ESN transform.
    pub fn esn(id: EsnId) -> Self {
        Self::new(TransformType::ESN, id.0)
    }

    /// The KEY_LENGTH attribute (RFC 7296 3.3.5, TV type 14), if present.
    pub fn key_length(&self) -> Option<u16> {
        self.attributes.iter().find_map(|a| match a {
            TransformAttribute::Tv { ty, value } if *ty == TransformAttributeType::KEY_LENGTH => {
                Some(*value)
            }
            _ => None,
        })
    }

    /// Octets of this transform substructure.
    pub fn buffer_len(&self) -> usize {
        8 + self
            .attributes
            .iter()
            .map(TransformAttribute::buffer_len)
            .sum::<usize>()
    }

    /// Parses one transform from the front of `buf`: (transform, length, is_last).
    pub(super) fn parse(buf: &[u8]) -> Result<(Self, usize, bool)> {
        let last = u8_at(buf, 0, "transform")?;
        let len = u16_at(buf, 2, "transform")? as usize;
        if len < 8 {
            return Err(Error::BadLength {
                what: "transform",
                length: len,
            });
        }
        let body = slice(buf, 0, len, "transform")?;
        let is_last = match last {
            0 => true,
            MORE_TRANSFORMS => false,
            _ => {
                return Err(Error::Invalid {
                    what: "transform",
                    detail: "Last Substruc is neither 0 nor 3",
                })
            }
        };
        let ty = TransformType(u8_at(body, 4, "transform")?);
        let id = u16_at(body, 6, "transform")?;
        let mut attributes = Vec::new();
        let mut off = 8;
        while off < len {
            let (a, n) = TransformAttribute::parse(body.get(off..).unwrap_or_default())?;
            attributes.push(a);
            off += n;
        }
        Ok((Transform { ty, id, attributes }, len, is_last))
    }

    pub(super) fn emit(&self, w: &mut Writer<'_>, is_last: bool) -> Result<()> {
        w.u8(if is_last { 0 } else { MORE_TRANSFORMS })?;
        w.u8(0)?;
        w.u16(len16(self.buffer_len(), "transform")?)?;
        w.u8(self.ty.0)?;
        w.u8(0)?;
        w.u16(self.id)?;
        self.attributes.iter().try_for_each(|a| a.emit(w))
    }
}
