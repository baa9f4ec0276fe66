//! One ISAKMP SA (an IKEv1 phase 1 SA) and the Child SAs of a tunnel: cookies, negotiated
//! suite, SKEYID family, and the CBC IV chains of RFC 2409 appendix B (phase 1, then one
//! chain per Message ID), plus message protection: encrypt-and-pad on the way out, decrypt
//! and parse on the way in.
//!
//! State only; never decides which message comes next (main_mode.rs, quick_mode.rs and
//! informational.rs do) and never sends.

use super::proposal::{P1Suite, P2Choice};
use crate::config::TunnelRef;
use crate::crypto::dh::KeyExchange;
use crate::crypto::{auth_v1, cipher, kdf_v1, Secret};
use crate::v2::retransmit::Outstanding;
use crate::v2::{ChildSaRef, ChildSuiteInfo, Instant, KernelCommand};
use crate::wire::v1::{
    emit_payload_chain, parse_payload_chain_padded, Body, HeaderRepr, IdRepr, Message, Payload,
};
use crate::wire::v2::TrafficSelector;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Where phase 1 (main mode, or aggressive mode when opted in) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MmState {
    /// Initiator: sent main mode message 1, 3 or 5.
    ISent1,
    ISent3,
    ISent5,
    /// Responder: sent main mode message 2 or 4.
    RSent2,
    RSent4,
    /// Initiator: sent aggressive mode message 1.
    AgISent1,
    /// Responder: sent aggressive mode message 2, waiting for message 3.
    AgRSent2,
    Established,
}

/// Phase 1 key material (RFC 2409 5): SKEYID_d/a/e and the encryption key Ka.
#[derive(Debug)]
pub struct Keys {
    pub skeyid_d: Secret,
    pub skeyid_a: Secret,
    /// Ka: SKEYID_e expanded/truncated to the cipher's key length (appendix B).
    pub ka: Secret,
}

/// DPD state (RFC 3706).
#[derive(Debug, Clone, Default)]
pub struct Dpd {
    /// Both sides announced DPD with the vendor ID (RFC 3706 4).
    pub enabled: bool,
    /// Our next R-U-THERE sequence number.
    pub seq: u32,
    /// Last authenticated message (or ESP) from the peer.
    pub last_inbound: Instant,
    /// R-U-THERE outstanding: (sequence, first sent, next send).
    pub outstanding: Option<(u32, Instant, Instant)>,
}

/// Where a quick mode stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QmState {
    /// Initiator: quick mode 1 sent.
    ISent1,
    /// Responder: quick mode 2 sent, inbound SA installed, waiting for quick mode 3.
    RSent2,
    /// Initiator: done; kept a while to answer a repeated message 2 with message 3.
    IDone,
}

/// One quick mode exchange in progress (keyed by its Message ID).
#[derive(Debug)]
pub struct QuickMode {
    pub state: QmState,
    pub spi_in: u32,
    pub ni: Vec<u8>,
    pub nr: Vec<u8>,
    pub dh: Option<Box<dyn KeyExchange>>,
    pub local_ts: TrafficSelector,
    pub remote_ts: TrafficSelector,
    /// Initiator: the child this quick mode rekeys.
    pub rekeys: Option<ChildSaRef>,
    /// Responder: the child created at quick mode 2 (inbound installed, outbound held).
    pub child: Option<ChildSaRef>,
    /// Last datagram received in this exchange and our answer to it (duplicates replay it).
    pub last_rx: Vec<u8>,
    pub last_tx: Vec<u8>,
    pub retx: Outstanding,
    pub choice: Option<P2Choice>,
    /// When a finished exchange is forgotten.
    pub linger_until: Option<Instant>,
}

