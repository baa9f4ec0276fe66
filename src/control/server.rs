//! `ControlServer`: the daemon side of the control socket, a tokio task per connection.
//!
//! Message flow: a connection task reads one JSON line, parses it into a [`Request`], sends
//! a [`ControlRequest`] (the request plus a oneshot reply sender) to the daemon core over an
//! mpsc channel, awaits the core's [`Response`] and writes it back as one line; a
//! connection may carry any number of requests in sequence. The core is synchronous: the
//! runtime's main loop does `while let Some(m) = rx.recv().await { let r =
//! core.handle_control(m.request); let _ = m.reply.send(r); }`. The socket is created mode
//! 0600 in a 0700 directory and only root or the daemon's own user may talk to it
//! (SO_PEERCRED). This module never interprets requests beyond parsing them.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use super::proto::{to_line, Request, Response, MAX_LINE};

/// One request for the daemon core; answer it by sending on `reply` (dropping `reply`
/// makes the client see "the daemon dropped the request").
#[derive(Debug)]
pub struct ControlRequest {
    /// What the client asked.
    pub request: Request,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Response>,
}

/// The listening control socket. Dropping it removes the socket file.
#[derive(Debug)]
pub struct ControlServer {
    listener: UnixListener,
    path: PathBuf,
}

fn ctx(e: io::Error, what: String) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

impl ControlServer {
    /// Creates the socket at `path` (and its directory, mode 0700, if missing). A stale
    /// socket left by a dead daemon is replaced; a live one, or any other file, is an
    /// error. Must run inside a tokio runtime.
    pub fn bind(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| ctx(e, format!("create {}", dir.display())))?;
            }
        }
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_socket() => {
                if std::os::unix::net::UnixStream::connect(path).is_ok() {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        format!("another xfrmd is already listening on {}", path.display()),
                    ));
                }
                fs::remove_file(path)
                    .map_err(|e| ctx(e, format!("remove stale socket {}", path.display())))?;
            }
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a socket", path.display()),
                ))
            }
            Err(_) => {}
        }
        let listener =
            UnixListener::bind(path).map_err(|e| ctx(e, format!("bind {}", path.display())))?;
        let server = ControlServer {
            listener,
            path: path.to_owned(),
        };
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| ctx(e, format!("chmod 0600 {}", path.display())))?;
        Ok(server)
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Accepts connections forever, each served by its own task that forwards requests to
    /// `core`. Transient accept failures (aborted connection, out of descriptors) pause
    /// briefly and go on; any other accept error is returned.
    pub async fn serve(self, core: mpsc::Sender<ControlRequest>) -> io::Result<()> {
        loop {
            let stream = match self.listener.accept().await {
                Ok((s, _)) => s,
                Err(e) if transient(&e) => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let core = core.clone();
            tokio::spawn(async move {
                // A client that goes away mid-request is not the daemon's problem.
                let _ = connection(stream, core).await;
            });
        }
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted
    ) || matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

fn allowed(stream: &UnixStream) -> bool {
    let me = nix::unistd::geteuid().as_raw();
    match stream.peer_cred() {
        Ok(c) => c.uid() == 0 || c.uid() == me,
        Err(_) => false,
    }
}

async fn connection(stream: UnixStream, core: mpsc::Sender<ControlRequest>) -> io::Result<()> {
    let ok = allowed(&stream);
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut rd)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(());
        }
        if line.last() != Some(&b'\n') {
            // Over-long line or EOF mid-line: answer once, then close.
            let message = if line.len() > MAX_LINE {
                format!("request longer than {MAX_LINE} bytes")
            } else {
                "incomplete request (no newline)".to_owned()
            };
            write(&mut wr, &Response::Error { message }).await?;
            return Ok(());
        }
        let resp = if !ok {
            Response::Error {
                message: "permission denied: only root or the daemon's user may use xfrmd's control socket".into(),
            }
        } else {
            match serde_json::from_slice::<Request>(&line) {
                Ok(request) => ask(&core, request).await,
                Err(e) => Response::Error {
                    message: format!("invalid request: {e}"),
                },
            }
        };
        write(&mut wr, &resp).await?;
    }
}

async fn ask(core: &mpsc::Sender<ControlRequest>, request: Request) -> Response {
    let (reply, rx) = oneshot::channel();
    if core.send(ControlRequest { request, reply }).await.is_err() {
        return Response::Error {
            message: "the daemon is shutting down".into(),
        };
    }
    rx.await.unwrap_or_else(|_| Response::Error {
        message: "the daemon dropped the request".into(),
    })
}

async fn write(wr: &mut tokio::net::unix::OwnedWriteHalf, r: &Response) -> io::Result<()> {
    let bytes = to_line(r).map_err(io::Error::other)?;
    wr.write_all(&bytes).await?;
    wr.flush().await
}
