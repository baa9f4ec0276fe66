//! `UdpTransport`: the real IKE sockets, UDP 500 and 4500 over IPv4 and IPv6, on tokio.
//!
//! One socket per (family, port), bound to a configurable address (default: the wildcard).
//! Local addresses are learnt per datagram with `IP_PKTINFO` / `IPV6_RECVPKTINFO` and the
//! same ancillary data picks the source address on send, so one wildcard socket serves
//! every address the router has or gains later, and replies leave from the address the
//! request came to (RFC 7296 2.11: responses go back from where the request arrived). The
//! NAT-T socket gets `UDP_ENCAP_ESPINUDP`; every socket gets IPsec bypass policies for both
//! directions (see `sockopt`). This module never parses IKE and never retries sends.

use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use nix::sys::socket::{
    recvmsg, sendmsg, setsockopt, sockopt, ControlMessage, ControlMessageOwned, MsgFlags,
    SockaddrStorage,
};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::Interest;

use super::framing::{self, Rx};
use super::sockopt::{self as raw, BypassDir};
use super::{Datagram, Ports, Transport};

/// Largest UDP payload we accept (IPv4/IPv6 without jumbograms).
const MAX_DATAGRAM: usize = 65_535;

/// Where and how to open the IKE sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpConfig {
    /// IPv4 bind address (`0.0.0.0` = every address); `None` = no IPv4 sockets.
    pub bind_v4: Option<Ipv4Addr>,
    /// IPv6 bind address (`::` = every address; the socket is IPv6-only); `None` = no IPv6.
    pub bind_v6: Option<Ipv6Addr>,
    /// Ports (500/4500 in production; tests use others).
    pub ports: Ports,
    /// Install per-socket IPsec bypass policies (needs CAP_NET_ADMIN).
    pub bypass_policy: bool,
    /// Set `UDP_ENCAP_ESPINUDP` on the NAT-T sockets.
    pub udp_encap: bool,
}

impl Default for UdpConfig {
    fn default() -> Self {
        UdpConfig {
            bind_v4: Some(Ipv4Addr::UNSPECIFIED),
            bind_v6: Some(Ipv6Addr::UNSPECIFIED),
            ports: Ports::default(),
            bypass_policy: true,
            udp_encap: true,
        }
    }
}

/// What one opened socket is, for status output and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketInfo {
    /// Bound address and port.
    pub local: SocketAddr,
    /// NAT-T socket (marker framing).
    pub natt: bool,
    /// `UDP_ENCAP` as the kernel reports it (2 = ESP-in-UDP).
    pub udp_encap: i32,
}

#[derive(Debug)]
struct Sock {
    io: tokio::net::UdpSocket,
    local: SocketAddr,
    natt: bool,
}

/// The IKE sockets. Create inside a tokio runtime; the daemon core uses it through
/// [`Transport`], the async shell waits with [`UdpTransport::recv`].
#[derive(Debug)]
pub struct UdpTransport {
    socks: Vec<Sock>,
    ports: Ports,
    /// Socket `try_recv` starts with, rotated so a flood on one cannot starve the others.
    next: AtomicUsize,
}

