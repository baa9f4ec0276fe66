//! Message dispatch for the [`Endpoint`]: a datagram that belongs to a known IKE SA is checked
//! against the Message ID window (retransmitted requests get the cached response), decrypted
//! and integrity-checked, checked against the payload table, and handed to the task owning
//! the exchange or the outstanding request.
//!
//! Unauthenticated junk is dropped silently; authenticated but malformed requests get
//! INVALID_SYNTAX. Never creates SAs (IKE_SA_INIT requests are handled by the endpoint).

use super::child_sa;
use super::endpoint::Endpoint;
use super::ike_sa::{Ctx, IkeSa};
use super::retransmit::RequestCheck;
use super::rules::{self, Kind};
use super::tasks::{child_rekey, delete, ike_auth, ike_init, ike_rekey, Outcome, Pending};
use super::types::{CloseReason, Instant, Transmit};
use crate::wire::v2::{ExchangeType, Message, NotifyPayload, NotifyType, Payload};
use std::net::SocketAddr;

impl Endpoint {
    /// Decrypts a protected message; `None` = drop silently, `Some(Err)` = authenticated but
    /// malformed.
    pub(super) fn open(
        sa: &mut IkeSa,
        msg: &Message,
        bytes: &[u8],
    ) -> Option<Result<Vec<Payload>, ()>> {
        if msg.header.exchange_type == ExchangeType::IKE_SA_INIT {
            return Some(Ok(msg.payloads.clone()));
        }
        if let Some(Payload::Skf(_)) = msg.payloads.last() {
            // RFC 7383 2.6: fragments are verified one by one, then reassembled.
            let (n, t, first, plain) = sa.keys.as_ref()?.open_fragment(bytes, msg)?;
            let h = &msg.header;
            let (first, joined) =
                sa.reassembly
                    .add(h.message_id, h.flags.response(), (n, t), first, plain)?;
            return Some(crate::wire::v2::parse_payload_chain(first, &joined).map_err(|_| ()));
        }
        sa.keys.as_ref()?.open(bytes, msg)
    }

    pub(super) fn response(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        msg: &Message,
        bytes: &[u8],
        path: (SocketAddr, SocketAddr),
    ) -> Outcome {
        let id = msg.header.message_id;
        if sa.outstanding.as_ref().is_none_or(|(o, _)| o.msg_id != id) {
            return Outcome::Keep;
        }
        let Some(Ok(payloads)) = Self::open(sa, msg, bytes) else {
            return Outcome::Keep;
        };
        follow(sa, msg, path);
        let kind = match msg.header.exchange_type {
            ExchangeType::IKE_SA_INIT => Kind::InitResp,
            ExchangeType::IKE_AUTH => Kind::AuthResp,
            ExchangeType::CREATE_CHILD_SA => Kind::ChildResp,
            ExchangeType::INFORMATIONAL => Kind::InfoResp,
            _ => return Outcome::Keep,
        };
        if rules::check(kind, &payloads).is_err() {
            return Outcome::Keep;
        }
        let Some((_, pending)) = sa.outstanding.take() else {
            return Outcome::Keep;
        };
        sa.last_inbound = now;
        sa.dpd_reported = false;
        let Some(cfg) = self.conns.get(sa.conn) else {
            return Outcome::Close(CloseReason::Failed);
        };
        let mut ctx = Ctx {
            now,
            provider: &self.provider,
            cfg,
            spis: self.spis.as_mut(),
            out: &mut self.out,
        };
        match pending {
            Pending::Init { ke } => ike_init::handle_response(&mut ctx, sa, msg, bytes, ke),
            Pending::Auth { child_spi } => {
                ike_auth::handle_response(&mut ctx, sa, &payloads, child_spi)
            }
            p @ Pending::RekeyChild { .. } => {
                child_rekey::handle_response(&mut ctx, sa, &payloads, p)
            }
            p @ Pending::RekeyIke { .. } => ike_rekey::handle_response(&mut ctx, sa, &payloads, p),
            Pending::DeleteChild { ids } => delete::child_deleted(&mut ctx, sa, &ids),
            Pending::DeleteIke => Outcome::Close(if sa.rekeyed {
                CloseReason::Rekeyed
            } else {
                CloseReason::Terminated
            }),
            Pending::Dpd | Pending::Notify => Outcome::Keep,
        }
    }

