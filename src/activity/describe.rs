//! Engine events in plain words for the activity log's `details` field, following the
//! cloud gateways' message catalogue where one exists (REQUIREMENTS §10.4: "received DELETE
//! for IKE_SA", "received delete for phase 2 SA with SPI: …", "DPD timed out …", "timeout:
//! deleting unestablished phase 1 IKE_SA …"), and the failure reason classes the metrics
//! count. Only names, addresses, SPIs and algorithm names are ever written: events carry no
//! key material and nothing here could reach any.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ike::crypto::{IntegAlg, PrfAlg};
use ike::v2::{CloseReason, Event};
use ike::wire::v2::TrafficSelector;

use super::Kind;
use crate::control::status::{encr_name, integ_name};

/// Why a negotiation failed, as a small closed set (the metrics label `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureReason {
    /// No proposal matched (NO_PROPOSAL_CHOSEN, or the peer chose one we did not offer).
    NoProposalChosen,
    /// Authentication failed (PSK mismatch, identity mismatch, AUTH method).
    AuthenticationFailed,
    /// Traffic selectors refused (TS_UNACCEPTABLE).
    TsUnacceptable,
    /// Key exchange group or value refused (INVALID_KE_PAYLOAD, bad KE).
    InvalidKePayload,
    /// The peer never answered and the half-open IKE SA was deleted.
    Timeout,
    /// Anything else (the log line has the words).
    Other,
}

impl FailureReason {
    /// Every value, in label order.
    pub const ALL: [FailureReason; 6] = [
        FailureReason::NoProposalChosen,
        FailureReason::AuthenticationFailed,
        FailureReason::TsUnacceptable,
        FailureReason::InvalidKePayload,
        FailureReason::Timeout,
        FailureReason::Other,
    ];

    /// The metrics label value.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::NoProposalChosen => "no_proposal_chosen",
            FailureReason::AuthenticationFailed => "authentication_failed",
            FailureReason::TsUnacceptable => "ts_unacceptable",
            FailureReason::InvalidKePayload => "invalid_ke_payload",
            FailureReason::Timeout => "timeout",
            FailureReason::Other => "other",
        }
    }

    /// The class of an engine `NegotiationFailed` reason (the engine names the notify
    /// type, RFC 7296 3.10.1, or says which proposal did not match).
    pub fn classify(reason: &str) -> Self {
        let lower = reason.to_ascii_lowercase();
        if reason.contains("NO_PROPOSAL_CHOSEN") || lower.contains("proposal") {
            FailureReason::NoProposalChosen
        } else if reason.contains("AUTHENTICATION_FAILED") || lower.contains("auth") {
            FailureReason::AuthenticationFailed
        } else if reason.contains("TS_UNACCEPTABLE") || lower.contains("traffic selector") {
            FailureReason::TsUnacceptable
        } else if reason.contains("INVALID_KE_PAYLOAD")
            || reason.contains(" KE ")
            || reason.ends_with(" KE")
        {
            FailureReason::InvalidKePayload
        } else {
            FailureReason::Other
        }
    }
}

fn integ(i: Option<IntegAlg>) -> &'static str {
    i.map_or("no integrity (AEAD)", integ_name)
}

fn prf(p: PrfAlg) -> &'static str {
    match p {
        PrfAlg::HmacSha1 => "PRF-SHA1",
        PrfAlg::HmacSha256 => "PRF-SHA2-256",
        PrfAlg::HmacSha384 => "PRF-SHA2-384",
        PrfAlg::HmacSha512 => "PRF-SHA2-512",
    }
}

/// `a-b` as a CIDR when it is one, else as the range.
fn range(start: u128, end: u128, bits: u32, show: &dyn Fn(u128) -> String) -> String {
    let size = end.wrapping_sub(start).wrapping_add(1);
    let whole = end == start.wrapping_add(size.wrapping_sub(1));
    if start <= end
        && whole
        && (size == 0 || (size.is_power_of_two() && start.is_multiple_of(size)))
    {
        let host_bits = if size == 0 {
            128
        } else {
            size.trailing_zeros()
        };
        format!("{}/{}", show(start), bits.saturating_sub(host_bits))
    } else {
        format!("{}-{}", show(start), show(end))
    }
}