fn ctx(e: io::Error, what: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn open(local: SocketAddr, natt: bool, cfg: &UdpConfig) -> io::Result<Sock> {
    let v6 = local.is_ipv6();
    let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| ctx(e, &format!("UDP socket for {local}")))?;
    if v6 {
        // So that the IPv4 socket can bind the same port.
        s.set_only_v6(true)
            .map_err(|e| ctx(e, &format!("IPV6_V6ONLY on {local}")))?;
        setsockopt(&s, sockopt::Ipv6RecvPacketInfo, &true)
            .map_err(|e| ctx(e.into(), &format!("IPV6_RECVPKTINFO on {local}")))?;
    } else {
        setsockopt(&s, sockopt::Ipv4PacketInfo, &true)
            .map_err(|e| ctx(e.into(), &format!("IP_PKTINFO on {local}")))?;
    }
    if cfg.bypass_policy {
        for (dir, name) in [(BypassDir::In, "in"), (BypassDir::Out, "out")] {
            let opt = if v6 {
                "IPV6_XFRM_POLICY"
            } else {
                "IP_XFRM_POLICY"
            };
            raw::set_ipsec_bypass(s.as_fd(), v6, dir)
                .map_err(|e| ctx(e, &format!("{opt} (IPsec bypass, dir {name}) on {local}")))?;
        }
    }
    if natt && cfg.udp_encap {
        raw::set_udp_encap_espinudp(s.as_fd())
            .map_err(|e| ctx(e, &format!("UDP_ENCAP ESPINUDP on {local}")))?;
    }
    s.set_nonblocking(true)
        .map_err(|e| ctx(e, &format!("O_NONBLOCK on {local}")))?;
    s.bind(&local.into())
        .map_err(|e| ctx(e, &format!("bind UDP {local}")))?;
    let io = tokio::net::UdpSocket::from_std(s.into())?;
    Ok(Sock { io, local, natt })
}

impl UdpTransport {
    /// Opens the sockets `cfg` asks for. Must run inside a tokio runtime. Errors name the
    /// socket and the option, with what the kernel said.
    pub fn bind(cfg: &UdpConfig) -> io::Result<Self> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(io::Error::other("UdpTransport::bind needs a tokio runtime"));
        }
        let p = cfg.ports;
        if p.ike == 0 || p.natt == 0 || p.ike == p.natt {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "IKE and NAT-T ports must be distinct and non-zero, got {} and {}",
                    p.ike, p.natt
                ),
            ));
        }
        let mut addrs: Vec<IpAddr> = Vec::new();
        addrs.extend(cfg.bind_v4.map(IpAddr::V4));
        addrs.extend(cfg.bind_v6.map(IpAddr::V6));
        let mut socks = Vec::new();
        for ip in addrs {
            socks.push(open(SocketAddr::new(ip, p.ike), false, cfg)?);
            socks.push(open(SocketAddr::new(ip, p.natt), true, cfg)?);
        }
        Ok(UdpTransport {
            socks,
            ports: p,
            next: AtomicUsize::new(0),
        })
    }

    /// The opened sockets.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        self.socks
            .iter()
            .map(|s| SocketInfo {
                local: s.local,
                natt: s.natt,
                udp_encap: raw::udp_encap(s.io.as_fd()).unwrap_or(-1),
            })
            .collect()
    }

    /// Waits for the next IKE message on any socket (keepalives and stray ESP are dropped).
    /// Cancel-safe: a datagram is only taken off a socket when it is returned, so the future
    /// can sit in a `tokio::select!` with timers and control requests.
    pub async fn recv(&self) -> io::Result<Datagram> {
        loop {
            if let Some(d) = self.try_recv()? {
                return Ok(d);
            }
            poll_fn(|cx| {
                for s in &self.socks {
                    if let Poll::Ready(r) = s.io.poll_recv_ready(cx) {
                        return Poll::Ready(r);
                    }
                }
                Poll::Pending
            })
            .await?;
        }
    }
}

