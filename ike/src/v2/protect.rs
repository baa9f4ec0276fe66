//! SK payload protection (RFC 7296 3.14; AEAD per RFC 5282 5.1): the IKE SA keys, and
//! encrypting / decrypting + integrity-checking whole messages.
//!
//! `seal` builds header + SK payload around an inner payload chain; `open` verifies and
//! decrypts, returning the inner payloads. A message that fails integrity yields `None` and
//! is dropped silently by the caller (RFC 7296 2.21.2). Key bytes never leave the
//! [`Secret`]s held here and never reach `Debug`.

use crate::crypto::kdf::{IkeSaKeys, IkeSuite};
use crate::crypto::{cipher, CryptoProvider, Secret};
use crate::wire::v2::{
    encrypted_payload_offset, parse_payload_chain, payload_chain_to_vec, Header, Message, Payload,
    PayloadType, SkPayload, GENERIC_HEADER_LEN,
};

/// The keys of one IKE SA plus which side we are.
#[derive(Debug, Clone)]
pub struct SaKeys {
    pub suite: IkeSuite,
    pub keys: IkeSaKeys,
    /// We are the original initiator of the IKE SA.
    pub initiator: bool,
}

impl SaKeys {
    fn enc_out(&self) -> (&Secret, &Secret) {
        if self.initiator {
            (&self.keys.sk_ei, &self.keys.sk_ai)
        } else {
            (&self.keys.sk_er, &self.keys.sk_ar)
        }
    }
    fn enc_in(&self) -> (&Secret, &Secret) {
        if self.initiator {
            (&self.keys.sk_er, &self.keys.sk_ar)
        } else {
            (&self.keys.sk_ei, &self.keys.sk_ai)
        }
    }
    fn icv_len(&self) -> usize {
        if self.suite.encr.is_aead() {
            0
        } else {
            self.suite.integ.map_or(0, |i| i.icv_len())
        }
    }

    /// Encrypts `inner` under `header` into a complete datagram.
    pub fn seal(
        &self,
        provider: &CryptoProvider,
        header: Header,
        inner: &[Payload],
    ) -> Option<Vec<u8>> {
        let encr = self.suite.encr;
        let (first, plain) = payload_chain_to_vec(inner).ok()?;
        let padded = cipher::pad_ikev2(encr, &plain);
        let iv = provider.random_bytes(encr.iv_len()).ok()?;
        let ct_len = padded.len() + encr.icv_len();
        let icv_len = self.icv_len();
        let mut body = iv.clone();
        body.resize(iv.len() + ct_len + icv_len, 0);
        let msg = Message {
            header,
            payloads: vec![Payload::Sk(SkPayload {
                first_inner: first,
                body,
            })],
        };
        let mut bytes = msg.to_vec().ok()?;
        let off = encrypted_payload_offset(&bytes).ok()??;
        let ct_start = off + GENERIC_HEADER_LEN + iv.len();
        let (ek, ak) = self.enc_out();
        // RFC 5282 5.1: AAD is the IKE header through the SK generic header; CBC has none.
        let aad: Vec<u8> = if encr.is_aead() {
            bytes[..off + GENERIC_HEADER_LEN].to_vec()
        } else {
            Vec::new()
        };
        let ct = cipher::encrypt(encr, ek, &iv, &aad, &padded).ok()?;
        bytes
            .get_mut(ct_start..ct_start + ct.len())?
            .copy_from_slice(&ct);
        if let (false, Some(integ)) = (encr.is_aead(), self.suite.integ) {
            // RFC 7296 3.14: the ICV covers the message from the IKE header through the
            // ciphertext (everything but the ICV itself).
            let end = bytes.len() - icv_len;
            let icv = integ.compute(ak, &[&bytes[..end]]).ok()?;
            bytes.get_mut(end..)?.copy_from_slice(&icv);
        }
        Some(bytes)
    }

