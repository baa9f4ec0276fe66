//! Translation between the model (`Sa`, `SaId`, selectors) and netlink-packet-xfrm structures
//! (policies are in `xfrm_codec_policy`).
//!
//! Encoding follows iproute2/strongSwan conventions: unset byte/packet limits are XFRM_INF,
//! templates accept every algorithm (`aalgos/ealgos/calgos = ~0`), a replay window above 32
//! or ESN goes in XFRMA_REPLAY_ESN_VAL with the legacy `replay_window` field 0 (the kernel
//! rejects both at once). Decoding is total: anything this model cannot express is skipped
//! or marked `SaCrypto::Unknown`, never a panic. No I/O here.

use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_xfrm::constants::*;
use netlink_packet_xfrm::{
    Address as NlAddr, Alg, AlgAead, AlgAuth, EncapTmpl, Id, LifetimeConfig, Mark as NlMark,
    ReplayEsn, Selector as NlSel, UserSaId, UserSaInfo, XfrmAttrs,
};

use crate::key::Key;
use crate::model::{Encap, Lifetime, Mark, Mode, Proto, Sa, SaCounters, SaCrypto, SaId, Selector};
use crate::state::{InstalledSa, LarvalSa};

/// What an encoder can refuse before talking to the kernel.
#[derive(Debug)]
pub(crate) struct EncodeError(pub String);

pub(crate) fn family(ip: &IpAddr) -> u16 {
    if ip.is_ipv4() {
        AF_INET
    } else {
        AF_INET6
    }
}

pub(crate) fn ip_from(addr: &NlAddr, family: u16) -> Option<IpAddr> {
    match family {
        AF_INET => Some(IpAddr::V4(addr.to_ipv4())),
        AF_INET6 => Some(IpAddr::V6(addr.to_ipv6())),
        _ => None,
    }
}

pub(crate) fn sel_to_nl(s: &Selector) -> NlSel {
    let mut x = NlSel::default();
    x.source_prefix(&s.src.addr(), s.src.prefix_len());
    x.destination_prefix(&s.dst.addr(), s.dst.prefix_len());
    x.proto = s.proto;
    if let Some(p) = s.sport {
        x.sport = p;
        x.sport_mask = 0xffff;
    }
    if let Some(p) = s.dport {
        x.dport = p;
        x.dport_mask = 0xffff;
    }
    x
}

pub(crate) fn sel_from_nl(x: &NlSel) -> Option<Selector> {
    let src = IpNet::new(ip_from(&x.saddr, x.family)?, x.prefixlen_s).ok()?;
    let dst = IpNet::new(ip_from(&x.daddr, x.family)?, x.prefixlen_d).ok()?;
    Some(Selector {
        src: src.trunc(),
        dst: dst.trunc(),
        proto: x.proto,
        sport: (x.sport_mask != 0).then_some(x.sport),
        dport: (x.dport_mask != 0).then_some(x.dport),
    })
}

fn name_bytes(name: &str) -> Result<[u8; 64], EncodeError> {
    let mut out = [0u8; 64];
    let b = name.as_bytes();
    // Must leave room for the terminating NUL the kernel expects.
    let dst = out
        .get_mut(..b.len())
        .filter(|_| b.len() < 64)
        .ok_or_else(|| EncodeError(format!("algorithm name too long: {name}")))?;
    dst.copy_from_slice(b);
    Ok(out)
}

fn name_from(raw: &[u8]) -> String {
    let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(raw.get(..end).unwrap_or(&[])).into_owned()
}

fn inf(v: Option<u64>) -> u64 {
    v.unwrap_or(XFRM_INF)
}

fn finite(v: u64) -> Option<u64> {
    (v != XFRM_INF && v != 0).then_some(v)
}

pub(crate) fn mode_num(m: Mode) -> u8 {
    match m {
        Mode::Transport => XFRM_MODE_TRANSPORT,
        Mode::Tunnel => XFRM_MODE_TUNNEL,
    }
}

pub(crate) fn mode_from(n: u8) -> Option<Mode> {
    match n {
        XFRM_MODE_TRANSPORT => Some(Mode::Transport),
        XFRM_MODE_TUNNEL => Some(Mode::Tunnel),
        _ => None,
    }
}

pub(crate) fn mark_attr(m: &Option<Mark>, nlas: &mut Vec<XfrmAttrs>) {
    if let Some(m) = m {
        nlas.push(XfrmAttrs::Mark(NlMark {
            value: m.value,
            mask: m.mask,
        }));
    }
}