fn selector(ts: &TrafficSelector) -> String {
    let (net, proto, sp, ep) = match ts {
        TrafficSelector::Ipv4 {
            ip_proto,
            start_port,
            end_port,
            start,
            end,
        } => {
            let show =
                |v: u128| std::net::Ipv4Addr::from(u32::try_from(v).unwrap_or(0)).to_string();
            let net = if u32::from(*start) == 0 && u32::from(*end) == u32::MAX {
                "0.0.0.0/0".to_owned()
            } else {
                range(u32::from(*start).into(), u32::from(*end).into(), 32, &show)
            };
            (net, *ip_proto, *start_port, *end_port)
        }
        TrafficSelector::Ipv6 {
            ip_proto,
            start_port,
            end_port,
            start,
            end,
        } => {
            let show = |v: u128| std::net::Ipv6Addr::from(v).to_string();
            let (s, e) = (u128::from(*start), u128::from(*end));
            let net = if s == 0 && e == u128::MAX {
                "::/0".to_owned()
            } else {
                range(s, e, 128, &show)
            };
            (net, *ip_proto, *start_port, *end_port)
        }
        TrafficSelector::Other { ty, .. } => return format!("TS type {}", ty.0),
    };
    let mut out = net;
    if proto != 0 {
        let _ = write!(out, " proto {proto}");
    }
    if (sp, ep) != (0, u16::MAX) {
        let _ = write!(out, " ports {sp}-{ep}");
    }
    out
}

fn selectors(list: &[TrafficSelector]) -> String {
    list.iter().map(selector).collect::<Vec<_>>().join(", ")
}

fn spis(p: Option<&(u32, u32)>) -> String {
    match p {
        Some((i, o)) => format!("SPI in 0x{i:08x} out 0x{o:08x}"),
        None => "SPIs unknown".to_owned(),
    }
}