    pub(super) fn request(
        &mut self,
        now: Instant,
        sa: &mut IkeSa,
        msg: &Message,
        bytes: &[u8],
        path: (SocketAddr, SocketAddr),
    ) -> Outcome {
        let h = &msg.header;
        match sa.window.check(h.message_id) {
            RequestCheck::New => {}
            RequestCheck::Retransmit(all) => {
                for b in all {
                    self.out.transmits.push_back(Transmit {
                        local: sa.local,
                        remote: sa.remote,
                        bytes: b,
                    });
                }
                return Outcome::Keep;
            }
            RequestCheck::Drop => return Outcome::Keep,
        }
        let exch = h.exchange_type;
        // RFC 7296 1.2 / 2.2: before IKE_AUTH completes only IKE_AUTH is processed.
        let allowed = match exch {
            ExchangeType::IKE_AUTH => !sa.is_established() && sa.keys.is_some(),
            ExchangeType::CREATE_CHILD_SA | ExchangeType::INFORMATIONAL => sa.is_established(),
            _ => false,
        };
        if !allowed {
            return Outcome::Keep;
        }
        let Some(opened) = Self::open(sa, msg, bytes) else {
            return Outcome::Keep;
        };
        follow(sa, msg, path);
        let Some(cfg) = self.conns.get(sa.conn) else {
            return Outcome::Close(CloseReason::Failed);
        };
        let mut ctx = Ctx {
            now,
            provider: &self.provider,
            cfg,
            spis: self.spis.as_mut(),
            out: &mut self.out,
        };
        sa.last_inbound = now;
        let kind = match exch {
            ExchangeType::IKE_AUTH => Kind::AuthReq,
            ExchangeType::CREATE_CHILD_SA => Kind::ChildReq,
            _ => Kind::InfoReq,
        };
        let payloads = match opened {
            Ok(p) if rules::check(kind, &p).is_ok() => p,
            // Authenticated but malformed: RFC 7296 2.21.4 / 3.10.1 INVALID_SYNTAX.
            _ => {
                let n = Payload::Notify(NotifyPayload::new(NotifyType::INVALID_SYNTAX, vec![]));
                ctx.respond(sa, exch, h.message_id, vec![n]);
                return Outcome::Keep;
            }
        };
        match exch {
            ExchangeType::IKE_AUTH => {
                // Another IKE SA of this tunnel still carries a Child SA: the peer restarted
                // (or reauthenticates). Keep sending on the old pair until the initiator has
                // had time to install the new one (child_sa::DEFER_FIRST_OUTBOUND).
                let sibling = self
                    .sas
                    .values()
                    .any(|s| s.tunnel == sa.tunnel && s.is_established() && !s.children.is_empty());
                let before = sa.children.len();
                let outcome = ike_auth::respond(&mut ctx, sa, h.message_id, &payloads);
                if sibling {
                    for c in sa.children.iter_mut().skip(before) {
                        child_sa::defer_outbound_for(&mut ctx, c, child_sa::DEFER_FIRST_OUTBOUND);
                    }
                }
                outcome
            }
            ExchangeType::CREATE_CHILD_SA => {
                if payloads.iter().any(|p| matches!(p, Payload::Sa(s) if s.proposals.iter().any(|x| x.protocol == crate::wire::v2::ProtocolId::IKE))) {
                    ike_rekey::respond(&mut ctx, sa, h.message_id, &payloads)
                } else {
                    child_rekey::respond(&mut ctx, sa, h.message_id, &payloads)
                }
            }
            _ => delete::respond(&mut ctx, sa, h.message_id, &payloads),
        }
    }
}

