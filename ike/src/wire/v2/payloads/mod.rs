//! IKEv2 payloads (RFC 7296 3.2 - 3.16, RFC 7383 2.5): the generic payload header and one
//! `Repr` per payload family, plus the [`Payload`] sum type the chain walker produces.
//!
//! Each payload `Repr` covers the payload *body*, i.e. the bytes after the 4-octet generic
//! payload header; the header itself (Next Payload, Critical, Payload Length) is written by the
//! chain emitter in `message.rs`. Nothing here decrypts, verifies or decides protocol
//! behaviour.

pub mod auth;
pub mod cert;
pub mod cp;
pub mod delete;
pub mod id;
pub mod ke;
pub mod nonce;
pub mod notify;
pub mod sa;
pub mod sk;
pub mod transform;
pub mod ts;
pub mod vendor;

pub use auth::AuthPayload;
pub use cert::{CertPayload, CertReqPayload};
pub use cp::{CfgAttribute, CpPayload};
pub use delete::DeletePayload;
pub use id::{IdPayload, Identification};
pub use ke::KePayload;
pub use nonce::NoncePayload;
pub use notify::{nat_detection_input, NotifyPayload};
pub use sa::{Proposal, SaPayload, Transform, TransformAttribute};
pub use sk::{pad_plaintext, strip_padding, SkParts, SkPayload, SkfPayload};
pub use ts::{TrafficSelector, TsPayload};
pub use vendor::VendorPayload;

use super::registry::PayloadType;
use super::util::{check_out, len16, u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// Length of the generic payload header.
pub const GENERIC_HEADER_LEN: usize = 4;
/// The Critical bit in the second octet of the generic payload header.
const CRITICAL: u8 = 0x80;

/// The generic payload header (RFC 7296 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GenericHeader {
    pub next_payload: PayloadType,
    pub critical: bool,
    /// Payload Length, header included; checked to be in `4..=buf.len()` by `parse`.
    pub length: usize,
}

impl GenericHeader {
    /// Reads the header at the front of `buf`, checking Payload Length against `buf`.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let next_payload = PayloadType(u8_at(buf, 0, "generic payload header")?);
        // RFC 7296 3.2: RESERVED "MUST be sent as zero; MUST be ignored on receipt".
        let critical = u8_at(buf, 1, "generic payload header")? & CRITICAL != 0;
        let length = u16_at(buf, 2, "generic payload header")? as usize;
        if length < GENERIC_HEADER_LEN {
            return Err(Error::BadLength {
                what: "payload",
                length,
            });
        }
        if length > buf.len() {
            return Err(Error::Truncated {
                what: "payload",
                needed: length,
                available: buf.len(),
            });
        }
        Ok(GenericHeader {
            next_payload,
            critical,
            length,
        })
    }

    /// Writes the header into `buf[..4]`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        let mut w = Writer::new(buf, GENERIC_HEADER_LEN)?;
        w.u8(self.next_payload.0)?;
        w.u8(if self.critical { CRITICAL } else { 0 })?;
        w.u16(len16(self.length, "payload")?)
    }
}

/// One payload of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Payload {
    Sa(SaPayload),
    Ke(KePayload),
    IdI(IdPayload),
    IdR(IdPayload),
    Cert(CertPayload),
    CertReq(CertReqPayload),
    Auth(AuthPayload),
    Nonce(NoncePayload),
    Notify(NotifyPayload),
    Delete(DeletePayload),
    Vendor(VendorPayload),
    TsI(TsPayload),
    TsR(TsPayload),
    Sk(SkPayload),
    Skf(SkfPayload),
    Cp(CpPayload),
    /// EAP (RFC 7296 3.16): the EAP message, opaque.
    Eap(Vec<u8>),
    /// A payload type this codec does not model, kept as received. Only non-critical ones are
    /// produced by parsing (RFC 7296 2.5).
    Unknown {
        ty: PayloadType,
        critical: bool,
        body: Vec<u8>,
    },
}

/// Whether `ty` has its own [`Payload`] variant (and so may not appear as `Unknown`).
pub fn is_modelled(ty: PayloadType) -> bool {
    matches!(ty.0, 33..=48 | 53)
}

impl Payload {
    /// The payload type named in the preceding Next Payload field.
    pub fn payload_type(&self) -> PayloadType {
        match self {
            Self::Sa(_) => PayloadType::SA,
            Self::Ke(_) => PayloadType::KE,
            Self::IdI(_) => PayloadType::IDI,
            Self::IdR(_) => PayloadType::IDR,
            Self::Cert(_) => PayloadType::CERT,
            Self::CertReq(_) => PayloadType::CERTREQ,
            Self::Auth(_) => PayloadType::AUTH,
            Self::Nonce(_) => PayloadType::NONCE,
            Self::Notify(_) => PayloadType::N,
            Self::Delete(_) => PayloadType::D,
            Self::Vendor(_) => PayloadType::V,
            Self::TsI(_) => PayloadType::TSI,
            Self::TsR(_) => PayloadType::TSR,
            Self::Sk(_) => PayloadType::SK,
            Self::Skf(_) => PayloadType::SKF,
            Self::Cp(_) => PayloadType::CP,
            Self::Eap(_) => PayloadType::EAP,
            Self::Unknown { ty, .. } => *ty,
        }
    }

    /// Whether this is SK or SKF (which must end a chain).
    pub fn is_encrypted(&self) -> bool {
        matches!(self, Self::Sk(_) | Self::Skf(_))
    }

