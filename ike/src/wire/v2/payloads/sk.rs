//! The Encrypted payload SK (RFC 7296 3.14) and the Encrypted Fragment payload SKF (RFC 7383
//! 2.5), as opaque framing.
//!
//! The body is kept as bytes; `split` cuts it into IV, ciphertext and ICV for lengths the
//! caller supplies (they depend on the negotiated transforms). The "Next Payload" field of
//! these payloads names the first *inner* payload and is kept as `first_inner`: after
//! decrypting and stripping padding, the engine parses the inner chain with
//! `parse_payload_chain(first_inner, plaintext)`. Nothing here encrypts, decrypts or checks an
//! ICV.

use crate::wire::v2::registry::PayloadType;
use crate::wire::v2::util::{check_out, slice, u16_at, Writer};
use crate::wire::{Error, Result};

/// An SK body cut into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkParts<'a> {
    /// Initialization Vector.
    pub iv: &'a [u8],
    /// Encrypted inner payloads, padding and Pad Length.
    pub ciphertext: &'a [u8],
    /// Integrity Checksum Data (for AEAD: the tag).
    pub icv: &'a [u8],
}

/// Cuts `body` into IV / ciphertext / ICV.
fn split(body: &[u8], iv_len: usize, icv_len: usize) -> Result<SkParts<'_>> {
    let fixed = iv_len.checked_add(icv_len).ok_or(Error::BadLength {
        what: "SK payload",
        length: body.len(),
    })?;
    if body.len() < fixed {
        return Err(Error::Truncated {
            what: "SK payload IV and ICV",
            needed: fixed,
            available: body.len(),
        });
    }
    Ok(SkParts {
        iv: slice(body, 0, iv_len, "SK IV")?,
        ciphertext: slice(body, iv_len, body.len() - fixed, "SK ciphertext")?,
        icv: slice(body, body.len() - icv_len, icv_len, "SK ICV")?,
    })
}

/// The SK payload body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SkPayload {
    /// Type of the first inner (encrypted) payload, carried in this payload's Next Payload field.
    pub first_inner: PayloadType,
    /// IV || ciphertext || ICV.
    pub body: Vec<u8>,
}

impl SkPayload {
    /// Parses the body; `first_inner` is the Next Payload field of the SK generic header.
    pub fn parse(first_inner: PayloadType, body: &[u8]) -> Result<Self> {
        Ok(SkPayload {
            first_inner,
            body: body.to_vec(),
        })
    }

    /// Cuts the body into IV / ciphertext / ICV.
    pub fn split(&self, iv_len: usize, icv_len: usize) -> Result<SkParts<'_>> {
        split(&self.body, iv_len, icv_len)
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        self.body.len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        check_out(buf, self.body.len())?;
        buf[..self.body.len()].copy_from_slice(&self.body);
        Ok(())
    }
}

/// The SKF payload body (RFC 7383 2.5): Fragment Number, Total Fragments, IV || ciphertext || ICV.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SkfPayload {
    /// RFC 7383 2.5: the first inner payload's type in fragment 1, zero in the others.
    pub first_inner: PayloadType,
    pub fragment_number: u16,
    pub total_fragments: u16,
    /// IV || ciphertext || ICV of this fragment.
    pub body: Vec<u8>,
}

impl SkfPayload {
    fn check(number: u16, total: u16) -> Result<()> {
        // RFC 7383 2.5: Fragment Number "MUST be less than or equal to the next field (Total
        // Fragments). This field MUST NOT be zero." Total Fragments "MUST NOT be zero".
        if number == 0 || total == 0 || number > total {
            return Err(Error::Invalid {
                what: "SKF payload",
                detail: "Fragment Number not in 1..=Total Fragments",
            });
        }
        Ok(())
    }

    /// Parses the body; `first_inner` is the Next Payload field of the SKF generic header.
    pub fn parse(first_inner: PayloadType, body: &[u8]) -> Result<Self> {
        let fragment_number = u16_at(body, 0, "SKF payload")?;
        let total_fragments = u16_at(body, 2, "SKF payload")?;
        Self::check(fragment_number, total_fragments)?;
        Ok(SkfPayload {
            first_inner,
            fragment_number,
            total_fragments,
            body: body.get(4..).unwrap_or_default().to_vec(),
        })
    }

