//! ICMP echo sockets for the liveness probes (issue 7): the I/O half of
//! `daemon::probe`. One socket per tunnel, bound to our inside address and connected to the
//! peer's, so the kernel routes the echo over the tunnel's connected inside subnet and hands
//! us only that peer's answers.
//!
//! An unprivileged ICMP datagram ("ping") socket is tried first (the kernel fills in the
//! identifier and checksum and matches replies to the socket); where
//! `net.ipv4.ping_group_range` forbids it, a raw socket (CAP_NET_RAW) with our own identifier.
//! Replies come back through a channel as [`EchoReply`]. This module decides nothing: a lost
//! or unsendable probe is simply never answered, and `daemon::probe` counts it.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::daemon::ProbeRequest;

/// ICMP echo request / reply types (RFC 792, RFC 4443 4.1-4.2).
const ECHO_REQUEST_V4: u8 = 8;
const ECHO_REPLY_V4: u8 = 0;
const ECHO_REQUEST_V6: u8 = 128;
const ECHO_REPLY_V6: u8 = 129;

/// An echo reply for a tunnel's probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EchoReply {
    /// Tunnel index.
    pub tunnel: usize,
    /// Echo sequence number.
    pub seq: u16,
}

struct EchoSocket {
    /// The ICMP socket behind tokio's datagram wrapper: `send`/`recv` on a connected
    /// datagram or raw socket are the same system calls for any protocol, and this keeps the
    /// registration with the reactor safe (no `AsyncFd::register`).
    fd: UdpSocket,
    raw: bool,
    v6: bool,
    ident: u16,
    src: IpAddr,
    dst: IpAddr,
}

/// A tunnel's socket and the task reading its replies; dropping it stops the task.
struct Probe {
    sock: Arc<EchoSocket>,
    reader: tokio::task::AbortHandle,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// The probe sockets of every tunnel.
pub struct IcmpProbes {
    socks: HashMap<usize, Probe>,
    replies: mpsc::Sender<EchoReply>,
    warned: bool,
}

impl std::fmt::Debug for IcmpProbes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IcmpProbes")
            .field("sockets", &self.socks.len())
            .finish()
    }
}

impl IcmpProbes {
    /// No sockets yet; replies arrive on the returned receiver.
    pub fn new() -> (Self, mpsc::Receiver<EchoReply>) {
        let (tx, rx) = mpsc::channel(256);
        (
            IcmpProbes {
                socks: HashMap::new(),
                replies: tx,
                warned: false,
            },
            rx,
        )
    }

    /// Sends one probe, opening the tunnel's socket on first use. Failures are logged once
    /// at debug level per cause and otherwise ignored (the probe counts as lost).
    pub fn send(&mut self, req: &ProbeRequest) {
        let stale = self
            .socks
            .get(&req.tunnel)
            .is_some_and(|p| p.sock.src != req.src || p.sock.dst != req.dst);
        if stale {
            self.socks.remove(&req.tunnel);
        }
        if !self.socks.contains_key(&req.tunnel) {
            match open(req) {
                Ok(s) => {
                    let sock = Arc::new(s);
                    let reader = tokio::spawn(read_replies(
                        Arc::clone(&sock),
                        req.tunnel,
                        self.replies.clone(),
                    ))
                    .abort_handle();
                    self.socks.insert(req.tunnel, Probe { sock, reader });
                }
                Err(e) => {
                    if !self.warned {
                        tracing::warn!(src = %req.src, dst = %req.dst, error = %e, "cannot open the probe socket; probes count as lost");
                        self.warned = true;
                    }
                    return;
                }
            }
        }
        let Some(s) = self.socks.get(&req.tunnel).map(|p| &p.sock) else {
            return;
        };
        let pkt = echo_request(s.v6, s.ident, req.seq);
        if let Err(e) = s.fd.try_send(&pkt) {
            tracing::debug!(dst = %req.dst, error = %e, "probe not sent");
            if e.kind() != io::ErrorKind::WouldBlock {
                // The address may have gone (link re-created): reopen next time.
                self.socks.remove(&req.tunnel);
            }
        }
    }
}