/// XFRM_MSG_NEWSA / UPDSA body for `sa`.
pub(crate) fn sa_to_nl(sa: &Sa) -> Result<(UserSaInfo, Vec<XfrmAttrs>), EncodeError> {
    if sa.if_id == Some(0) {
        return Err(EncodeError(
            "if_id 0 is not an interface id (use None)".into(),
        ));
    }
    if sa.mark == Some(Mark { value: 0, mask: 0 }) {
        return Err(EncodeError("mark 0/0 is no mark (use None)".into()));
    }
    if sa.selector.is_none() && sa.mode != Mode::Tunnel {
        return Err(EncodeError(
            "an SA without selector must be tunnel mode".into(),
        ));
    }
    if sa.src.is_ipv4() != sa.dst.is_ipv4() {
        return Err(EncodeError(
            "SA src and dst are of different families".into(),
        ));
    }
    let mut info = UserSaInfo {
        selector: sa.selector.as_ref().map(sel_to_nl).unwrap_or_default(),
        id: Id {
            daddr: NlAddr::from_ip(&sa.dst),
            spi: sa.spi,
            proto: sa.proto.number(),
        },
        saddr: NlAddr::from_ip(&sa.src),
        reqid: sa.reqid,
        family: family(&sa.dst),
        mode: mode_num(sa.mode),
        ..UserSaInfo::default()
    };
    let lt = &sa.lifetime;
    info.lifetime_cfg = LifetimeConfig {
        soft_byte_limit: inf(lt.soft_bytes),
        hard_byte_limit: inf(lt.hard_bytes),
        soft_packet_limit: inf(lt.soft_packets),
        hard_packet_limit: inf(lt.hard_packets),
        soft_add_expires_seconds: lt.soft_seconds.unwrap_or(0),
        hard_add_expires_seconds: lt.hard_seconds.unwrap_or(0),
        soft_use_expires_seconds: 0,
        hard_use_expires_seconds: 0,
    };
    if sa.selector.is_none() {
        // Keep the selector family-less instead of letting the kernel copy the SA's family.
        info.flags |= XFRM_STATE_AF_UNSPEC;
    }
    let mut nlas = Vec::new();
    match &sa.crypto {
        SaCrypto::Aead {
            name,
            key,
            icv_bits,
        } => nlas.push(XfrmAttrs::EncryptionAlgAead(AlgAead {
            alg_name: name_bytes(name)?,
            alg_key_len: key.bits(),
            alg_icv_len: *icv_bits,
            alg_key: key.expose().to_vec(),
        })),
        SaCrypto::CryptAuth {
            enc_name,
            enc_key,
            auth_name,
            auth_key,
            trunc_bits,
        } => {
            nlas.push(XfrmAttrs::EncryptionAlg(Alg {
                alg_name: name_bytes(enc_name)?,
                alg_key_len: enc_key.bits(),
                alg_key: enc_key.expose().to_vec(),
            }));
            nlas.push(XfrmAttrs::AuthenticationAlgTrunc(AlgAuth {
                alg_name: name_bytes(auth_name)?,
                alg_key_len: auth_key.bits(),
                alg_trunc_len: *trunc_bits,
                alg_key: auth_key.expose().to_vec(),
            }));
        }
        SaCrypto::Unknown => return Err(EncodeError("SA without algorithms".into())),
    }
    if sa.needs_replay_esn() {
        // RFC 4303 3.4.3 window as a bitmap of 32-bit words; the kernel wants
        // replay_window == 0 in xfrm_usersa_info when XFRMA_REPLAY_ESN_VAL is present.
        let words = sa.replay_window.div_ceil(32).max(1);
        if words > 128 {
            return Err(EncodeError(format!(
                "replay window {} > 4096",
                sa.replay_window
            )));
        }
        nlas.push(XfrmAttrs::ReplayStateEsn(ReplayEsn {
            bmp_len: words,
            replay_window: sa.replay_window,
            bmp: vec![0; usize::try_from(words).unwrap_or(0)],
            ..ReplayEsn::default()
        }));
        if sa.esn {
            info.flags |= XFRM_STATE_ESN;
        }
    } else {
        info.replay_window = u8::try_from(sa.replay_window).unwrap_or(32);
    }
    if let Some(e) = sa.encap {
        nlas.push(XfrmAttrs::EncapsulationTemplate(EncapTmpl {
            encap_type: UDP_ENCAP_ESPINUDP,
            encap_sport: e.sport,
            encap_dport: e.dport,
            encap_oa: NlAddr::default(),
        }));
    }
    if let Some(i) = sa.if_id {
        nlas.push(XfrmAttrs::IfId(i));
    }
    mark_attr(&sa.mark, &mut nlas);
    Ok((info, nlas))
}