    /// Cuts the fragment's encrypted part into IV / ciphertext / ICV.
    pub fn split(&self, iv_len: usize, icv_len: usize) -> Result<SkParts<'_>> {
        split(&self.body, iv_len, icv_len)
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        4 + self.body.len()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        Self::check(self.fragment_number, self.total_fragments)?;
        let mut w = Writer::new(buf, self.buffer_len())?;
        w.u16(self.fragment_number)?;
        w.u16(self.total_fragments)?;
        w.put(&self.body)
    }
}

/// Appends RFC 7296 3.14 padding to `inner` so that `inner || padding || Pad Length` is a
/// multiple of `block` (1 for stream/AEAD ciphers): zero-filled padding, then the Pad Length.
pub fn pad_plaintext(inner: &[u8], block: usize) -> Vec<u8> {
    let block = block.clamp(1, 255);
    let pad = (block - (inner.len() + 1) % block) % block;
    let mut out = Vec::with_capacity(inner.len() + pad + 1);
    out.extend_from_slice(inner);
    out.resize(inner.len() + pad, 0);
    // `pad < block <= 255`, so it fits the one-octet Pad Length.
    out.push(u8::try_from(pad).unwrap_or(0));
    out
}

/// Strips padding and Pad Length from decrypted SK content, returning the inner payload chain.
pub fn strip_padding(plaintext: &[u8]) -> Result<&[u8]> {
    // RFC 7296 3.14: "Pad Length is the length of the Padding field"; it is the last octet.
    let (&pad_len, rest) = plaintext.split_last().ok_or(Error::Truncated {
        what: "SK Pad Length",
        needed: 1,
        available: 0,
    })?;
    let keep = rest
        .len()
        .checked_sub(pad_len as usize)
        .ok_or(Error::BadLength {
            what: "SK Pad Length",
            length: pad_len as usize,
        })?;
    slice(rest, 0, keep, "SK plaintext")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn split_sk() {
        let sk = SkPayload {
            first_inner: PayloadType::IDI,
            body: (0u8..40).collect(),
        };
        let p = sk.split(16, 12).unwrap();
        assert_eq!(p.iv, &sk.body[..16]);
        assert_eq!(p.ciphertext, &sk.body[16..28]);
        assert_eq!(p.icv, &sk.body[28..]);
        assert!(sk.split(30, 12).is_err());
        assert!(sk.split(usize::MAX, 2).is_err());
    }

    #[test]
    fn skf_numbers() {
        let f = SkfPayload {
            first_inner: PayloadType::NONE,
            fragment_number: 2,
            total_fragments: 3,
            body: vec![9; 24],
        };
        let mut b = vec![0u8; f.buffer_len()];
        f.emit(&mut b).unwrap();
        assert_eq!(&b[..4], &[0, 2, 0, 3]);
        assert_eq!(SkfPayload::parse(PayloadType::NONE, &b).unwrap(), f);
        assert!(SkfPayload::parse(PayloadType::NONE, &[0, 0, 0, 3]).is_err());
        assert!(SkfPayload::parse(PayloadType::NONE, &[0, 4, 0, 3]).is_err());
        assert!(SkfPayload::parse(PayloadType::NONE, &[0, 1, 0, 0]).is_err());
        assert!(SkfPayload::parse(PayloadType::NONE, &[0, 1, 0]).is_err());
    }

    #[test]
    fn padding() {
        let p = pad_plaintext(&[1, 2, 3], 16);
        assert_eq!(p.len(), 16);
        assert_eq!(p[15], 12);
        assert_eq!(strip_padding(&p).unwrap(), &[1, 2, 3]);
        assert_eq!(pad_plaintext(&[1, 2, 3], 1), [1, 2, 3, 0]);
        assert_eq!(pad_plaintext(&[0; 15], 16).len(), 16);
        assert!(strip_padding(&[]).is_err());
        assert!(strip_padding(&[1, 5]).is_err());
    }
}