    /// Verifies and decrypts a message whose only (last) payload is SK; returns the inner
    /// payloads. `None` on any failure (integrity, padding, inner syntax).
    pub fn open(&self, bytes: &[u8], msg: &Message) -> Option<Result<Vec<Payload>, ()>> {
        let Some(Payload::Sk(sk)) = msg.payloads.last() else {
            return None;
        };
        let encr = self.suite.encr;
        let icv_len = self.icv_len();
        let parts = sk.split(encr.iv_len(), icv_len).ok()?;
        let off = encrypted_payload_offset(bytes).ok()??;
        let (ek, ak) = self.enc_in();
        let plain = if encr.is_aead() {
            let aad = bytes.get(..off + GENERIC_HEADER_LEN)?;
            cipher::decrypt(encr, ek, parts.iv, aad, parts.ciphertext).ok()?
        } else {
            let integ = self.suite.integ?;
            let end = bytes.len().checked_sub(icv_len)?;
            integ.verify(ak, &[bytes.get(..end)?], parts.icv).ok()?;
            cipher::decrypt(encr, ek, parts.iv, &[], parts.ciphertext).ok()?
        };
        // Authenticated from here on: syntax errors are reported (INVALID_SYNTAX) by the caller.
        let Ok(inner) = cipher::unpad_ikev2(&plain) else {
            return Some(Err(()));
        };
        Some(parse_payload_chain(sk.first_inner, inner).map_err(|_| ()))
    }
}

impl SaKeys {
    /// Verifies and decrypts one SKF fragment (RFC 7383 2.5; AEAD AAD is the IKE header
    /// through the SKF Total Fragments field). Returns (number, total, first inner type,
    /// unpadded plaintext), or `None` on any failure.
    pub fn open_fragment(
        &self,
        bytes: &[u8],
        msg: &Message,
    ) -> Option<(u16, u16, PayloadType, Vec<u8>)> {
        let Some(Payload::Skf(f)) = msg.payloads.last() else {
            return None;
        };
        let encr = self.suite.encr;
        let parts = f.split(encr.iv_len(), self.icv_len()).ok()?;
        let off = encrypted_payload_offset(bytes).ok()??;
        let (ek, ak) = self.enc_in();
        let plain = if encr.is_aead() {
            let aad = bytes.get(..off + GENERIC_HEADER_LEN + 4)?;
            cipher::decrypt(encr, ek, parts.iv, aad, parts.ciphertext).ok()?
        } else {
            let end = bytes.len().checked_sub(self.icv_len())?;
            self.suite
                .integ?
                .verify(ak, &[bytes.get(..end)?], parts.icv)
                .ok()?;
            cipher::decrypt(encr, ek, parts.iv, &[], parts.ciphertext).ok()?
        };
        let inner = cipher::unpad_ikev2(&plain).ok()?.to_vec();
        Some((f.fragment_number, f.total_fragments, f.first_inner, inner))
    }