/// Where the peer is now, from an authenticated request's path.
///
/// RFC 7296 2.23: behind a NAT, the addresses of the latest authenticated message are where
/// the peer is now (port float to 4500, NAT rebinding). Without a NAT the addresses stay, but
/// the ports follow: "an initiator can use port 4500 for both IKE and ESP, regardless of
/// whether or not there is a NAT" (2.23; strongSwan does so from IKE_AUTH on), and RFC 7296
/// 2.11 says the response MUST go to the address and port the request came from, from the
/// address and port it was sent to. Answering such a request from port 500 makes the peer
/// believe its own endpoint moved (strongSwan then sends later requests from 500 to 4500,
/// which our 4500 socket cannot take for IKE).
fn follow(sa: &mut IkeSa, msg: &Message, (local, remote): (SocketAddr, SocketAddr)) {
    if msg.header.exchange_type == ExchangeType::IKE_SA_INIT {
        return;
    }
    if sa.nat_detected {
        sa.local = local;
        sa.remote = remote;
    } else if sa.local.ip() == local.ip() && sa.remote.ip() == remote.ip() {
        sa.local.set_port(local.port());
        sa.remote.set_port(remote.port());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConnectionConfig, TunnelRef};
    use crate::crypto::{CryptoProvider, Secret};
    use crate::v2::types::SequentialSpis;
    use crate::wire::v2::{NoncePayload, Payload};

    fn endpoint(local: &str, remote: &str, seed: u64) -> Endpoint {
        let c = ConnectionConfig::new(
            TunnelRef(1),
            local.parse().unwrap(),
            remote.parse().unwrap(),
            Secret::from_slice(b"psk_for_the_syntax_test"),
        );
        Endpoint::new(
            CryptoProvider::insecure_deterministic(seed),
            Box::new(SequentialSpis(300)),
            vec![c],
        )
    }

    fn shuttle(a: &mut Endpoint, b: &mut Endpoint, now: Instant) {
        loop {
            let mut moved = false;
            while let Some(t) = a.poll_transmit() {
                b.handle_datagram(now, t.remote, t.local, &t.bytes);
                moved = true;
            }
            while let Some(t) = b.poll_transmit() {
                a.handle_datagram(now, t.remote, t.local, &t.bytes);
                moved = true;
            }
            if !moved {
                break;
            }
        }
    }

    /// Endpoints at `x` and `y` with an IKE SA established between them (a initiated).
    fn established(x: &str, y: &str, now: Instant) -> (Endpoint, Endpoint) {
        let (mut a, mut b) = (endpoint(x, y, 1), endpoint(y, x, 2));
        assert!(a.initiate(now, TunnelRef(1)));
        shuttle(&mut a, &mut b, now);
        assert!(a.sas.values().next().unwrap().is_established());
        (a, b)
    }

    /// An INFORMATIONAL request on `a`'s IKE SA, `ahead` Message IDs past the next one.
    fn informational(a: &Endpoint, ahead: u32, payloads: Vec<Payload>) -> Vec<u8> {
        let sa = a.sas.values().next().unwrap();
        let id = sa.next_msg_id + ahead;
        sa.encode(
            &a.provider,
            ExchangeType::INFORMATIONAL,
            false,
            id,
            payloads,
        )
        .unwrap()
    }

    #[test]
    fn authenticated_malformed_request_gets_invalid_syntax() {
        let (x, y) = ("192.0.2.1:500", "192.0.2.2:500");
        let now = Instant::from_secs(5);
        let (a, mut b) = established(x, y, now);
        let sa = a.sas.values().next().unwrap();
        // An INFORMATIONAL request carrying a Nonce: not allowed by the payload table.
        let nonce = Payload::Nonce(NoncePayload { nonce: vec![1; 16] });
        let bytes = informational(&a, 0, vec![nonce]);
        b.handle_datagram(now, y.parse().unwrap(), x.parse().unwrap(), &bytes);
        let answer = b.poll_transmit().unwrap();
        let msg = Message::parse(&answer.bytes).unwrap();
        let inner = sa
            .keys
            .as_ref()
            .unwrap()
            .open(&answer.bytes, &msg)
            .unwrap()
            .unwrap();
        assert!(
            matches!(inner.as_slice(), [Payload::Notify(n)] if n.ty == NotifyType::INVALID_SYNTAX)
        );
        // The same bytes with a broken ICV are dropped without an answer.
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x40;
        let mut c = bad.clone();
        c[20..24].copy_from_slice(&(sa.next_msg_id + 1).to_be_bytes());
        b.handle_datagram(now, y.parse().unwrap(), x.parse().unwrap(), &c);
        assert!(b.poll_transmit().is_none());
    }

    /// RFC 7296 2.11 / 2.23: without a NAT, a peer that moved to port 4500 gets its response
    /// on 4500 from 4500, and so do later requests of ours; its addresses never change.
    #[test]
    fn response_goes_back_on_the_port_the_request_used() {
        let (x, y) = ("192.0.2.1:500", "192.0.2.2:500");
        let now = Instant::from_secs(5);
        let (a, mut b) = established(x, y, now);
        let bytes = informational(&a, 0, vec![]);
        let (x4500, y4500): (SocketAddr, SocketAddr) = (
            "192.0.2.1:4500".parse().unwrap(),
            "192.0.2.2:4500".parse().unwrap(),
        );
        b.handle_datagram(now, y4500, x4500, &bytes);
        let answer = b.poll_transmit().unwrap();
        assert_eq!((answer.local, answer.remote), (y4500, x4500));
        let bsa = b.sas.values().next().unwrap();
        assert_eq!((bsa.local, bsa.remote), (y4500, x4500));
        // The same request from another address (no NAT detected) moves nothing.
        let c = informational(&a, 1, vec![]);
        let other: SocketAddr = "203.0.113.9:4500".parse().unwrap();
        b.handle_datagram(now, y4500, other, &c);
        let answer = b.poll_transmit().unwrap();
        assert_eq!(
            answer.remote, x4500,
            "answered, but not to the unexpected address"
        );
        let bsa = b.sas.values().next().unwrap();
        assert_eq!(bsa.remote, x4500);
    }
}