/// The [`Kind`] and `details` of `ev`; `children` maps live Child SA refs to their
/// (inbound, outbound) SPIs and `established` holds the initiator SPIs of established IKE
/// SAs, both as known before this event.
pub(super) fn describe(
    ev: &Event,
    children: &BTreeMap<u64, (u32, u32)>,
    established: &BTreeSet<u64>,
) -> (Kind, String) {
    match ev {
        Event::IkeSaEstablished {
            spi_i,
            spi_r,
            initiator,
            suite,
            remote,
            nat_detected,
            ..
        } => (
            Kind::IkeEstablished,
            format!(
                "{what} established with {remote} as {role} (SPIs {spi_i:016x}_i {spi_r:016x}_r): \
                 proposal chosen {encr}, {integ}, {prf}, DH group {dh}; {nat}",
                what = if suite.version == 1 && suite.aggressive {
                    "IKEv1 ISAKMP SA (aggressive mode)"
                } else if suite.version == 1 {
                    "IKEv1 ISAKMP SA (main mode)"
                } else {
                    "IKE_SA"
                },
                role = if *initiator { "initiator" } else { "responder" },
                encr = encr_name(suite.encr),
                integ = integ(suite.integ),
                prf = prf(suite.prf),
                dh = suite.dh.id(),
                nat = if *nat_detected {
                    "NAT detected, IKE and ESP moved to UDP 4500"
                } else {
                    "no NAT detected"
                },
            ),
        ),
        Event::ChildSaEstablished {
            spi_in,
            spi_out,
            suite,
            local_ts,
            remote_ts,
            ..
        } => (
            Kind::ChildEstablished,
            format!(
                "CHILD_SA established (SPI in 0x{spi_in:08x} out 0x{spi_out:08x}): proposal chosen \
                 {encr}, {integ}, {pfs}{esn}; traffic selectors {l} === {r}",
                encr = encr_name(suite.encr),
                integ = integ(suite.integ),
                pfs = suite
                    .pfs
                    .map_or_else(|| "no PFS".to_owned(), |g| format!("PFS DH group {}", g.id())),
                esn = if suite.esn { ", ESN" } else { "" },
                l = selectors(local_ts),
                r = selectors(remote_ts),
            ),
        ),
        Event::ChildSaRekeying { child, .. } => (
            Kind::ChildRekeying,
            format!(
                "CHILD_SA rekey started: {} stays in use until its successor is installed",
                spis(children.get(&child.0))
            ),
        ),
        Event::IkeSaRekeying { spi_i, .. } => (
            Kind::IkeRekeying,
            format!("IKE_SA rekey started: SPI {spi_i:016x}_i"),
        ),
        Event::ChildSaRekeyed { old, new, .. } => (
            Kind::ChildRekeyed,
            format!(
                "CHILD_SA rekey done: {} replaced by {}",
                spis(children.get(&old.0)),
                spis(children.get(&new.0))
            ),
        ),
        Event::IkeSaRekeyed {
            old_spi_i,
            new_spi_i,
            ..
        } => (
            Kind::IkeRekeyed,
            format!("IKE_SA rekey done: SPI {old_spi_i:016x}_i replaced by {new_spi_i:016x}_i"),
        ),
        Event::ChildSaClosed { child, reason, .. } => {
            let p = children.get(&child.0);
            let words = match reason {
                // RFC 7296 3.11: the peer's Delete names its inbound SPI, our outbound one.
                CloseReason::DeletedByPeer => match p {
                    Some((_, out)) => {
                        format!("received delete for phase 2 SA with SPI: 0x{out:08x}")
                    }
                    None => "received delete for a phase 2 SA".to_owned(),
                },
                CloseReason::Rekeyed => format!("CHILD_SA {} deleted after rekey", spis(p)),
                CloseReason::Expired => format!("CHILD_SA {} hard lifetime expired", spis(p)),
                CloseReason::Terminated => format!("CHILD_SA {} deleted by the operator", spis(p)),
                CloseReason::Timeout => {
                    format!("CHILD_SA {} deleted: peer did not answer", spis(p))
                }
                CloseReason::DpdDead => format!("CHILD_SA {} deleted: peer dead (DPD)", spis(p)),
                CloseReason::Failed => {
                    format!("phase 2 failed to establish; CHILD_SA {} deleted", spis(p))
                }
            };
            (Kind::ChildClosed, words)
        }
        Event::IkeSaClosed { spi_i, reason, .. } => {
            let was_up = established.contains(spi_i);
            match reason {
                CloseReason::Timeout if !was_up => (
                    Kind::NegotiationFailed(FailureReason::Timeout),
                    format!(
                        "timeout: deleting unestablished phase 1 IKE_SA {spi_i:016x}_i: \
                         the peer did not answer"
                    ),
                ),
                _ => {
                    let why = match reason {
                        CloseReason::DeletedByPeer => "received DELETE for IKE_SA from the peer",
                        CloseReason::Timeout => "the peer did not answer our retransmissions",
                        CloseReason::DpdDead => "peer is not responsive - declaring peer dead",
                        CloseReason::Rekeyed => "replaced by its rekeyed IKE_SA",
                        CloseReason::Expired => "hard lifetime expired",
                        CloseReason::Terminated => "deleted by the operator",
                        CloseReason::Failed => "negotiation failed",
                    };
                    (
                        Kind::IkeClosed,
                        format!("IKE_SA {spi_i:016x}_i deleted: {why}"),
                    )
                }
            }
        }
        Event::DpdDead { .. } => (
            Kind::DpdTimeout,
            "DPD timed out: peer is not responsive - declaring peer dead".to_owned(),
        ),
        Event::NegotiationFailed { reason, .. } => (
            Kind::NegotiationFailed(FailureReason::classify(reason)),
            format!("negotiation failed: {reason}"),
        ),
    }
}
