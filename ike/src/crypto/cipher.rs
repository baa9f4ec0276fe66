//! SK payload encryption for IKEv2 (RFC 7296 3.14, RFC 5282, RFC 7634) and IKEv1 CBC.
//!
//! AES-CBC comes from RustCrypto `aes` + `cbc` without a padding mode (IKE pads itself: see
//! [`pad_ikev2`]); AES-GCM-16 and ChaCha20-Poly1305 come from ring. Keys arrive as [`Secret`]
//! key material exactly as sliced from the key schedule (AEAD: key || 4-byte salt). This module
//! never generates IVs (the caller owns IV policy) and never returns unauthenticated plaintext.

use super::{ids::EncrAlg, CryptoError, Result, Secret};
use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use ring::aead;

fn check_len(expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(CryptoError::BadLength { expected, got })
    }
}

/// Encrypt one SK payload body.
///
/// * CBC: `plaintext` must already be padded to the block size (see [`pad_ikev2`]); `iv` is
///   16 bytes; `aad` must be empty (integrity is a separate transform). Returns the ciphertext.
/// * AEAD: `iv` is the 8-byte explicit IV; `aad` is the IKE header through the end of the SK
///   payload header (RFC 5282 5.1). Returns ciphertext || 16-byte ICV.
pub fn encrypt(
    alg: EncrAlg,
    keymat: &Secret,
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    check_len(alg.keymat_len(), keymat.len())?;
    check_len(alg.iv_len(), iv.len())?;
    match alg {
        EncrAlg::AesCbc { .. } => {
            if !aad.is_empty() {
                return Err(CryptoError::Unsupported);
            }
            let mut buf = plaintext.to_vec();
            cbc_apply(alg, keymat.expose(), iv, &mut buf, true)?;
            Ok(buf)
        }
        EncrAlg::AesGcm16 { .. } | EncrAlg::ChaCha20Poly1305 => {
            let (key, nonce) = aead_key_nonce(alg, keymat, iv)?;
            let mut buf = plaintext.to_vec();
            key.seal_in_place_append_tag(nonce, aead::Aad::from(aad), &mut buf)
                .map_err(|_| CryptoError::Backend)?;
            Ok(buf)
        }
    }
}

/// Decrypt one SK payload body; the inverse of [`encrypt`]. For AEAD the ICV is checked before
/// any plaintext is returned; a bad ICV yields [`CryptoError::DecryptFailed`].
pub fn decrypt(
    alg: EncrAlg,
    keymat: &Secret,
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    check_len(alg.keymat_len(), keymat.len())?;
    check_len(alg.iv_len(), iv.len())?;
    match alg {
        EncrAlg::AesCbc { .. } => {
            if !aad.is_empty() {
                return Err(CryptoError::Unsupported);
            }
            let mut buf = ciphertext.to_vec();
            cbc_apply(alg, keymat.expose(), iv, &mut buf, false)?;
            Ok(buf)
        }
        EncrAlg::AesGcm16 { .. } | EncrAlg::ChaCha20Poly1305 => {
            if ciphertext.len() < alg.icv_len() {
                return Err(CryptoError::DecryptFailed);
            }
            let (key, nonce) = aead_key_nonce(alg, keymat, iv)?;
            let mut buf = ciphertext.to_vec();
            let plain_len = key
                .open_in_place(nonce, aead::Aad::from(aad), &mut buf)
                .map_err(|_| CryptoError::DecryptFailed)?
                .len();
            buf.truncate(plain_len);
            Ok(buf)
        }
    }
}

/// RFC 5282 4 / RFC 7634 2: nonce = salt (last 4 bytes of the key material) || explicit IV.
fn aead_key_nonce(
    alg: EncrAlg,
    keymat: &Secret,
    iv: &[u8],
) -> Result<(aead::LessSafeKey, aead::Nonce)> {
    let ring_alg = match alg {
        EncrAlg::AesGcm16 { key_bits: 128 } => &aead::AES_128_GCM,
        EncrAlg::AesGcm16 { key_bits: 256 } => &aead::AES_256_GCM,
        EncrAlg::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        _ => return Err(CryptoError::Unsupported),
    };
    let (key, salt) = keymat
        .expose()
        .split_at_checked(alg.key_len())
        .ok_or(CryptoError::Backend)?;
    let unbound = aead::UnboundKey::new(ring_alg, key).map_err(|_| CryptoError::Backend)?;
    let mut nonce = [0u8; 12];
    let (n_salt, n_iv) = nonce.split_at_mut(4);
    n_salt.copy_from_slice(salt);
    n_iv.copy_from_slice(iv);
    Ok((
        aead::LessSafeKey::new(unbound),
        aead::Nonce::assume_unique_for_key(nonce),
    ))
}

