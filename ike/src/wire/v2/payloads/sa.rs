//! The Security Association payload (RFC 7296 3.3): proposals, transforms and transform
//! attributes.
//!
//! Parsing walks the substructures by their declared lengths, checks every length, the Last
//! Substruc flags, SPI sizes, proposal numbering and transform counts, and never allocates
//! more than the bytes present justify. It never chooses a proposal: that is the engine's job.

pub use super::transform::{Transform, TransformAttribute};
use crate::wire::v2::registry::{ProtocolId, TransformType};
use crate::wire::v2::util::{count8, len16, slice, u16_at, u8_at, Writer};
use crate::wire::{Error, Result};

/// RFC 7296 3.3.1: Last Substruc value for "more proposals follow".
const MORE_PROPOSALS: u8 = 2;

/// A proposal substructure (RFC 7296 3.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proposal {
    /// Proposal Num (the responder echoes the number of the proposal it accepted).
    pub num: u8,
    pub protocol: ProtocolId,
    /// SPI: empty in an initial IKE_SA_INIT, 8 octets for IKE rekeys, 4 for AH/ESP.
    pub spi: Vec<u8>,
    pub transforms: Vec<Transform>,
}

impl Proposal {
    /// Octets of this proposal substructure.
    pub fn buffer_len(&self) -> usize {
        8 + self.spi.len()
            + self
                .transforms
                .iter()
                .map(Transform::buffer_len)
                .sum::<usize>()
    }

    /// Transforms of one type, in order of preference.
    pub fn transforms_of(&self, ty: TransformType) -> impl Iterator<Item = &Transform> {
        self.transforms.iter().filter(move |t| t.ty == ty)
    }

    fn check_spi(&self) -> Result<()> {
        // RFC 7296 3.3.1: SPI Size "MUST be zero" for an initial IKE SA negotiation and "is equal
        // to the size, in octets, of the SPI of the corresponding protocol (8 for IKE, 4 for ESP
        // and AH)" otherwise.
        let ok = match self.protocol {
            ProtocolId::IKE => self.spi.is_empty() || self.spi.len() == 8,
            ProtocolId::AH | ProtocolId::ESP => self.spi.len() == 4,
            _ => self.spi.len() <= 255,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Invalid {
                what: "proposal",
                detail: "SPI size does not match the protocol",
            })
        }
    }

    /// Parses one proposal from the front of `buf`: (proposal, length, is_last).
    fn parse(buf: &[u8]) -> Result<(Self, usize, bool)> {
        let last = u8_at(buf, 0, "proposal")?;
        let len = u16_at(buf, 2, "proposal")? as usize;
        if len < 8 {
            return Err(Error::BadLength {
                what: "proposal",
                length: len,
            });
        }
        let body = slice(buf, 0, len, "proposal")?;
        let is_last = match last {
            0 => true,
            MORE_PROPOSALS => false,
            _ => {
                return Err(Error::Invalid {
                    what: "proposal",
                    detail: "Last Substruc is neither 0 nor 2",
                })
            }
        };
        let num = u8_at(body, 4, "proposal")?;
        let protocol = ProtocolId(u8_at(body, 5, "proposal")?);
        let spi_size = u8_at(body, 6, "proposal")? as usize;
        let num_transforms = u8_at(body, 7, "proposal")? as usize;
        let spi = slice(body, 8, spi_size, "proposal SPI")?.to_vec();
        let mut transforms = Vec::new();
        let mut off = 8 + spi_size;
        let mut saw_last = off == len;
        while off < len {
            if saw_last {
                return Err(Error::Invalid {
                    what: "transform",
                    detail: "bytes follow the last transform",
                });
            }
            let (t, n, is_last) = Transform::parse(body.get(off..).unwrap_or_default())?;
            transforms.push(t);
            off += n;
            saw_last = is_last;
        }
        if !saw_last {
            return Err(Error::Invalid {
                what: "transform",
                detail: "last transform is not marked last",
            });
        }
        if transforms.len() != num_transforms {
            return Err(Error::Invalid {
                what: "proposal",
                detail: "# of Transforms does not match the transforms present",
            });
        }
        let p = Proposal {
            num,
            protocol,
            spi,
            transforms,
        };
        p.check_spi()?;
        Ok((p, len, is_last))
    }

    fn emit(&self, w: &mut Writer<'_>, is_last: bool) -> Result<()> {
        self.check_spi()?;
        w.u8(if is_last { 0 } else { MORE_PROPOSALS })?;
        w.u8(0)?;
        w.u16(len16(self.buffer_len(), "proposal")?)?;
        w.u8(self.num)?;
        w.u8(self.protocol.0)?;
        w.u8(count8(self.spi.len(), "proposal SPI")?)?;
        w.u8(count8(self.transforms.len(), "proposal transforms")?)?;
        w.put(&self.spi)?;
        let n = self.transforms.len();
        for (i, t) in self.transforms.iter().enumerate() {
            t.emit(w, i + 1 == n)?;
        }
        Ok(())
    }
}

/// The SA payload body (RFC 7296 3.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SaPayload {
    pub proposals: Vec<Proposal>,
}

impl SaPayload {
    fn check_numbering(&self) -> Result<()> {
        // RFC 7296 3.3.1: "When a proposal is made, the first proposal in an SA payload MUST be
        // 1, and subsequent proposals MUST be one more than the previous proposal".
        // A responder's single proposal carries the number it accepted, so the first number is
        // free here; see `starts_at_one` for requests.
        for pair in self.proposals.windows(2) {
            if let [a, b] = pair {
                if a.num.checked_add(1) != Some(b.num) {
                    return Err(Error::Invalid {
                        what: "SA payload",
                        detail: "proposal numbers are not consecutive",
                    });
                }
            }
        }
        Ok(())
    }