    /// Parses a payload body of type `ty`. `next_payload` and `critical` come from its
    /// generic header (SK/SKF keep `next_payload` as the first inner payload type).
    pub fn parse(
        ty: PayloadType,
        next_payload: PayloadType,
        critical: bool,
        body: &[u8],
    ) -> Result<Self> {
        Ok(match ty {
            PayloadType::SA => Self::Sa(SaPayload::parse(body)?),
            PayloadType::KE => Self::Ke(KePayload::parse(body)?),
            PayloadType::IDI => Self::IdI(IdPayload::parse(body)?),
            PayloadType::IDR => Self::IdR(IdPayload::parse(body)?),
            PayloadType::CERT => Self::Cert(CertPayload::parse(body)?),
            PayloadType::CERTREQ => Self::CertReq(CertReqPayload::parse(body)?),
            PayloadType::AUTH => Self::Auth(AuthPayload::parse(body)?),
            PayloadType::NONCE => Self::Nonce(NoncePayload::parse(body)?),
            PayloadType::N => Self::Notify(NotifyPayload::parse(body)?),
            PayloadType::D => Self::Delete(DeletePayload::parse(body)?),
            PayloadType::V => Self::Vendor(VendorPayload::parse(body)?),
            PayloadType::TSI => Self::TsI(TsPayload::parse(body)?),
            PayloadType::TSR => Self::TsR(TsPayload::parse(body)?),
            PayloadType::SK => Self::Sk(SkPayload::parse(next_payload, body)?),
            PayloadType::SKF => Self::Skf(SkfPayload::parse(next_payload, body)?),
            PayloadType::CP => Self::Cp(CpPayload::parse(body)?),
            PayloadType::EAP => Self::Eap(body.to_vec()),
            // RFC 7296 2.5: an unknown payload with the critical bit set MUST make the
            // recipient reject the entire message (it answers UNSUPPORTED_CRITICAL_PAYLOAD).
            ty if critical => return Err(Error::UnsupportedCritical(ty.0)),
            // RFC 7296 2.5: otherwise the payload is skipped; we keep it for round-tripping.
            ty => Self::Unknown {
                ty,
                critical,
                body: body.to_vec(),
            },
        })
    }

    /// Octets of the body (without the generic header).
    pub fn body_len(&self) -> usize {
        match self {
            Self::Sa(p) => p.buffer_len(),
            Self::Ke(p) => p.buffer_len(),
            Self::IdI(p) | Self::IdR(p) => p.buffer_len(),
            Self::Cert(p) => p.buffer_len(),
            Self::CertReq(p) => p.buffer_len(),
            Self::Auth(p) => p.buffer_len(),
            Self::Nonce(p) => p.buffer_len(),
            Self::Notify(p) => p.buffer_len(),
            Self::Delete(p) => p.buffer_len(),
            Self::Vendor(p) => p.buffer_len(),
            Self::TsI(p) | Self::TsR(p) => p.buffer_len(),
            Self::Sk(p) => p.buffer_len(),
            Self::Skf(p) => p.buffer_len(),
            Self::Cp(p) => p.buffer_len(),
            Self::Eap(b) | Self::Unknown { body: b, .. } => b.len(),
        }
    }

    /// Octets of the payload including its generic header.
    pub fn buffer_len(&self) -> usize {
        GENERIC_HEADER_LEN + self.body_len()
    }

    /// Writes the body (without the generic header) into `buf`.
    pub fn emit_body(&self, buf: &mut [u8]) -> Result<()> {
        match self {
            Self::Sa(p) => p.emit(buf),
            Self::Ke(p) => p.emit(buf),
            Self::IdI(p) | Self::IdR(p) => p.emit(buf),
            Self::Cert(p) => p.emit(buf),
            Self::CertReq(p) => p.emit(buf),
            Self::Auth(p) => p.emit(buf),
            Self::Nonce(p) => p.emit(buf),
            Self::Notify(p) => p.emit(buf),
            Self::Delete(p) => p.emit(buf),
            Self::Vendor(p) => p.emit(buf),
            Self::TsI(p) | Self::TsR(p) => p.emit(buf),
            Self::Sk(p) => p.emit(buf),
            Self::Skf(p) => p.emit(buf),
            Self::Cp(p) => p.emit(buf),
            Self::Eap(b) => {
                check_out(buf, b.len())?;
                buf[..b.len()].copy_from_slice(b);
                Ok(())
            }
            Self::Unknown { ty, body, .. } => {
                if is_modelled(*ty) || *ty == PayloadType::NONE {
                    return Err(Error::Invalid {
                        what: "payload",
                        detail: "Unknown used for NONE or a modelled payload type",
                    });
                }
                check_out(buf, body.len())?;
                buf[..body.len()].copy_from_slice(body);
                Ok(())
            }
        }
    }

    /// Writes generic header and body; `following` is the type of the next payload in the
    /// chain (ignored for SK/SKF, whose Next Payload names their first inner payload).
    pub fn emit(&self, buf: &mut [u8], following: PayloadType) -> Result<()> {
        let len = self.buffer_len();
        check_out(buf, len)?;
        let (next_payload, critical) = match self {
            Self::Sk(p) => (p.first_inner, false),
            Self::Skf(p) => (p.first_inner, false),
            // RFC 7296 2.5: the critical bit "MUST be set to zero for payload types defined in
            // this document"; for unknown payloads we send what the caller asked.
            Self::Unknown { critical, .. } => (following, *critical),
            _ => (following, false),
        };
        GenericHeader {
            next_payload,
            critical,
            length: len,
        }
        .emit(buf)?;
        self.emit_body(&mut buf[GENERIC_HEADER_LEN..len])
    }
}
