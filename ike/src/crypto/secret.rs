//! `Secret`: owned key material that zeroizes on drop and never prints.
//!
//! Used for every key, PSK, DH private value and derived key. `Debug` and `Display` print
//! `<redacted>`; equality is constant time in the contents (the length is not secret). This
//! module never exposes bytes except through the explicit [`Secret::expose`] accessor.

use zeroize::{Zeroize, Zeroizing};

/// Key material. Zeroized on drop; `Debug`/`Display` print `<redacted>`.
#[derive(Clone, Default)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wrap an owned buffer (takes ownership; no copy is left behind by this call).
    pub fn new(bytes: Vec<u8>) -> Self {
        Secret(bytes)
    }

    /// Copy a slice into a new secret.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Secret(bytes.to_vec())
    }

    /// A secret of `len` zero bytes, to be filled in place.
    pub fn zeroed(len: usize) -> Self {
        Secret(vec![0; len])
    }

    /// Read the key bytes. The only way out; callers must not log the result.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access, for filling from an RNG or a KDF.
    pub fn expose_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Copy out the sub-range `start..start+len`, or `None` if out of bounds.
    pub fn slice(&self, start: usize, len: usize) -> Option<Secret> {
        let end = start.checked_add(len)?;
        self.0.get(start..end).map(Secret::from_slice)
    }

    /// Concatenate secrets / public data into a new secret (e.g. `Ni | Nr`).
    pub fn concat(parts: &[&[u8]]) -> Secret {
        let total = parts.iter().map(|p| p.len()).sum();
        let mut v = Vec::with_capacity(total);
        for p in parts {
            v.extend_from_slice(p);
        }
        Secret(v)
    }

    /// Keep the first `len` bytes (zeroizing the dropped tail).
    pub fn truncate(&mut self, len: usize) {
        if len < self.0.len() {
            if let Some(tail) = self.0.get_mut(len..) {
                tail.zeroize();
            }
            self.0.truncate(len);
        }
    }

    /// Move the bytes into a `Zeroizing` vector (for APIs that need a `Vec`).
    pub fn into_zeroizing(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(core::mem::take(&mut self.0))
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl core::fmt::Display for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for Secret {}

/// Constant-time equality of two byte strings: the time depends on the lengths only.
///
/// Accumulates the XOR of every byte pair and compares once at the end; `black_box` keeps the
/// optimiser from short-circuiting the loop.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut acc: u8 = 0;
    for (x, y) in a.iter().zip(b.iter()) {
        acc = core::hint::black_box(acc | (x ^ y));
    }
    core::hint::black_box(acc) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::from_slice(b"hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn ct_eq_compares_contents_and_length() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
        assert_eq!(Secret::from_slice(b"k"), Secret::from_slice(b"k"));
        assert_ne!(Secret::from_slice(b"k"), Secret::from_slice(b"j"));
    }

    #[test]
    fn slice_and_truncate() {
        let mut s = Secret::from_slice(&[1, 2, 3, 4, 5]);
        assert_eq!(s.slice(1, 2).unwrap().expose(), &[2, 3]);
        assert!(s.slice(4, 2).is_none());
        assert!(s.slice(usize::MAX, 2).is_none());
        s.truncate(2);
        assert_eq!(s.expose(), &[1, 2]);
    }
}