    /// RFC 7296 3.3.1: "the first proposal in an SA payload MUST be 1" when a proposal is made.
    pub fn starts_at_one(&self) -> bool {
        self.proposals.first().is_some_and(|p| p.num == 1)
    }

    /// Parses the SA payload body (after the generic payload header).
    ///
    /// RFC 7296 3.3: "When parsing an SA, an implementation MUST check that the total Payload
    /// Length is consistent with the payload's internal lengths and counts."
    pub fn parse(body: &[u8]) -> Result<Self> {
        let mut proposals = Vec::new();
        let mut off = 0;
        let mut saw_last = false;
        while off < body.len() {
            if saw_last {
                return Err(Error::Invalid {
                    what: "proposal",
                    detail: "bytes follow the last proposal",
                });
            }
            let (p, n, is_last) = Proposal::parse(body.get(off..).unwrap_or_default())?;
            proposals.push(p);
            off += n;
            saw_last = is_last;
        }
        if !proposals.is_empty() && !saw_last {
            return Err(Error::Invalid {
                what: "proposal",
                detail: "last proposal is not marked last",
            });
        }
        let sa = SaPayload { proposals };
        sa.check_numbering()?;
        Ok(sa)
    }

    /// Octets of the body.
    pub fn buffer_len(&self) -> usize {
        self.proposals.iter().map(Proposal::buffer_len).sum()
    }

    /// Writes the body into `buf`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<()> {
        self.check_numbering()?;
        let mut w = Writer::new(buf, self.buffer_len())?;
        let n = self.proposals.len();
        for (i, p) in self.proposals.iter().enumerate() {
            p.emit(&mut w, i + 1 == n)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::wire::v2::registry::{DhId, EncrId, EsnId, IntegId, PrfId};

    fn ike_proposal() -> Proposal {
        Proposal {
            num: 1,
            protocol: ProtocolId::IKE,
            spi: vec![],
            transforms: vec![
                Transform::encr(EncrId::AES_CBC, Some(256)),
                Transform::prf(PrfId::HMAC_SHA2_256),
                Transform::integ(IntegId::HMAC_SHA2_256_128),
                Transform::dh(DhId::MODP_2048),
            ],
        }
    }

    #[test]
    fn encodes_rfc_layout() {
        let sa = SaPayload {
            proposals: vec![ike_proposal()],
        };
        let mut b = vec![0u8; sa.buffer_len()];
        sa.emit(&mut b).unwrap();
        // Proposal header: last, reserved, length 8+12+8+8+8 = 44, num 1, IKE, SPI size 0, 4 transforms.
        assert_eq!(&b[..8], &[0, 0, 0, 44, 1, 1, 0, 4]);
        // First transform: more follow (3), length 12, ENCR, AES_CBC, KEY_LENGTH TV 256.
        assert_eq!(&b[8..20], &[3, 0, 0, 12, 1, 0, 0, 12, 0x80, 14, 1, 0]);
        // Last transform is flagged 0.
        assert_eq!(&b[36..44], &[0, 0, 0, 8, 4, 0, 0, 14]);
        let back = SaPayload::parse(&b).unwrap();
        assert_eq!(back, sa);
        assert_eq!(back.proposals[0].transforms[0].key_length(), Some(256));
        assert!(back.starts_at_one());
    }

    #[test]
    fn rejects_bad_substructures() {
        let mut sa = SaPayload {
            proposals: vec![ike_proposal()],
        };
        let mut b = vec![0u8; sa.buffer_len()];
        sa.emit(&mut b).unwrap();
        let mut bad = b.clone();
        bad[7] = 5; // transform count
        assert!(SaPayload::parse(&bad).is_err());
        let mut bad = b.clone();
        bad[0] = 2; // says more proposals follow
        assert!(SaPayload::parse(&bad).is_err());
        let mut bad = b.clone();
        bad[3] = 7; // proposal length below 8
        assert!(matches!(
            SaPayload::parse(&bad),
            Err(Error::BadLength { .. })
        ));
        let mut bad = b.clone();
        bad[11] = 200; // transform length past the proposal
        assert!(SaPayload::parse(&bad).is_err());
        let mut bad = b.clone();
        bad[6] = 4; // SPI size 4 for IKE
        assert!(SaPayload::parse(&bad).is_err());
        assert!(SaPayload::parse(&b[..b.len() - 1]).is_err());
        sa.proposals.push(Proposal {
            num: 3,
            ..ike_proposal()
        });
        assert!(sa.emit(&mut vec![0u8; sa.buffer_len()]).is_err());
    }

    #[test]
    fn esp_proposal_needs_four_octet_spi() {
        let p = Proposal {
            num: 1,
            protocol: ProtocolId::ESP,
            spi: vec![1, 2, 3, 4],
            transforms: vec![
                Transform::encr(EncrId::AES_GCM_16, Some(128)),
                Transform::esn(EsnId::NO_ESN),
            ],
        };
        let sa = SaPayload { proposals: vec![p] };
        let mut b = vec![0u8; sa.buffer_len()];
        sa.emit(&mut b).unwrap();
        assert_eq!(SaPayload::parse(&b).unwrap(), sa);
        let mut short = sa.clone();
        short.proposals[0].spi.pop();
        assert!(short.emit(&mut b).is_err());
    }
}
