//! Bounds-checked byte reader and writer used by every IKEv1 codec file.
//!
//! `Reader` turns every out-of-range read into [`Error::Truncated`] and `Writer` turns every
//! out-of-range write into [`Error::BufferTooSmall`]; neither ever indexes without a check,
//! panics or allocates.

use crate::wire::{Error, Result};

/// Sequential reader over a byte slice; every read is checked against the remaining length.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, what }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(Error::Truncated {
                what: self.what,
                needed: n,
                available: self.buf.len(),
            });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        let b = self.take(1)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        let mut a = [0u8; 2];
        a.copy_from_slice(b);
        Ok(u16::from_be_bytes(a))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_be_bytes(a))
    }

    /// Everything not read yet; the reader is left empty.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let r = self.buf;
        self.buf = &[];
        r
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }
}

/// Sequential writer into a caller-provided buffer; every write is checked.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let available = self.buf.len();
        let end = self
            .pos
            .checked_add(bytes.len())
            .ok_or(Error::BufferTooSmall {
                needed: usize::MAX,
                available,
            })?;
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

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
}

/// Converts a computed length to the 16-bit length field of a payload or attribute.
pub(crate) fn len_u16(len: usize, what: &'static str) -> Result<u16> {
    u16::try_from(len).map_err(|_| Error::BadLength { what, length: len })
}

/// Converts a computed length to an 8-bit size field (SPI size).
pub(crate) fn len_u8(len: usize, what: &'static str) -> Result<u8> {
    u8::try_from(len).map_err(|_| Error::BadLength { what, length: len })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_truncation() {
        let mut r = Reader::new(&[1, 2, 3], "t");
        assert_eq!(r.u16().unwrap(), 0x0102);
        assert_eq!(
            r.u16(),
            Err(Error::Truncated {
                what: "t",
                needed: 2,
                available: 1
            })
        );
        assert_eq!(r.u8().unwrap(), 3);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn writer_reports_small_buffer() {
        let mut buf = [0u8; 3];
        let mut w = Writer::new(&mut buf);
        w.u16(0xabcd).unwrap();
        assert_eq!(
            w.u16(1),
            Err(Error::BufferTooSmall {
                needed: 4,
                available: 3
            })
        );
        assert_eq!(w.pos(), 2);
        assert_eq!(buf, [0xab, 0xcd, 0]);
    }

    #[test]
    fn length_conversions_reject_overflow() {
        assert_eq!(len_u16(65535, "x").unwrap(), 65535);
        assert!(len_u16(65536, "x").is_err());
        assert!(len_u8(256, "x").is_err());
    }
}