/// One ISAKMP SA.
#[derive(Debug)]
pub struct IsakmpSa {
    pub conn: usize,
    pub tunnel: TunnelRef,
    pub cky_i: [u8; 8],
    pub cky_r: [u8; 8],
    pub initiator: bool,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: MmState,
    pub created: Instant,
    /// The initiator's SA payload body (SAi_b of RFC 2409 5).
    pub sai_b: Vec<u8>,
    pub suite: Option<P1Suite>,
    pub dh: Option<Box<dyn KeyExchange>>,
    pub g_xi: Vec<u8>,
    pub g_xr: Vec<u8>,
    pub ni: Vec<u8>,
    pub nr: Vec<u8>,
    /// SKEYID (needed for HASH_I/HASH_R) until phase 1 completes.
    pub skeyid: Option<Secret>,
    pub keys: Option<Keys>,
    /// The phase 1 IV chain (Message ID 0).
    pub iv: Vec<u8>,
    /// The last CBC block of phase 1: the seed of every phase 2 IV (appendix B).
    pub p1_last: Vec<u8>,
    /// IV chains of quick mode / informational exchanges by Message ID.
    pub mid_ivs: HashMap<u32, Vec<u8>>,
    /// The peer announced RFC 3947 NAT-T.
    pub peer_natt: bool,
    /// We are behind a NAT (our NAT-D did not match): we send keepalives.
    pub behind_nat: bool,
    /// A NAT is between the peers (either NAT-D mismatched).
    pub nat: bool,
    /// Phase 1 duplicate handling: last datagram received and our answer.
    pub last_rx: Vec<u8>,
    pub last_tx: Vec<u8>,
    /// Our outstanding main mode message.
    pub retx: Option<Outstanding>,
    pub qms: HashMap<u32, QuickMode>,
    pub dpd: Dpd,
    pub established_at: Option<Instant>,
    pub rekey_at: Option<Instant>,
    pub expire_at: Option<Instant>,
    /// A newer ISAKMP SA of the tunnel took over; this one is being deleted.
    pub replaced: bool,
    /// A phase 1 rekey started from this SA (the new SA's initiator cookie).
    pub rekeyed_by: Option<[u8; 8]>,
    pub keepalive_at: Option<Instant>,
    /// Aggressive mode responder: the initiator's ID payload of message 1 and its body
    /// (IDii_b of HASH_I, checked when message 3 arrives).
    pub peer_id: Option<(IdRepr, Vec<u8>)>,
    /// Phase 1 runs (ran) in aggressive mode.
    pub aggressive: bool,
    /// Closed while being processed: not returned to the endpoint's map.
    pub closed: bool,
}

/// The lifecycle of an IKEv1 Child SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    Installed,
    Rekeying,
    Rekeyed,
}

/// An ESP pair of a tunnel (in IKEv1 it outlives the ISAKMP SA that created it).
#[derive(Debug, Clone)]
pub struct ChildV1 {
    pub id: ChildSaRef,
    pub tunnel: TunnelRef,
    pub spi_in: u32,
    pub spi_out: u32,
    pub local: std::net::IpAddr,
    pub remote: std::net::IpAddr,
    pub local_ts: TrafficSelector,
    pub remote_ts: TrafficSelector,
    pub state: ChildState,
    pub rekey_at: Instant,
    pub suite: ChildSuiteInfo,
    /// The negotiated volume lifetime in kilobytes (offered again when we rekey the pair).
    pub kilobytes: Option<u64>,
    /// The lower of the two nonces of the quick mode that made it (collision tie-break).
    pub min_nonce: Vec<u8>,
    pub replaces: Option<ChildSaRef>,
    /// Responder: the outbound SA, installed when quick mode 3 arrives.
    pub pending_out: Option<KernelCommand>,
    /// Initiator of a rekey: when `pending_out` goes in (make-before-break, child.rs).
    pub out_at: Option<Instant>,
    /// Replaced by the peer's rekey: when we delete it if the peer has not (many IKEv1
    /// peers leave the old pair to expire).
    pub delete_at: Option<Instant>,
}

