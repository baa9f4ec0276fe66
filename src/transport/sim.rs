//! `SimTransport`: an in-memory network for simulations (DESIGN §6.4).
//!
//! A [`SimNetwork`] is a set of UDP endpoints (address, port) with FIFO queues; each
//! [`SimTransport`] owns the 500/4500 endpoints of its addresses. Datagrams cross the
//! network framed exactly as on a wire (non-ESP marker on the NAT-T port, see
//! [`super::framing`]), every frame is logged as a [`WireFrame`], and a filter can drop
//! frames (loss, partitions). Delivery is immediate and ordered; there is no clock here —
//! the simulation driver decides when each side polls. Never touches a real socket.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use super::framing::{self, Rx};
use super::{Datagram, Ports, Transport};

/// A datagram as it crossed the simulated wire (NAT-T framing included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireFrame {
    /// Sender address and port.
    pub src: SocketAddr,
    /// Receiver address and port.
    pub dst: SocketAddr,
    /// UDP payload as sent.
    pub bytes: Vec<u8>,
}

type Filter = Box<dyn FnMut(&WireFrame) -> bool + Send>;

#[derive(Default)]
struct Net {
    queues: HashMap<SocketAddr, VecDeque<WireFrame>>,
    log: Vec<WireFrame>,
    filter: Option<Filter>,
}

/// The shared simulated network; clones refer to the same network.
#[derive(Clone, Default)]
pub struct SimNetwork {
    inner: Arc<Mutex<Net>>,
}

impl fmt::Debug for SimNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.lock();
        f.debug_struct("SimNetwork")
            .field("endpoints", &n.queues.len())
            .field("frames", &n.log.len())
            .finish()
    }
}

impl SimNetwork {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Net> {
        // A panicking test thread must not hide the network from the others.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A transport listening on `ports` of each of `addrs`.
    pub fn transport(&self, addrs: &[IpAddr], ports: Ports) -> SimTransport {
        let mut n = self.lock();
        let mut endpoints = Vec::new();
        for a in addrs {
            for p in [ports.ike, ports.natt] {
                let ep = SocketAddr::new(*a, p);
                n.queues.entry(ep).or_default();
                endpoints.push(ep);
            }
        }
        SimTransport {
            net: self.clone(),
            addrs: addrs.to_vec(),
            endpoints,
            ports,
        }
    }

    /// Puts a frame on the wire as it is (e.g. a keepalive or raw ESP from a test).
    pub fn inject(&self, frame: WireFrame) {
        let mut n = self.lock();
        let keep = match n.filter.as_mut() {
            Some(f) => f(&frame),
            None => true,
        };
        n.log.push(frame.clone());
        if keep {
            // Like UDP: nobody listening means the frame is lost.
            if let Some(q) = n.queues.get_mut(&frame.dst) {
                q.push_back(frame);
            }
        }
    }

    /// Every frame sent so far (dropped ones included), in order.
    pub fn frames(&self) -> Vec<WireFrame> {
        self.lock().log.clone()
    }

    /// Installs a filter: frames for which it returns false are lost.
    pub fn set_filter(&self, f: impl FnMut(&WireFrame) -> bool + Send + 'static) {
        self.lock().filter = Some(Box::new(f));
    }

    /// Removes the filter.
    pub fn clear_filter(&self) {
        self.lock().filter = None;
    }

