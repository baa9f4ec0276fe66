//! Security Association payload with its nested Proposal and Transform payloads
//! (RFC 2408 3.4 - 3.6, IPsec DOI situation RFC 2407 4.2 / 4.6.1).
//!
//! Every nested length and count is checked against its enclosing length: a proposal's
//! transforms must fill the proposal exactly and match "# of Transforms". This file never
//! chooses a proposal; it only reads and writes them.

use super::attr::Attribute;
use super::bytes::{len_u8, Reader, Writer};
use super::header::{split_payload, write_generic, GENERIC_HEADER_LEN};
use super::registry::{situation, Doi, PayloadType, ProtocolId, TransformId};
use crate::wire::{Error, Result};

/// Transform payload (RFC 2408 3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformRepr {
    /// Transform # (RFC 2408 3.6).
    pub number: u8,
    pub transform_id: TransformId,
    pub attributes: Vec<Attribute>,
}

impl TransformRepr {
    /// Parses a transform body (after its generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "transform payload");
        let number = r.u8()?;
        let transform_id = TransformId(r.u8()?);
        let _reserved2 = r.u16()?;
        Ok(TransformRepr {
            number,
            transform_id,
            attributes: Attribute::parse_list(r.rest())?,
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4 + self
            .attributes
            .iter()
            .map(Attribute::buffer_len)
            .sum::<usize>()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(self.number)?;
        w.u8(self.transform_id.0)?;
        w.u16(0)?;
        self.attributes.iter().try_for_each(|a| a.write(w))
    }

    /// First attribute of the given class.
    pub fn attr(&self, ty: u16) -> Option<&Attribute> {
        super::attr::find_attr(&self.attributes, ty)
    }
}

/// Proposal payload (RFC 2408 3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRepr {
    /// Proposal #; proposals sharing a number are combined (AND), RFC 2408 4.2.
    pub number: u8,
    pub protocol_id: ProtocolId,
    /// SPI: empty (or 16 bytes of cookies) for ISAKMP, 4 bytes for AH/ESP, 2 or 4 for IPCOMP.
    pub spi: Vec<u8>,
    pub transforms: Vec<TransformRepr>,
}

impl ProposalRepr {
    /// Parses a proposal body (after its generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "proposal payload");
        let number = r.u8()?;
        let protocol_id = ProtocolId(r.u8()?);
        let spi_size = r.u8()?;
        let declared = r.u8()?;
        let spi = r.take(usize::from(spi_size))?.to_vec();
        let mut rest = r.rest();
        let mut transforms = Vec::new();
        while !rest.is_empty() {
            let (next, tbody, after) = split_payload(rest, "transform payload")?;
            transforms.push(TransformRepr::parse(tbody)?);
            rest = after;
            // RFC 2408 3.6: Next Payload is T (3), or 0 for the last transform of the proposal.
            match next {
                PayloadType::TRANSFORM if !rest.is_empty() => {}
                PayloadType::NONE if rest.is_empty() => {}
                PayloadType::TRANSFORM => {
                    return Err(Error::Truncated {
                        what: "transform payload",
                        needed: GENERIC_HEADER_LEN,
                        available: 0,
                    })
                }
                _ => {
                    return Err(Error::Invalid {
                        what: "transform payload",
                        detail: "next payload must be T (3) or NONE (0) and end the proposal",
                    })
                }
            }
        }
        // RFC 2408 3.5: "# of Transforms" gives the number of transforms in the proposal.
        if transforms.len() != usize::from(declared) {
            return Err(Error::Invalid {
                what: "proposal payload",
                detail: "# of transforms does not match the transforms present",
            });
        }
        Ok(ProposalRepr {
            number,
            protocol_id,
            spi,
            transforms,
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        4 + self.spi.len()
            + self
                .transforms
                .iter()
                .map(|t| GENERIC_HEADER_LEN + t.buffer_len())
                .sum::<usize>()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u8(self.number)?;
        w.u8(self.protocol_id.0)?;
        w.u8(len_u8(self.spi.len(), "proposal SPI")?)?;
        w.u8(len_u8(self.transforms.len(), "# of transforms")?)?;
        w.put(&self.spi)?;
        for (i, t) in self.transforms.iter().enumerate() {
            let next = if i + 1 == self.transforms.len() {
                PayloadType::NONE
            } else {
                PayloadType::TRANSFORM
            };
            write_generic(w, next, t.buffer_len(), "transform payload")?;
            t.write(w)?;
        }
        Ok(())
    }
}

/// Security Association payload (RFC 2408 3.4) with the IPsec DOI 4-byte situation.
///
/// RESERVED fields are not kept, so a received SA re-emits to the peer's bytes only when the
/// peer zeroed them; hash SAi_b from the received bytes (see [`super::span`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaRepr {
    pub doi: Doi,
    /// Situation bitmap (RFC 2407 4.2), normally [`situation::IDENTITY_ONLY`].
    pub situation: u32,
    pub proposals: Vec<ProposalRepr>,
}