    /// Encrypts one fragment `chunk` of an inner payload chain as an SKF payload (RFC 7383).
    pub fn seal_fragment(
        &self,
        provider: &CryptoProvider,
        header: Header,
        first: PayloadType,
        (num, total): (u16, u16),
        chunk: &[u8],
    ) -> Option<Vec<u8>> {
        let encr = self.suite.encr;
        let padded = cipher::pad_ikev2(encr, chunk);
        let iv = provider.random_bytes(encr.iv_len()).ok()?;
        let icv_len = self.icv_len();
        let mut body = iv.clone();
        body.resize(iv.len() + padded.len() + encr.icv_len() + icv_len, 0);
        let msg = Message {
            header,
            payloads: vec![Payload::Skf(crate::wire::v2::SkfPayload {
                first_inner: if num == 1 { first } else { PayloadType::NONE },
                fragment_number: num,
                total_fragments: total,
                body,
            })],
        };
        let mut bytes = msg.to_vec().ok()?;
        let off = encrypted_payload_offset(&bytes).ok()??;
        let ct_start = off + GENERIC_HEADER_LEN + 4 + iv.len();
        let (ek, ak) = self.enc_out();
        let aad: Vec<u8> = if encr.is_aead() {
            bytes[..off + GENERIC_HEADER_LEN + 4].to_vec()
        } else {
            Vec::new()
        };
        let ct = cipher::encrypt(encr, ek, &iv, &aad, &padded).ok()?;
        bytes
            .get_mut(ct_start..ct_start + ct.len())?
            .copy_from_slice(&ct);
        if let (false, Some(integ)) = (encr.is_aead(), self.suite.integ) {
            let end = bytes.len() - icv_len;
            let icv = integ.compute(ak, &[&bytes[..end]]).ok()?;
            bytes.get_mut(end..)?.copy_from_slice(&icv);
        }
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::ike_sa_keys;
    use crate::crypto::{EncrAlg, IntegAlg, PrfAlg};
    use crate::wire::v2::{ExchangeType, Flags, NoncePayload};

    fn pair(encr: EncrAlg, integ: Option<IntegAlg>) -> (SaKeys, SaKeys) {
        let suite = IkeSuite {
            encr,
            integ,
            prf: PrfAlg::HmacSha256,
        };
        let seed = Secret::from_slice(&[7; 32]);
        let keys = ike_sa_keys(suite, &seed, &[1; 16], &[2; 16], &[3; 8], &[4; 8]).unwrap();
        (
            SaKeys {
                suite,
                keys: keys.clone(),
                initiator: true,
            },
            SaKeys {
                suite,
                keys,
                initiator: false,
            },
        )
    }

    #[test]
    fn seal_open_round_trip_and_tamper_detection() {
        let provider = CryptoProvider::insecure_deterministic(9);
        for (encr, integ) in [
            (EncrAlg::AesGcm16 { key_bits: 128 }, None),
            (
                EncrAlg::AesCbc { key_bits: 256 },
                Some(IntegAlg::HmacSha256_128),
            ),
        ] {
            let (i, r) = pair(encr, integ);
            let h = Header::v2(1, 2, ExchangeType::INFORMATIONAL, Flags::INITIATOR, 5);
            let inner = vec![Payload::Nonce(NoncePayload { nonce: vec![9; 20] })];
            let bytes = i.seal(&provider, h, &inner).unwrap();
            let msg = Message::parse(&bytes).unwrap();
            assert_eq!(r.open(&bytes, &msg), Some(Ok(inner.clone())));
            // The sender's own inbound keys are the other direction: no decryption.
            assert_eq!(i.open(&bytes, &msg), None);
            for pos in [0, 20, bytes.len() / 2, bytes.len() - 1] {
                let mut bad = bytes.clone();
                bad[pos] ^= 1;
                if let Ok(m) = Message::parse(&bad) {
                    assert_eq!(r.open(&bad, &m), None, "flipped byte {pos}");
                }
            }
        }
    }
}

#[cfg(test)]
mod fragment_tests {
    use super::*;
    use crate::crypto::kdf::ike_sa_keys;
    use crate::crypto::{EncrAlg, IntegAlg, PrfAlg};
    use crate::v2::fragment::Reassembly;
    use crate::wire::v2::{ExchangeType, Flags, NoncePayload, NotifyPayload, NotifyType};

    #[test]
    fn fragments_round_trip_through_reassembly() {
        let provider = CryptoProvider::insecure_deterministic(3);
        for (encr, integ) in [
            (EncrAlg::AesGcm16 { key_bits: 256 }, None),
            (
                EncrAlg::AesCbc { key_bits: 128 },
                Some(IntegAlg::HmacSha1_96),
            ),
        ] {
            let suite = IkeSuite {
                encr,
                integ,
                prf: PrfAlg::HmacSha1,
            };
            let keys = ike_sa_keys(
                suite,
                &Secret::from_slice(&[5; 20]),
                &[1; 16],
                &[2; 16],
                &[3; 8],
                &[4; 8],
            )
            .unwrap();
            let i = SaKeys {
                suite,
                keys: keys.clone(),
                initiator: true,
            };
            let r = SaKeys {
                suite,
                keys,
                initiator: false,
            };
            let inner = vec![
                Payload::Nonce(NoncePayload {
                    nonce: vec![7; 200],
                }),
                Payload::Notify(NotifyPayload::new(NotifyType::INITIAL_CONTACT, vec![])),
            ];
            let (first, plain) = payload_chain_to_vec(&inner).unwrap();
            let chunks: Vec<&[u8]> = plain.chunks(90).collect();
            let total = chunks.len() as u16;
            let mut re = Reassembly::default();
            let mut done = None;
            for (k, c) in chunks.iter().enumerate().rev() {
                let h = Header::v2(1, 2, ExchangeType::IKE_AUTH, Flags::INITIATOR, 1);
                let b = i
                    .seal_fragment(&provider, h, first, (k as u16 + 1, total), c)
                    .unwrap();
                let m = Message::parse(&b).unwrap();
                let mut bad = b.clone();
                let last = bad.len() - 1;
                bad[last] ^= 1;
                assert!(r
                    .open_fragment(&bad, &Message::parse(&bad).unwrap())
                    .is_none());
                let (n, t, f, p) = r.open_fragment(&b, &m).unwrap();
                done = re.add(1, false, (n, t), f, p);
            }
            let (f, joined) = done.unwrap();
            assert_eq!(parse_payload_chain(f, &joined).unwrap(), inner);
        }
    }
}