/// One `recvmsg` on a socket: (local, remote, wire bytes), `None` if truncated.
fn recv_raw(s: &Sock) -> io::Result<Option<(SocketAddr, SocketAddr, Vec<u8>)>> {
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    let mut cmsg = nix::cmsg_space!(libc::in6_pktinfo);
    let (n, remote, local) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = recvmsg::<SockaddrStorage>(
            s.io.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::empty(),
        )?;
        if msg.flags.contains(MsgFlags::MSG_TRUNC) {
            return Ok(None);
        }
        let remote = msg.address.as_ref().and_then(|a| {
            if let Some(a4) = a.as_sockaddr_in() {
                Some(SocketAddr::V4(SocketAddrV4::from(*a4)))
            } else {
                a.as_sockaddr_in6()
                    .map(|a6| SocketAddr::V6(SocketAddrV6::from(*a6)))
            }
        });
        let mut local = s.local;
        for c in msg.cmsgs()? {
            match c {
                ControlMessageOwned::Ipv4PacketInfo(i) => {
                    // ipi_addr: the header destination address.
                    let ip = Ipv4Addr::from(u32::from_be(i.ipi_addr.s_addr));
                    local = SocketAddr::new(IpAddr::V4(ip), s.local.port());
                }
                ControlMessageOwned::Ipv6PacketInfo(i) => {
                    let ip = Ipv6Addr::from(i.ipi6_addr.s6_addr);
                    let scope = if ip.is_unicast_link_local() {
                        i.ipi6_ifindex
                    } else {
                        0
                    };
                    local = SocketAddr::V6(SocketAddrV6::new(ip, s.local.port(), 0, scope));
                }
                _ => {}
            }
        }
        (msg.bytes, remote, local)
    };
    let Some(remote) = remote else {
        return Ok(None);
    };
    buf.truncate(n);
    Ok(Some((local, remote, buf)))
}

impl Transport for UdpTransport {
    fn send(&self, local: SocketAddr, remote: SocketAddr, payload: &[u8]) -> io::Result<()> {
        let s = self
            .socks
            .iter()
            .find(|s| s.local.is_ipv6() == remote.is_ipv6() && s.local.port() == local.port())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("no IKE socket for {local} -> {remote}"),
                )
            })?;
        let bound = s.local.ip();
        if local.is_ipv6() != remote.is_ipv6()
            || (!bound.is_unspecified() && !local.ip().is_unspecified() && bound != local.ip())
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot send from {local} on the socket bound to {}",
                    s.local
                ),
            ));
        }
        let wire = framing::encode(s.natt, payload);
        let iov = [IoSlice::new(&wire)];
        let dst = SockaddrStorage::from(remote);
        let v4info;
        let v6info;
        let mut cmsgs = Vec::new();
        // The source address: only needed when the socket is bound to the wildcard.
        if bound.is_unspecified() {
            match local {
                SocketAddr::V4(l) if !l.ip().is_unspecified() => {
                    v4info = libc::in_pktinfo {
                        ipi_ifindex: 0,
                        ipi_spec_dst: libc::in_addr {
                            s_addr: u32::from(*l.ip()).to_be(),
                        },
                        ipi_addr: libc::in_addr { s_addr: 0 },
                    };
                    cmsgs.push(ControlMessage::Ipv4PacketInfo(&v4info));
                }
                SocketAddr::V6(l) if !l.ip().is_unspecified() => {
                    v6info = libc::in6_pktinfo {
                        ipi6_addr: libc::in6_addr {
                            s6_addr: l.ip().octets(),
                        },
                        ipi6_ifindex: l.scope_id(),
                    };
                    cmsgs.push(ControlMessage::Ipv6PacketInfo(&v6info));
                }
                _ => {}
            }
        }
        // The socket is non-blocking: a full buffer is WouldBlock, which IKE retransmission
        // covers (no readiness wait in the synchronous core).
        sendmsg(
            s.io.as_raw_fd(),
            &iov,
            &cmsgs,
            MsgFlags::empty(),
            Some(&dst),
        )?;
        Ok(())
    }

    fn try_recv(&self) -> io::Result<Option<Datagram>> {
        let n = self.socks.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let Some(s) = self.socks.get(start.wrapping_add(i) % n) else {
                continue;
            };
            loop {
                let got = match s.io.try_io(Interest::READABLE, || recv_raw(s)) {
                    Ok(g) => g,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                };
                let Some((local, remote, wire)) = got else {
                    continue;
                };
                match framing::decode(s.natt, &wire) {
                    Rx::Ike(ike) => {
                        return Ok(Some(Datagram {
                            local,
                            remote,
                            payload: ike.to_vec(),
                        }))
                    }
                    Rx::Keepalive | Rx::Esp | Rx::Malformed => continue,
                }
            }
        }
        Ok(None)
    }

    fn ports(&self) -> Ports {
        self.ports
    }
}
