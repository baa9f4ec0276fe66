//! `ControlClient`: the CLI side of the control socket, blocking std I/O (no runtime).
//!
//! One connection per request: write a JSON line, read one JSON line back, with a timeout.
//! Errors say where the daemon was expected and suggest the likely cause; the client never
//! retries and never starts a daemon.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::proto::{to_line, Request, Response, MAX_LINE};

/// Why a request did not get an answer.
#[derive(Debug)]
pub enum ClientError {
    /// Connecting failed (no socket, refused, permission).
    Unreachable {
        /// Socket path tried.
        path: PathBuf,
        /// The system's reason, e.g. "No such file or directory".
        reason: String,
        /// What probably went wrong, e.g. "is the daemon running?".
        hint: &'static str,
    },
    /// The connection broke or timed out.
    Io {
        /// Socket path.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// The daemon answered something that is not a response.
    Protocol(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Unreachable { path, reason, hint } => write!(
                f,
                "cannot reach xfrmd at {}: {reason} ({hint})",
                path.display()
            ),
            ClientError::Io { path, reason } => {
                write!(
                    f,
                    "control connection to {} failed: {reason}",
                    path.display()
                )
            }
            ClientError::Protocol(m) => write!(f, "unexpected answer from xfrmd: {m}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// The system's text for an I/O error without Rust's " (os error N)" suffix.
fn reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_owned(),
        None if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {
            "timed out waiting for the daemon".to_owned()
        }
        None => e.to_string(),
    }
}

/// A client for one control socket.
#[derive(Debug, Clone)]
pub struct ControlClient {
    path: PathBuf,
    timeout: Duration,
}

impl ControlClient {
    /// A client for the socket at `path` with a 10 s answer timeout.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ControlClient {
            path: path.into(),
            timeout: Duration::from_secs(10),
        }
    }

    /// Changes the answer timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends one request and waits for its response.
    pub fn request(&self, req: &Request) -> Result<Response, ClientError> {
        let io_err = |e: io::Error| ClientError::Io {
            path: self.path.clone(),
            reason: reason(&e),
        };
        let mut s = UnixStream::connect(&self.path).map_err(|e| ClientError::Unreachable {
            path: self.path.clone(),
            reason: reason(&e),
            hint: match e.kind() {
                io::ErrorKind::PermissionDenied => "the control socket is root's: run as root",
                _ => "is the daemon running?",
            },
        })?;
        s.set_read_timeout(Some(self.timeout)).map_err(io_err)?;
        s.set_write_timeout(Some(self.timeout)).map_err(io_err)?;
        let line = to_line(req).map_err(|e| ClientError::Protocol(e.to_string()))?;
        s.write_all(&line).map_err(io_err)?;
        let mut buf = Vec::new();
        BufReader::new(s)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(io_err)?;
        if buf.is_empty() {
            return Err(ClientError::Protocol(
                "connection closed without an answer".into(),
            ));
        }
        serde_json::from_slice(&buf).map_err(|e| ClientError::Protocol(e.to_string()))
    }
}
