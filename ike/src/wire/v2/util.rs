//! Bounds-checked big-endian readers and writers shared by the IKEv2 codec.
//!
//! Every read goes through `slice`, which returns `Error::Truncated` instead of indexing out of
//! bounds; every write checks the output length first. Nothing here allocates or panics.

use crate::wire::{Error, Result};

/// `buf[start..start + len]`, or `Truncated` naming `what`.
pub(crate) fn slice<'a>(
    buf: &'a [u8],
    start: usize,
    len: usize,
    what: &'static str,
) -> Result<&'a [u8]> {
    let end = start
        .checked_add(len)
        .ok_or(Error::BadLength { what, length: len })?;
    buf.get(start..end).ok_or(Error::Truncated {
        what,
        needed: end,
        available: buf.len(),
    })
}

/// Reads one octet at `off`.
pub(crate) fn u8_at(buf: &[u8], off: usize, what: &'static str) -> Result<u8> {
    Ok(slice(buf, off, 1, what)?[0])
}

/// Reads a big-endian u16 at `off`.
pub(crate) fn u16_at(buf: &[u8], off: usize, what: &'static str) -> Result<u16> {
    let b = slice(buf, off, 2, what)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

/// Reads a big-endian u32 at `off`.
pub(crate) fn u32_at(buf: &[u8], off: usize, what: &'static str) -> Result<u32> {
    let b = slice(buf, off, 4, what)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Fails with `BufferTooSmall` unless `buf` holds at least `needed` bytes.
pub(crate) fn check_out(buf: &[u8], needed: usize) -> Result<()> {
    if buf.len() < needed {
        return Err(Error::BufferTooSmall {
            needed,
            available: buf.len(),
        });
    }
    Ok(())
}

/// Converts a computed length to the u16 of a length field, or `BadLength`.
pub(crate) fn len16(len: usize, what: &'static str) -> Result<u16> {
    u16::try_from(len).map_err(|_| Error::BadLength { what, length: len })
}

/// Converts a count to the u8 of a count field, or `Invalid`.
pub(crate) fn count8(count: usize, what: &'static str) -> Result<u8> {
    u8::try_from(count).map_err(|_| Error::Invalid {
        what,
        detail: "more than 255 entries",
    })
}

/// A cursor writing into a pre-checked output buffer.
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Starts writing at the beginning of `buf`, failing unless it holds `needed` bytes.
    pub(crate) fn new(buf: &'a mut [u8], needed: usize) -> Result<Self> {
        check_out(buf, needed)?;
        Ok(Writer { buf, pos: 0 })
    }

    /// Appends `bytes`.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.pos + bytes.len();
        let available = self.buf.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::BufferTooSmall {
                needed: end,
                available,
            })?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    pub(crate) fn u8(&mut self, v: u8) -> Result<()> {
        self.put(&[v])
    }

    pub(crate) fn u16(&mut self, v: u16) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    pub(crate) fn u32(&mut self, v: u32) -> Result<()> {
        self.put(&v.to_be_bytes())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slice_out_of_range_is_truncated() {
        assert_eq!(
            slice(&[1, 2, 3], 2, 2, "x"),
            Err(Error::Truncated {
                what: "x",
                needed: 4,
                available: 3
            })
        );
        assert_eq!(
            slice(&[1, 2, 3], usize::MAX, 2, "x"),
            Err(Error::BadLength {
                what: "x",
                length: 2
            })
        );
        assert_eq!(u16_at(&[1, 2, 3], 1, "x"), Ok(0x0203));
    }

    #[test]
    fn writer_refuses_overflow() {
        let mut b = [0u8; 3];
        let mut w = Writer::new(&mut b, 3).unwrap();
        w.u16(0x0102).unwrap();
        assert!(w.u16(0x0304).is_err());
        assert!(Writer::new(&mut b, 4).is_err());
    }
}