fn open(req: &ProbeRequest) -> io::Result<EchoSocket> {
    let v6 = req.dst.is_ipv6();
    let (domain, proto) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    let (sock, raw) = match Socket::new(domain, Type::DGRAM, Some(proto)) {
        Ok(s) => (s, false),
        Err(_) => (Socket::new(domain, Type::RAW, Some(proto))?, true),
    };
    sock.set_nonblocking(true)?;
    sock.bind(&SocketAddr::new(req.src, 0).into())?;
    sock.connect(&SocketAddr::new(req.dst, 0).into())?;
    // Raw sockets carry our own identifier; ping sockets get the kernel's (their "port").
    let ident = (std::process::id() as u16) ^ (req.tunnel as u16).rotate_left(8);
    Ok(EchoSocket {
        fd: UdpSocket::from_std(std::net::UdpSocket::from(sock))?,
        raw,
        v6,
        ident,
        src: req.src,
        dst: req.dst,
    })
}

async fn read_replies(s: Arc<EchoSocket>, tunnel: usize, tx: mpsc::Sender<EchoReply>) {
    let mut buf = [0u8; 1500];
    loop {
        match s.fd.recv(&mut buf).await {
            Ok(n) => {
                let Some(pkt) = buf.get(..n) else { continue };
                if let Some(seq) = parse_reply(pkt, s.raw, s.v6, s.ident) {
                    if tx.send(EchoReply { tunnel, seq }).await.is_err() {
                        return;
                    }
                }
            }
            // ICMP errors (unreachable, ...) surface as socket errors: not a reply.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

/// An echo request: type, code 0, checksum, identifier, sequence, 16 bytes of payload.
fn echo_request(v6: bool, ident: u16, seq: u16) -> Vec<u8> {
    let ty = if v6 { ECHO_REQUEST_V6 } else { ECHO_REQUEST_V4 };
    let mut p = vec![ty, 0, 0, 0];
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"xfrmd-probe\0\0\0\0\0");
    if !v6 {
        // RFC 792: ones' complement of the ones' complement sum; ICMPv6 checksums (which
        // cover a pseudo-header) are filled in by the kernel.
        let c = checksum(&p).to_be_bytes();
        if let Some(slot) = p.get_mut(2..4) {
            slot.copy_from_slice(&c);
        }
    }
    p
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for ch in data.chunks(2) {
        let w = match ch {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        sum = sum.wrapping_add(u32::from(w));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The sequence number of an echo reply for us, if `pkt` is one. Raw IPv4 sockets see the
/// IP header first; ping sockets and ICMPv6 sockets see the ICMP message only.
fn parse_reply(pkt: &[u8], raw: bool, v6: bool, ident: u16) -> Option<u16> {
    let icmp = if raw && !v6 {
        let b0 = *pkt.first()?;
        let ihl = usize::from(b0 & 0x0f) * 4;
        if b0 >> 4 != 4 || ihl < 20 {
            return None;
        }
        pkt.get(ihl..)?
    } else {
        pkt
    };
    let want = if v6 { ECHO_REPLY_V6 } else { ECHO_REPLY_V4 };
    if *icmp.first()? != want {
        return None;
    }
    let id = u16::from_be_bytes([*icmp.get(4)?, *icmp.get(5)?]);
    // Ping sockets rewrite the identifier; the kernel has matched the reply already.
    if raw && id != ident {
        return None;
    }
    Some(u16::from_be_bytes([*icmp.get(6)?, *icmp.get(7)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_checksum_verifies() {
        let p = echo_request(false, 0x1234, 7);
        // RFC 1071: summing a message including its checksum gives all ones.
        assert_eq!(checksum(&p), 0);
        assert_eq!(&p[4..8], &[0x12, 0x34, 0, 7]);
    }

    #[test]
    fn replies_are_matched_by_type_and_identifier() {
        let mut reply = echo_request(false, 0x1234, 9);
        reply[0] = ECHO_REPLY_V4;
        assert_eq!(parse_reply(&reply, false, false, 0), Some(9));
        assert_eq!(
            parse_reply(&reply, true, false, 0x1234),
            None,
            "raw v4 has an IP header"
        );
        let mut ip = vec![0x45u8];
        ip.extend_from_slice(&[0; 19]);
        ip.extend_from_slice(&reply);
        assert_eq!(parse_reply(&ip, true, false, 0x1234), Some(9));
        assert_eq!(parse_reply(&ip, true, false, 0x9999), None);
        // A request (our own, looped) is not a reply.
        let req = echo_request(false, 0x1234, 9);
        assert_eq!(parse_reply(&req, false, false, 0x1234), None);
        assert_eq!(parse_reply(&[], true, false, 0), None);
        assert_eq!(parse_reply(&[0x4f], true, false, 0), None);
    }

    #[test]
    fn icmpv6_reply() {
        let mut reply = echo_request(true, 1, 3);
        reply[0] = ECHO_REPLY_V6;
        assert_eq!(parse_reply(&reply, true, true, 1), Some(3));
    }
}