impl SaRepr {
    /// Parses an SA body (after its generic header).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut r = Reader::new(body, "SA payload");
        let doi = Doi(r.u32()?);
        let situation = r.u32()?;
        // RFC 2407 4.2: for SIT_SECRECY / SIT_INTEGRITY labeled data follows the bitmap; we do
        // not support it, and "the security association setup MUST be aborted".
        if doi == Doi::IPSEC && situation & (situation::SECRECY | situation::INTEGRITY) != 0 {
            return Err(Error::Invalid {
                what: "SA payload",
                detail: "labeled secrecy/integrity situation not supported",
            });
        }
        let mut rest = r.rest();
        let mut proposals = Vec::new();
        loop {
            let (next, pbody, after) = split_payload(rest, "proposal payload")?;
            proposals.push(ProposalRepr::parse(pbody)?);
            rest = after;
            // RFC 2408 3.5: Next Payload is 2 (another proposal) or 0 (the last one).
            match next {
                PayloadType::NONE if rest.is_empty() => break,
                PayloadType::PROPOSAL => {}
                PayloadType::NONE => {
                    return Err(Error::BadLength {
                        what: "SA payload",
                        length: body.len(),
                    })
                }
                _ => {
                    return Err(Error::Invalid {
                        what: "proposal payload",
                        detail: "next payload must be P (2) or NONE (0)",
                    })
                }
            }
        }
        Ok(SaRepr {
            doi,
            situation,
            proposals,
        })
    }

    /// Length of the body (without the generic header).
    pub fn buffer_len(&self) -> usize {
        8 + self
            .proposals
            .iter()
            .map(|p| GENERIC_HEADER_LEN + p.buffer_len())
            .sum::<usize>()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.proposals.is_empty() {
            return Err(Error::Invalid {
                what: "SA payload",
                detail: "an SA payload needs at least one proposal",
            });
        }
        w.u32(self.doi.0)?;
        w.u32(self.situation)?;
        for (i, p) in self.proposals.iter().enumerate() {
            let next = if i + 1 == self.proposals.len() {
                PayloadType::NONE
            } else {
                PayloadType::PROPOSAL
            };
            write_generic(w, next, p.buffer_len(), "proposal payload")?;
            p.write(w)?;
        }
        Ok(())
    }

    /// Writes the body into `buf`; returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::strategies::sa;
    use super::*;
    use proptest::prelude::*;

    fn esp_sa() -> SaRepr {
        SaRepr {
            doi: Doi::IPSEC,
            situation: situation::IDENTITY_ONLY,
            proposals: vec![ProposalRepr {
                number: 1,
                protocol_id: ProtocolId::ESP,
                spi: vec![0xc0, 0xff, 0xee, 0x01],
                transforms: vec![
                    TransformRepr {
                        number: 1,
                        transform_id: TransformId::ESP_AES_CBC,
                        attributes: vec![Attribute::basic(4, 1), Attribute::basic(6, 256)],
                    },
                    TransformRepr {
                        number: 2,
                        transform_id: TransformId::ESP_3DES,
                        attributes: vec![],
                    },
                ],
            }],
        }
    }

    fn encode(sa: &SaRepr) -> Vec<u8> {
        let mut buf = vec![0u8; sa.buffer_len()];
        assert_eq!(sa.emit(&mut buf).unwrap(), buf.len());
        buf
    }

    #[test]
    fn esp_proposal_layout() {
        let buf = encode(&esp_sa());
        // DOI, situation, then the proposal header: next 0, len 4+4+4+(8+8)+8 = 36.
        assert_eq!(buf[..8], [0, 0, 0, 1, 0, 0, 0, 1]);
        assert_eq!(buf[8..12], [0, 0, 0, 36]);
        // proposal #1, ESP, SPI size 4, 2 transforms, SPI
        assert_eq!(buf[12..20], [1, 3, 4, 2, 0xc0, 0xff, 0xee, 0x01]);
        // first transform: next = T (3), length 16, #1, id 12
        assert_eq!(buf[20..26], [3, 0, 0, 16, 1, 12]);
        // last transform: next = NONE
        assert_eq!(buf[36..40], [0, 0, 0, 8]);
        assert_eq!(SaRepr::parse(&buf).unwrap(), esp_sa());
    }

    #[test]
    fn transform_count_mismatch_is_rejected() {
        let mut buf = encode(&esp_sa());
        buf[15] = 3;
        assert!(matches!(
            SaRepr::parse(&buf),
            Err(Error::Invalid {
                what: "proposal payload",
                ..
            })
        ));
    }

    #[test]
    fn transform_next_payload_checked() {
        let mut buf = encode(&esp_sa());
        buf[20] = 0; // first transform claims to be last
        assert!(SaRepr::parse(&buf).is_err());
        let mut buf = encode(&esp_sa());
        buf[36] = 3; // last transform claims more follow
        assert!(SaRepr::parse(&buf).is_err());
    }

    #[test]
    fn nested_lengths_checked() {
        let good = encode(&esp_sa());
        let mut buf = good.clone();
        buf[11] = 37; // proposal longer than the SA
        assert!(SaRepr::parse(&buf).is_err());
        let mut buf = good.clone();
        buf[23] = 3; // transform length below the generic header
        assert!(SaRepr::parse(&buf).is_err());
        let mut buf = good.clone();
        buf[14] = 200; // SPI size past the end
        assert!(SaRepr::parse(&buf).is_err());
        let mut buf = good;
        buf.push(0); // trailing byte after the last proposal
        assert!(SaRepr::parse(&buf).is_err());
    }

    #[test]
    fn situation_and_empty_sa() {
        let mut buf = encode(&esp_sa());
        buf[7] = 0x03; // SIT_IDENTITY_ONLY | SIT_SECRECY
        assert!(SaRepr::parse(&buf).is_err());
        assert!(SaRepr::parse(&buf[..8]).is_err());
        let empty = SaRepr {
            proposals: vec![],
            ..esp_sa()
        };
        assert!(empty.emit(&mut [0u8; 64]).is_err());
    }

    proptest! {
        #[test]
        fn roundtrip(s in sa()) {
            let buf = encode(&s);
            prop_assert_eq!(SaRepr::parse(&buf).unwrap(), s);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = SaRepr::parse(&bytes);
        }
    }
}