impl IsakmpSa {
    /// A fresh SA in its first main mode state.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        conn: usize,
        tunnel: TunnelRef,
        cky_i: [u8; 8],
        cky_r: [u8; 8],
        initiator: bool,
        local: SocketAddr,
        remote: SocketAddr,
        now: Instant,
    ) -> Self {
        IsakmpSa {
            conn,
            tunnel,
            cky_i,
            cky_r,
            initiator,
            local,
            remote,
            state: if initiator {
                MmState::ISent1
            } else {
                MmState::RSent2
            },
            created: now,
            sai_b: Vec::new(),
            suite: None,
            dh: None,
            g_xi: Vec::new(),
            g_xr: Vec::new(),
            ni: Vec::new(),
            nr: Vec::new(),
            skeyid: None,
            keys: None,
            iv: Vec::new(),
            p1_last: Vec::new(),
            mid_ivs: HashMap::new(),
            peer_natt: false,
            behind_nat: false,
            nat: false,
            last_rx: Vec::new(),
            last_tx: Vec::new(),
            retx: None,
            qms: HashMap::new(),
            dpd: Dpd {
                last_inbound: now,
                ..Dpd::default()
            },
            established_at: None,
            rekey_at: None,
            expire_at: None,
            replaced: false,
            rekeyed_by: None,
            keepalive_at: None,
            peer_id: None,
            aggressive: false,
            closed: false,
        }
    }

    /// Our cookie: the map key.
    pub fn local_cookie(&self) -> [u8; 8] {
        if self.initiator {
            self.cky_i
        } else {
            self.cky_r
        }
    }

    /// An authenticated message came from `remote` to `local`: answer there from now on.
    /// Behind a NAT both move (RFC 3947 4: the ports of the last authenticated message);
    /// without one only the ports do (a peer may float to 4500 anyway), never the addresses.
    pub fn follow(&mut self, local: SocketAddr, remote: SocketAddr) {
        if self.nat {
            self.local = local;
            self.remote = remote;
        } else if local.ip() == self.local.ip() && remote.ip() == self.remote.ip() {
            self.local.set_port(local.port());
            self.remote.set_port(remote.port());
        }
    }

    /// RFC 2409 5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) when
    /// `of_initiator`, else HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
    /// None before SKEYID exists.
    pub fn phase1_hash(&self, of_initiator: bool, id_b: &[u8]) -> Option<Secret> {
        let skeyid = self.skeyid.as_ref()?;
        let prf = self.suite?.prf;
        let t = auth_v1::Phase1Transcript {
            g_xi: &self.g_xi,
            g_xr: &self.g_xr,
            cky_i: &self.cky_i,
            cky_r: &self.cky_r,
            sai_b: &self.sai_b,
        };
        Some(if of_initiator {
            auth_v1::hash_i(prf, skeyid, &t, id_b)
        } else {
            auth_v1::hash_r(prf, skeyid, &t, id_b)
        })
    }

    /// RFC 3947 3.2: the NAT-D hash of `addr` under this SA's cookies.
    pub fn natd(&self, prf: crate::crypto::PrfAlg, addr: SocketAddr) -> Vec<u8> {
        crate::crypto::natd::natd_v1(prf, &self.cky_i, &self.cky_r, addr.ip(), addr.port())
    }

    pub fn is_established(&self) -> bool {
        self.state == MmState::Established
    }

    fn iv_for(&self, mid: u32) -> Option<Vec<u8>> {
        let suite = self.suite?;
        if mid == 0 {
            return Some(self.iv.clone());
        }
        match self.mid_ivs.get(&mid) {
            Some(iv) => Some(iv.clone()),
            // RFC 2409 appendix B: the first IV of a phase 2 or informational exchange is
            // hash(last phase 1 CBC output block | M-ID), truncated to the block size.
            None => kdf_v1::phase2_iv(suite.prf, &self.p1_last, mid, suite.encr.block_len()).ok(),
        }
    }

    fn set_iv(&mut self, mid: u32, ct: &[u8]) {
        let bl = self.suite.map_or(16, |s| s.encr.block_len());
        let Some(last) = ct.len().checked_sub(bl).and_then(|s| ct.get(s..)) else {
            return;
        };
        if mid == 0 {
            self.iv = last.to_vec();
        } else {
            self.mid_ivs.insert(mid, last.to_vec());
        }
    }

    /// Encrypts `payloads` under `header` (RFC 2408 3.1 E flag; RFC 2409 appendix B IV
    /// chain). Padding: zeros to the block size with the pad length in the last octet.
    pub fn seal(&mut self, header: HeaderRepr, payloads: &[Payload]) -> Option<Vec<u8>> {
        let suite = self.suite?;
        let ka = &self.keys.as_ref()?.ka;
        let len = crate::wire::v1::chain_len(payloads);
        let bl = suite.encr.block_len();
        let padded = (len + 1).next_multiple_of(bl);
        let mut pt = vec![0u8; padded];
        emit_payload_chain(payloads, pt.get_mut(..len)?).ok()?;
        if let Some(last) = pt.last_mut() {
            *last = u8::try_from(padded - len).unwrap_or(0);
        }
        let iv = self.iv_for(header.message_id)?;
        let ct = cipher::encrypt(suite.encr, ka, &iv, &[], &pt).ok()?;
        self.set_iv(header.message_id, &ct);
        let mut header = header;
        header.next_payload = crate::wire::v1::first_payload_type(payloads);
        Message::encrypted(header, ct).to_vec().ok()
    }

    /// Decrypts a received message (E flag set) and parses its payloads. Returns the
    /// payloads and the plaintext chain without padding (for the hashes). On failure the IV
    /// chain is left as it was, so a forged message cannot desynchronise it.
    pub fn open(&mut self, msg: &Message) -> Option<(Vec<Payload>, Vec<u8>)> {
        let Body::Encrypted(ct) = &msg.body else {
            return None;
        };
        let suite = self.suite?;
        let ka = &self.keys.as_ref()?.ka;
        if ct.is_empty() || !ct.len().is_multiple_of(suite.encr.block_len()) {
            return None;
        }
        let mid = msg.header.message_id;
        let iv = self.iv_for(mid)?;
        let pt = cipher::decrypt(suite.encr, ka, &iv, &[], ct).ok()?;
        let (payloads, used) = parse_payload_chain_padded(msg.header.next_payload, &pt).ok()?;
        let chain = pt.get(..used)?.to_vec();
        self.set_iv(mid, ct);
        Some((payloads, chain))
    }
}