/// A decoded SA dump entry.
#[allow(clippy::large_enum_variant)] // short-lived, one per dump entry
#[derive(Debug)]
pub(crate) enum DecodedSa {
    Full(InstalledSa),
    Larval(LarvalSa),
}

/// Decodes one SA from a NEWSA message; `None` for SAs this model cannot represent.
pub(crate) fn sa_from_nl(info: &UserSaInfo, nlas: &[XfrmAttrs]) -> Option<DecodedSa> {
    let proto = Proto::from_number(info.id.proto)?;
    let dst = ip_from(&info.id.daddr, info.family)?;
    let src = ip_from(&info.saddr, info.family)?;
    let mut mark = None;
    let (mut aead, mut crypt, mut auth) = (None, None, None);
    let (mut esn_window, mut encap, mut if_id, mut any_alg) = (None, None, None, false);
    for a in nlas {
        match a {
            XfrmAttrs::EncryptionAlgAead(x) => aead = Some(x),
            XfrmAttrs::EncryptionAlg(x) => crypt = Some(x),
            XfrmAttrs::AuthenticationAlgTrunc(x) => auth = Some(x),
            XfrmAttrs::AuthenticationAlg(_) | XfrmAttrs::CompressionAlg(_) => any_alg = true,
            XfrmAttrs::ReplayStateEsn(r) => esn_window = Some(r.replay_window),
            XfrmAttrs::EncapsulationTemplate(e) => {
                encap = Some(Encap {
                    sport: e.encap_sport,
                    dport: e.encap_dport,
                })
            }
            XfrmAttrs::IfId(i) => if_id = Some(*i),
            XfrmAttrs::Mark(m) if m.mask != 0 || m.value != 0 => {
                mark = Some(Mark {
                    value: m.value,
                    mask: m.mask,
                })
            }
            _ => {}
        }
    }
    let id = SaId {
        dst,
        spi: info.id.spi,
        proto,
        mark,
    };
    let crypto = match (aead, crypt, auth) {
        (Some(a), None, None) => SaCrypto::Aead {
            name: name_from(&a.alg_name),
            key: Key::from_slice(&a.alg_key),
            icv_bits: a.alg_icv_len,
        },
        (None, Some(c), Some(a)) => SaCrypto::CryptAuth {
            enc_name: name_from(&c.alg_name),
            enc_key: Key::from_slice(&c.alg_key),
            auth_name: name_from(&a.alg_name),
            auth_key: Key::from_slice(&a.alg_key),
            trunc_bits: a.alg_trunc_len,
        },
        (None, None, None) if !any_alg => {
            return Some(DecodedSa::Larval(LarvalSa {
                id,
                src,
                reqid: info.reqid,
            }))
        }
        _ => SaCrypto::Unknown,
    };
    let cfg = &info.lifetime_cfg;
    let sa = Sa {
        src,
        dst,
        spi: info.id.spi,
        proto,
        mode: mode_from(info.mode)?,
        reqid: info.reqid,
        if_id,
        mark,
        crypto,
        replay_window: esn_window.unwrap_or(u32::from(info.replay_window)),
        esn: info.flags & XFRM_STATE_ESN != 0,
        encap,
        lifetime: Lifetime {
            soft_bytes: finite(cfg.soft_byte_limit),
            hard_bytes: finite(cfg.hard_byte_limit),
            soft_packets: finite(cfg.soft_packet_limit),
            hard_packets: finite(cfg.hard_packet_limit),
            soft_seconds: finite(cfg.soft_add_expires_seconds),
            hard_seconds: finite(cfg.hard_add_expires_seconds),
        },
        selector: match info.selector.family {
            0 => None,
            _ => Some(sel_from_nl(&info.selector)?),
        },
    };
    let counters = SaCounters {
        bytes: info.lifetime_cur.bytes,
        packets: info.lifetime_cur.packets,
        add_time: info.lifetime_cur.add_time,
        use_time: info.lifetime_cur.use_time,
        replay_drops: info.stats.replay,
        integrity_failed: info.stats.integrity_failed,
    };
    Some(DecodedSa::Full(InstalledSa { sa, counters }))
}

/// XFRM_MSG_DELSA / GETSA body for `id`.
pub(crate) fn sa_id_to_nl(id: &SaId) -> (UserSaId, Vec<XfrmAttrs>) {
    let mut nlas = Vec::new();
    mark_attr(&id.mark, &mut nlas);
    let usa = UserSaId {
        daddr: NlAddr::from_ip(&id.dst),
        spi: id.spi,
        family: family(&id.dst),
        proto: id.proto.number(),
    };
    (usa, nlas)
}

#[cfg(test)]
#[path = "xfrm_codec_tests.rs"]
mod tests;
