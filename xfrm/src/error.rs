//! Kernel errors: the operation that failed, the errno, and what the kernel said.
//!
//! `KernelError` is what both backends return, so the daemon handles EEXIST/ENOENT the same
//! on `MemoryKernel` and on netlink. Its text names the operation by ids and addresses only;
//! it never contains key material.

use std::fmt;

/// A Linux errno value (positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// Operation not permitted.
    pub const EPERM: Errno = Errno(1);
    /// No such file or directory (missing policy, route, link).
    pub const ENOENT: Errno = Errno(2);
    /// No such process (XFRM's answer for a missing SA).
    pub const ESRCH: Errno = Errno(3);
    /// Interrupted system call.
    pub const EINTR: Errno = Errno(4);
    /// Try again (e.g. an interrupted netlink dump).
    pub const EAGAIN: Errno = Errno(11);
    /// Out of memory.
    pub const ENOMEM: Errno = Errno(12);
    /// Device or resource busy.
    pub const EBUSY: Errno = Errno(16);
    /// File exists.
    pub const EEXIST: Errno = Errno(17);
    /// No such device.
    pub const ENODEV: Errno = Errno(19);
    /// Invalid argument.
    pub const EINVAL: Errno = Errno(22);
    /// Function not implemented.
    pub const ENOSYS: Errno = Errno(38);
    /// Protocol not supported.
    pub const EPROTONOSUPPORT: Errno = Errno(93);
    /// Operation not supported.
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// Address family not supported.
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// No buffer space available (netlink overrun).
    pub const ENOBUFS: Errno = Errno(105);
    /// I/O error (used for transport failures towards the kernel).
    pub const EIO: Errno = Errno(5);

    /// Symbolic name, e.g. `EEXIST`.
    pub fn name(self) -> &'static str {
        self.entry().0
    }

    /// strerror-like text, e.g. `File exists`.
    pub fn text(self) -> &'static str {
        self.entry().1
    }

    fn entry(self) -> (&'static str, &'static str) {
        match self.0 {
            1 => ("EPERM", "Operation not permitted"),
            2 => ("ENOENT", "No such file or directory"),
            3 => ("ESRCH", "No such process"),
            5 => ("EIO", "Input/output error"),
            11 => ("EAGAIN", "Resource temporarily unavailable"),
            12 => ("ENOMEM", "Cannot allocate memory"),
            16 => ("EBUSY", "Device or resource busy"),
            17 => ("EEXIST", "File exists"),
            19 => ("ENODEV", "No such device"),
            22 => ("EINVAL", "Invalid argument"),
            28 => ("ENOSPC", "No space left on device"),
            38 => ("ENOSYS", "Function not implemented"),
            93 => ("EPROTONOSUPPORT", "Protocol not supported"),
            95 => ("EOPNOTSUPP", "Operation not supported"),
            97 => ("EAFNOSUPPORT", "Address family not supported by protocol"),
            101 => ("ENETUNREACH", "Network is unreachable"),
            105 => ("ENOBUFS", "No buffer space available"),
            _ => ("E?", "Unknown error"),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name() == "E?" {
            write!(f, "errno {}", self.0)
        } else {
            write!(f, "{} ({})", self.text(), self.name())
        }
    }
}

/// A failed kernel operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct KernelError {
    /// What was attempted, e.g. `add SA 192.0.2.1->198.51.100.1 spi 0x00001000 esp`.
    pub op: String,
    /// The errno.
    pub errno: Errno,
    /// The kernel's extended-ack message, or our own detail for non-kernel failures.
    pub message: Option<String>,
}

impl KernelError {
    /// Builds an error without extended-ack text.
    pub fn new(op: impl Into<String>, errno: Errno) -> Self {
        KernelError {
            op: op.into(),
            errno,
            message: None,
        }
    }

    /// Adds the kernel's (or our) explanatory text.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// EEXIST: the object is already there.
    pub fn is_exists(&self) -> bool {
        self.errno == Errno::EEXIST
    }

    /// ENOENT or ESRCH: the object is not there (XFRM says ESRCH for SAs).
    pub fn is_not_found(&self) -> bool {
        self.errno == Errno::ENOENT || self.errno == Errno::ESRCH
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, self.errno)?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// Result alias for kernel operations.
pub type Result<T> = std::result::Result<T, KernelError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_op_errno_and_kernel_text() {
        let e = KernelError::new(
            "add SA 192.0.2.1->198.51.100.1 spi 0x00000100 esp",
            Errno::EEXIST,
        );
        assert_eq!(
            e.to_string(),
            "add SA 192.0.2.1->198.51.100.1 spi 0x00000100 esp: File exists (EEXIST)"
        );
        let e = KernelError::new("add SA x", Errno::EPROTONOSUPPORT)
            .with_message("Requested type not found");
        assert_eq!(
            e.to_string(),
            "add SA x: Protocol not supported (EPROTONOSUPPORT): Requested type not found"
        );
        assert_eq!(Errno(4242).to_string(), "errno 4242");
    }

    #[test]
    fn not_found_covers_esrch_and_enoent() {
        assert!(KernelError::new("x", Errno::ESRCH).is_not_found());
        assert!(KernelError::new("x", Errno::ENOENT).is_not_found());
        assert!(!KernelError::new("x", Errno::EEXIST).is_not_found());
    }
}
