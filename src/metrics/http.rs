//! A tiny HTTP/1.1 responder for `GET /metrics` (RFC 9112 message syntax, the subset a
//! Prometheus scraper or `curl` uses): reads one request head (at most 8 KiB, 5 s), answers
//! once with `Content-Length` and `Connection: close`, and closes. Other paths get 404,
//! other methods 405 (with `Allow: GET`), malformed requests 400. Each scrape asks the
//! daemon core for a fresh status report over the control channel, as `xfrmd status` does.
//!
//! It never reads a request body, never keeps a connection open, never serves files and
//! never blocks the core: the core answers a status request between two events.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::{render, EventCounts, CONTENT_TYPE};
use crate::control::{ControlRequest, Request, Response};

/// Longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request, and the core to answer.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Scrapes served at the same time; more wait for a slot.
const MAX_CONNECTIONS: usize = 16;

/// The listening metrics endpoint.
#[derive(Debug)]
pub struct MetricsServer {
    listener: TcpListener,
}

impl MetricsServer {
    /// Binds `addr`. Must run inside a tokio runtime.
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(MetricsServer { listener })
    }

    /// The bound address (port 0 resolved).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves scrapes forever: each asks `core` for a status report and renders it with
    /// `counts`.
    pub async fn serve(
        self,
        core: mpsc::Sender<ControlRequest>,
        counts: Arc<Mutex<EventCounts>>,
    ) -> std::io::Result<()> {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        loop {
            let (stream, _) = match self.listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::debug!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                return Ok(());
            };
            let core = core.clone();
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let _ = connection(stream, core, counts).await;
                drop(permit);
            });
        }
    }
}

/// What the request head asks for.
#[derive(Debug, PartialEq, Eq)]
enum Ask {
    Metrics,
    NotFound,
    BadMethod,
    Bad,
}

/// Classifies a request head (bytes up to and including the blank line).
fn classify(head: &[u8]) -> Ask {
    let Ok(text) = std::str::from_utf8(head) else {
        return Ask::Bad;
    };
    let Some(first) = text.split("\r\n").next() else {
        return Ask::Bad;
    };
    let mut parts = first.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ask::Bad;
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Ask::Bad;
    }
    if method != "GET" {
        return Ask::BadMethod;
    }
    let path = target.split('?').next().unwrap_or(target);
    if path == "/metrics" {
        Ask::Metrics
    } else {
        Ask::NotFound
    }
}

/// Reads until the blank line ending the head; `None` when too long, closed or malformed.
async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n)?);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(end.saturating_add(4));
            return Some(buf);
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
}

async fn status(core: &mpsc::Sender<ControlRequest>) -> Option<crate::control::StatusReport> {
    let (reply, rx) = oneshot::channel();
    core.send(ControlRequest {
        request: Request::Status,
        reply,
    })
    .await
    .ok()?;
    match tokio::time::timeout(TIMEOUT, rx).await {
        Ok(Ok(Response::Status(r))) => Some(r),
        _ => None,
    }
}

async fn connection(
    mut stream: TcpStream,
    core: mpsc::Sender<ControlRequest>,
    counts: Arc<Mutex<EventCounts>>,
) -> std::io::Result<()> {
    let ask = match tokio::time::timeout(TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => classify(&head),
        _ => Ask::Bad,
    };
    let (code, extra, ctype, body) = match ask {
        Ask::Metrics => match status(&core).await {
            Some(report) => {
                let snapshot = counts.lock().map(|c| c.clone()).unwrap_or_default();
                ("200 OK", "", CONTENT_TYPE, render(&report, &snapshot))
            }
            None => (
                "503 Service Unavailable",
                "",
                "text/plain; charset=utf-8",
                "the daemon did not answer\n".to_owned(),
            ),
        },
        Ask::NotFound => (
            "404 Not Found",
            "",
            "text/plain; charset=utf-8",
            "only /metrics is served\n".to_owned(),
        ),
        Ask::BadMethod => (
            "405 Method Not Allowed",
            "Allow: GET\r\n",
            "text/plain; charset=utf-8",
            "only GET is allowed\n".to_owned(),
        ),
        Ask::Bad => (
            "400 Bad Request",
            "",
            "text/plain; charset=utf-8",
            "bad request\n".to_owned(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {code}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_heads_are_classified() {
        let c = |s: &str| classify(s.as_bytes());
        assert_eq!(c("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), Ask::Metrics);
        assert_eq!(c("GET /metrics?x=1 HTTP/1.0\r\n\r\n"), Ask::Metrics);
        assert_eq!(c("GET / HTTP/1.1\r\n\r\n"), Ask::NotFound);
        assert_eq!(c("GET /metricsx HTTP/1.1\r\n\r\n"), Ask::NotFound);
        assert_eq!(c("POST /metrics HTTP/1.1\r\n\r\n"), Ask::BadMethod);
        assert_eq!(c("GET /metrics\r\n\r\n"), Ask::Bad);
        assert_eq!(c("GET /metrics HTTP/2\r\n\r\n"), Ask::Bad);
        assert_eq!(c("GET metrics HTTP/1.1\r\n\r\n"), Ask::Bad);
        assert_eq!(c("GET  /metrics HTTP/1.1\r\n\r\n"), Ask::Bad);
        assert_eq!(classify(&[0xff, 0xfe, b'\r', b'\n']), Ask::Bad);
    }
}
