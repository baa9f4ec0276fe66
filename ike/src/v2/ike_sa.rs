//! One IKE SA: identity (SPIs, addresses, role), its typed phase, keys, Message ID windows,
//! the outstanding request and its Child SAs, plus the helpers every task uses to send.
//!
//! The phase is [`Phase::Half`] until the auth task hands over a
//! [`PeerAuthenticated`](super::tasks::ike_auth::PeerAuthenticated) token; only then can
//! [`Established`] exist, and only an established SA processes CREATE_CHILD_SA and
//! INFORMATIONAL (RFC 7296 2.2, 1.2). This module never parses datagrams or decides
//! exchange contents.

use super::child_sa::ChildSa;
use super::protect::SaKeys;
use super::retransmit::{Outstanding, ResponderWindow};
use super::tasks::ike_auth::PeerAuthenticated;
use super::tasks::Pending;
use super::types::{Event, Instant, KernelCommand, SpiAllocator, Transmit};
use crate::config::{ConnectionConfig, IkeProposal, TunnelRef};
use crate::crypto::CryptoProvider;
use crate::wire::v2::{ExchangeType, Flags, Header, Message, Payload};
use std::collections::VecDeque;
use std::net::SocketAddr;

/// Proof that IKE_AUTH succeeded; only constructible from a [`PeerAuthenticated`] token.
#[derive(Debug)]
pub struct Established {
    _proof: PeerAuthenticated,
}

impl Established {
    pub fn new(proof: PeerAuthenticated) -> Self {
        Established { _proof: proof }
    }

    /// A rekeyed IKE SA (RFC 7296 2.18) inherits the authentication of the SA it replaces.
    pub fn inherit(old: &Established) -> Self {
        Established {
            _proof: old._proof.carry(),
        }
    }
}

/// Before authentication only IKE_SA_INIT / IKE_AUTH are processed.
#[derive(Debug)]
pub enum Phase {
    Half,
    Established(Established),
}

/// Work queued for when no request is outstanding (window size 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    RekeyChild(super::types::ChildSaRef),
    RekeyIke,
    DeleteChild(super::types::ChildSaRef),
    DeleteIke,
    Dpd,
}

/// Everything the engine keeps about one IKE SA.
#[derive(Debug)]
pub struct IkeSa {
    pub conn: usize,
    pub tunnel: TunnelRef,
    pub initiator: bool,
    pub spi_i: u64,
    pub spi_r: u64,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub phase: Phase,
    pub keys: Option<SaKeys>,
    pub prop: Option<IkeProposal>,
    pub ni: Vec<u8>,
    pub nr: Vec<u8>,
    /// The IKE_SA_INIT request and response as sent (RFC 7296 2.15 signed octets).
    pub init_req: Vec<u8>,
    pub init_resp: Vec<u8>,
    pub nat_detected: bool,
    /// We are the one behind the NAT (we send NAT-T keepalives, RFC 3948 2.3).
    pub nat_local: bool,
    /// Both sides announced IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3).
    pub peer_fragmentation: bool,
    pub keepalive_at: Option<Instant>,
    pub next_msg_id: u32,
    pub outstanding: Option<(Outstanding, Pending)>,
    pub window: ResponderWindow,
    pub children: Vec<ChildSa>,
    pub queue: VecDeque<Queued>,
    pub last_inbound: Instant,
    pub rekey_at: Option<Instant>,
    pub dpd_reported: bool,
    /// Replaced by a rekeyed IKE SA (its children moved there).
    pub rekeyed: bool,
    /// Responder only: when an SA still waiting for IKE_AUTH is dropped.
    pub half_open_deadline: Option<Instant>,
    /// RFC 7383 fragments of the message being received.
    pub reassembly: super::fragment::Reassembly,
    /// Simultaneous IKE rekey (RFC 7296 2.8.2): the peer's new SA (our SPI) and the lowest
    /// nonce of its exchange, until our own rekey answers.
    pub peer_successor: Option<(u64, Vec<u8>)>,
    /// Move our children to the SA with this local SPI (collision lost).
    pub handoff: Option<u64>,
    /// Mark the SA with this local SPI as replaced (collision won; the peer deletes it).
    pub redundant: Option<u64>,
}

impl IkeSa {
    pub fn new(conn: usize, cfg: &ConnectionConfig, initiator: bool, now: Instant) -> Self {
        IkeSa {
            conn,
            tunnel: cfg.tunnel,
            initiator,
            spi_i: 0,
            spi_r: 0,
            local: cfg.local,
            remote: cfg.remote,
            phase: Phase::Half,
            keys: None,
            prop: None,
            ni: Vec::new(),
            nr: Vec::new(),
            init_req: Vec::new(),
            init_resp: Vec::new(),
            nat_detected: false,
            nat_local: false,
            peer_fragmentation: false,
            keepalive_at: None,
            next_msg_id: 0,
            outstanding: None,
            window: ResponderWindow::default(),
            children: Vec::new(),
            queue: VecDeque::new(),
            last_inbound: now,
            rekey_at: None,
            dpd_reported: false,
            rekeyed: false,
            half_open_deadline: None,
            reassembly: Default::default(),
            peer_successor: None,
            handoff: None,
            redundant: None,
        }
    }

    /// Our own SPI (the key of the endpoint's table).
    pub fn local_spi(&self) -> u64 {
        if self.initiator {
            self.spi_i
        } else {
            self.spi_r
        }
    }

    pub fn is_established(&self) -> bool {
        matches!(self.phase, Phase::Established(_))
    }

    pub fn header(&self, exch: ExchangeType, response: bool, msg_id: u32) -> Header {
        // RFC 7296 3.1: the Initiator bit is set by the original initiator; the Response bit
        // on responses.
        let mut f = 0;
        if self.initiator {
            f |= Flags::INITIATOR.0;
        }
        if response {
            f |= Flags::RESPONSE.0;
        }
        Header::v2(self.spi_i, self.spi_r, exch, Flags(f), msg_id)
    }