/// AES-CBC over whole blocks in place (no padding is added or removed).
pub fn cbc_apply(alg: EncrAlg, key: &[u8], iv: &[u8], buf: &mut [u8], encrypt: bool) -> Result<()> {
    if !buf.len().is_multiple_of(16) {
        return Err(CryptoError::BadLength {
            expected: buf.len().next_multiple_of(16),
            got: buf.len(),
        });
    }
    let len = buf.len();
    macro_rules! run {
        ($aes:ty) => {{
            if encrypt {
                cbc::Encryptor::<$aes>::new_from_slices(key, iv)
                    .map_err(|_| CryptoError::Backend)?
                    .encrypt_padded_mut::<NoPadding>(buf, len)
                    .map(|_| ())
                    .map_err(|_| CryptoError::Backend)
            } else {
                cbc::Decryptor::<$aes>::new_from_slices(key, iv)
                    .map_err(|_| CryptoError::Backend)?
                    .decrypt_padded_mut::<NoPadding>(buf)
                    .map(|_| ())
                    .map_err(|_| CryptoError::Backend)
            }
        }};
    }
    match alg {
        EncrAlg::AesCbc { key_bits: 128 } => run!(aes::Aes128),
        EncrAlg::AesCbc { key_bits: 192 } => run!(aes::Aes192),
        EncrAlg::AesCbc { key_bits: 256 } => run!(aes::Aes256),
        _ => Err(CryptoError::Unsupported),
    }
}

/// Append IKEv2 padding and the Pad Length octet (RFC 7296 3.14) so the result is a multiple
/// of the cipher's block size. Padding octets are zero (the RFC allows any value).
pub fn pad_ikev2(alg: EncrAlg, plaintext: &[u8]) -> Vec<u8> {
    let block = alg.block_len();
    let pad = (block - (plaintext.len() + 1) % block) % block;
    let mut out = Vec::with_capacity(plaintext.len() + pad + 1);
    out.extend_from_slice(plaintext);
    out.resize(plaintext.len() + pad, 0);
    // pad < block <= 16, fits in a u8.
    out.push(pad as u8);
    out
}

/// Strip IKEv2 padding: the last octet is the Pad Length (RFC 7296 3.14). Fails if it claims
/// more padding than there is data.
pub fn unpad_ikev2(decrypted: &[u8]) -> Result<&[u8]> {
    let (&pad_len, rest) = decrypted.split_last().ok_or(CryptoError::DecryptFailed)?;
    let keep = rest
        .len()
        .checked_sub(usize::from(pad_len))
        .ok_or(CryptoError::DecryptFailed)?;
    rest.get(..keep).ok_or(CryptoError::DecryptFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_unpad_round_trip_for_all_lengths() {
        let cbc = EncrAlg::AesCbc { key_bits: 128 };
        let gcm = EncrAlg::AesGcm16 { key_bits: 128 };
        for n in 0..40 {
            let p: Vec<u8> = (0..n as u8).collect();
            let padded = pad_ikev2(cbc, &p);
            assert_eq!(padded.len() % 16, 0);
            assert_eq!(unpad_ikev2(&padded).unwrap(), &p[..]);
            let padded = pad_ikev2(gcm, &p);
            assert_eq!(padded.len(), n + 1);
            assert_eq!(unpad_ikev2(&padded).unwrap(), &p[..]);
        }
        assert!(unpad_ikev2(&[]).is_err());
        assert!(unpad_ikev2(&[1, 2, 3]).is_err());
        assert_eq!(unpad_ikev2(&[1, 2, 3, 3]).unwrap(), &[] as &[u8]);
        assert_eq!(unpad_ikev2(&[9, 2, 1]).unwrap(), &[9]);
    }

    #[test]
    fn wrong_lengths_are_errors_not_panics() {
        let cbc = EncrAlg::AesCbc { key_bits: 256 };
        let k = Secret::zeroed(32);
        assert!(encrypt(cbc, &Secret::zeroed(16), &[0; 16], &[], &[0; 16]).is_err());
        assert!(encrypt(cbc, &k, &[0; 8], &[], &[0; 16]).is_err());
        assert!(encrypt(cbc, &k, &[0; 16], &[], &[0; 15]).is_err());
        assert!(decrypt(cbc, &k, &[0; 16], &[], &[0; 17]).is_err());
        let gcm = EncrAlg::AesGcm16 { key_bits: 128 };
        let k = Secret::zeroed(20);
        assert_eq!(
            decrypt(gcm, &k, &[0; 8], b"", &[0; 15]),
            Err(CryptoError::DecryptFailed)
        );
    }

    #[test]
    fn aead_round_trip_and_tamper_detection() {
        for alg in [
            EncrAlg::AesGcm16 { key_bits: 128 },
            EncrAlg::AesGcm16 { key_bits: 256 },
            EncrAlg::ChaCha20Poly1305,
        ] {
            let k = Secret::from_slice(&vec![3u8; alg.keymat_len()]);
            let ct = encrypt(alg, &k, &[1; 8], b"hdr", b"payload").unwrap();
            assert_eq!(ct.len(), 7 + 16);
            assert_eq!(decrypt(alg, &k, &[1; 8], b"hdr", &ct).unwrap(), b"payload");
            assert!(decrypt(alg, &k, &[1; 8], b"hdR", &ct).is_err());
            assert!(decrypt(alg, &k, &[2; 8], b"hdr", &ct).is_err());
            let mut salt_changed = k.expose().to_vec();
            if let Some(last) = salt_changed.last_mut() {
                *last ^= 1;
            }
            assert!(decrypt(alg, &Secret::new(salt_changed), &[1; 8], b"hdr", &ct).is_err());
        }
    }
}