    fn pop(&self, ep: &SocketAddr) -> Option<WireFrame> {
        self.lock().queues.get_mut(ep).and_then(|q| q.pop_front())
    }
}

/// One node's view of a [`SimNetwork`].
#[derive(Debug, Clone)]
pub struct SimTransport {
    net: SimNetwork,
    addrs: Vec<IpAddr>,
    endpoints: Vec<SocketAddr>,
    ports: Ports,
}

impl SimTransport {
    /// The addresses this node owns.
    pub fn addrs(&self) -> &[IpAddr] {
        &self.addrs
    }
}

impl Transport for SimTransport {
    fn send(&self, local: SocketAddr, remote: SocketAddr, payload: &[u8]) -> io::Result<()> {
        let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
        if local.port() != self.ports.ike && local.port() != self.ports.natt {
            return Err(invalid(format!("no IKE socket on port {}", local.port())));
        }
        let ip = if local.ip().is_unspecified() {
            // The kernel would pick a source; we pick our first address of that family.
            *self
                .addrs
                .iter()
                .find(|a| a.is_ipv6() == remote.is_ipv6())
                .ok_or_else(|| invalid(format!("no local address to reach {remote}")))?
        } else if self.addrs.contains(&local.ip()) && local.is_ipv6() == remote.is_ipv6() {
            local.ip()
        } else {
            return Err(invalid(format!("cannot send from {local} to {remote}")));
        };
        let natt = local.port() == self.ports.natt;
        self.net.inject(WireFrame {
            src: SocketAddr::new(ip, local.port()),
            dst: remote,
            bytes: framing::encode(natt, payload),
        });
        Ok(())
    }

    fn try_recv(&self) -> io::Result<Option<Datagram>> {
        for ep in &self.endpoints {
            while let Some(f) = self.net.pop(ep) {
                match framing::decode(ep.port() == self.ports.natt, &f.bytes) {
                    Rx::Ike(ike) => {
                        return Ok(Some(Datagram {
                            local: f.dst,
                            remote: f.src,
                            payload: ike.to_vec(),
                        }))
                    }
                    Rx::Keepalive | Rx::Esp | Rx::Malformed => {}
                }
            }
        }
        Ok(None)
    }

    fn ports(&self) -> Ports {
        self.ports
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn exchange_with_natt_framing_and_keepalive_drop() {
        let net = SimNetwork::new();
        let a = net.transport(&["192.0.2.1".parse().unwrap()], Ports::default());
        let b = net.transport(&["198.51.100.1".parse().unwrap()], Ports::default());
        a.send(sa("0.0.0.0:500"), sa("198.51.100.1:500"), b"init")
            .unwrap();
        a.send(sa("192.0.2.1:4500"), sa("198.51.100.1:4500"), b"auth")
            .unwrap();
        net.inject(WireFrame {
            src: sa("192.0.2.1:4500"),
            dst: sa("198.51.100.1:4500"),
            bytes: vec![0xFF],
        });
        let f = net.frames();
        assert_eq!(f[0].bytes, b"init");
        assert_eq!(f[1].bytes, b"\0\0\0\0auth");
        let d1 = b.try_recv().unwrap().unwrap();
        assert_eq!(
            (d1.local, d1.remote),
            (sa("198.51.100.1:500"), sa("192.0.2.1:500"))
        );
        assert_eq!(d1.payload, b"init");
        let d2 = b.try_recv().unwrap().unwrap();
        assert_eq!(d2.local, sa("198.51.100.1:4500"));
        assert_eq!(d2.payload, b"auth");
        assert_eq!(b.try_recv().unwrap(), None, "keepalive must be dropped");
        assert_eq!(a.try_recv().unwrap(), None);
    }

    #[test]
    fn filter_drops_and_foreign_source_is_refused() {
        let net = SimNetwork::new();
        let a = net.transport(&["192.0.2.1".parse().unwrap()], Ports::default());
        let b = net.transport(&["198.51.100.1".parse().unwrap()], Ports::default());
        net.set_filter(|f| f.dst.port() != 500);
        a.send(sa("192.0.2.1:500"), sa("198.51.100.1:500"), b"x")
            .unwrap();
        assert_eq!(b.try_recv().unwrap(), None);
        net.clear_filter();
        assert!(a
            .send(sa("192.0.2.9:500"), sa("198.51.100.1:500"), b"x")
            .is_err());
        assert!(a
            .send(sa("192.0.2.1:501"), sa("198.51.100.1:500"), b"x")
            .is_err());
        assert!(a
            .send(sa("[::]:500"), sa("[2001:db8::1]:500"), b"x")
            .is_err());
    }
}