    /// Encodes a message, encrypted unless it is IKE_SA_INIT.
    pub fn encode(
        &self,
        provider: &CryptoProvider,
        exch: ExchangeType,
        response: bool,
        msg_id: u32,
        payloads: Vec<Payload>,
    ) -> Option<Vec<u8>> {
        let h = self.header(exch, response, msg_id);
        if exch == ExchangeType::IKE_SA_INIT {
            return Message {
                header: h,
                payloads,
            }
            .to_vec()
            .ok();
        }
        self.keys.as_ref()?.seal(provider, h, &payloads)
    }
}

/// Output queues plus the services a task may use.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub now: Instant,
    pub provider: &'a CryptoProvider,
    pub cfg: &'a ConnectionConfig,
    pub spis: &'a mut dyn SpiAllocator,
    pub out: &'a mut Outputs,
}

/// The endpoint's pull queues.
#[derive(Debug, Default)]
pub struct Outputs {
    pub transmits: VecDeque<Transmit>,
    pub commands: VecDeque<KernelCommand>,
    pub events: VecDeque<Event>,
    pub next_child: u64,
}

impl Ctx<'_> {
    pub fn event(&mut self, e: Event) {
        self.out.events.push_back(e);
    }
    pub fn fail(&mut self, reason: String) {
        let tunnel = Some(self.cfg.tunnel);
        self.event(Event::NegotiationFailed { tunnel, reason });
    }
    pub fn transmit(&mut self, sa: &IkeSa, bytes: Vec<u8>) {
        self.out.transmits.push_back(Transmit {
            local: sa.local,
            remote: sa.remote,
            bytes,
        });
    }

    /// Sends a new request and makes it the outstanding one (RFC 7296 2.1: Message IDs
    /// increase by one per request; window 1).
    pub fn request(
        &mut self,
        sa: &mut IkeSa,
        exch: ExchangeType,
        payloads: Vec<Payload>,
        pending: Pending,
    ) -> bool {
        let id = sa.next_msg_id;
        let Some(dgrams) = self.datagrams(sa, exch, false, id, payloads) else {
            return false;
        };
        sa.next_msg_id = id.wrapping_add(1);
        if exch == ExchangeType::IKE_SA_INIT {
            sa.init_req = dgrams.concat();
        }
        sa.outstanding = Some((
            Outstanding::new(self.now, &self.cfg.retransmit, id, dgrams.clone()),
            pending,
        ));
        self.transmit_all(sa, dgrams);
        true
    }

    /// Sends a response to request `msg_id` and caches it for retransmitted requests.
    pub fn respond(
        &mut self,
        sa: &mut IkeSa,
        exch: ExchangeType,
        msg_id: u32,
        payloads: Vec<Payload>,
    ) {
        if let Some(dgrams) = self.datagrams(sa, exch, true, msg_id, payloads) {
            if exch == ExchangeType::IKE_SA_INIT {
                sa.init_resp = dgrams.concat();
            }
            sa.window.answered(msg_id, dgrams.clone());
            self.transmit_all(sa, dgrams);
        }
    }

    pub fn transmit_all(&mut self, sa: &IkeSa, dgrams: Vec<Vec<u8>>) {
        for b in dgrams {
            self.transmit(sa, b);
        }
    }

    /// Encodes a message, split into RFC 7383 fragments when both sides support them and the
    /// IP packet would exceed the configured MTU (never IKE_SA_INIT, RFC 7383 2.5.1).
    fn datagrams(
        &self,
        sa: &IkeSa,
        exch: ExchangeType,
        response: bool,
        id: u32,
        payloads: Vec<Payload>,
    ) -> Option<Vec<Vec<u8>>> {
        // IPv6 + UDP + non-ESP marker, the worst case.
        const IP_UDP: usize = 40 + 8 + 4;
        let mtu = self.cfg.fragmentation_mtu.map(usize::from);
        let keys = sa.keys.as_ref();
        if let (Some(mtu), Some(k), true, false) = (
            mtu,
            keys,
            sa.peer_fragmentation,
            exch == ExchangeType::IKE_SA_INIT,
        ) {
            let (first, plain) = crate::wire::v2::payload_chain_to_vec(&payloads).ok()?;
            let e = k.suite.encr;
            let icv = e.icv_len() + k.suite.integ.map_or(0, |i| i.icv_len());
            let overhead = IP_UDP + 28 + 8 + e.iv_len() + icv + e.block_len() + 1;
            let fits = IP_UDP + 28 + 4 + e.iv_len() + icv + plain.len() + e.block_len() < mtu;
            if let (false, Some(chunk)) = (fits, mtu.checked_sub(overhead).filter(|c| *c >= 64)) {
                let parts: Vec<&[u8]> = plain.chunks(chunk).collect();
                let total = u16::try_from(parts.len()).ok()?;
                let h = sa.header(exch, response, id);
                return parts
                    .iter()
                    .zip(1u16..)
                    .map(|(c, n)| k.seal_fragment(self.provider, h, first, (n, total), c))
                    .collect();
            }
        }
        Some(vec![sa.encode(
            self.provider,
            exch,
            response,
            id,
            payloads,
        )?])
    }

    pub fn child_ref(&mut self) -> super::types::ChildSaRef {
        self.out.next_child += 1;
        super::types::ChildSaRef(self.out.next_child)
    }

    /// Random nonce (RFC 7296 2.10: at least half the PRF key size, at least 128 bits).
    pub fn nonce(&self) -> Option<Vec<u8>> {
        self.provider.random_bytes(32).ok()
    }
}
