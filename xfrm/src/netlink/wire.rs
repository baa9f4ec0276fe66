//! `Wire`: the XFRM netlink message type we hand to netlink-proto.
//!
//! It wraps `netlink_packet_xfrm::XfrmMessage` for two reasons (DESIGN §3 traps): several of
//! that crate's parsers slice their fixed header without checking the length and would panic
//! on a short kernel payload, so `deserialize` checks each message type's minimum length
//! first and turns every parse failure into `Wire::Undecodable` (instead of an error that
//! netlink-proto would log with the raw bytes, keys included); and `Debug` prints only the
//! message type, so netlink-proto's message tracing can never print key material. This module
//! also decodes the kernel's extended-ack text, and wipes key bytes from netlink-packet-xfrm's
//! structures when a message is dropped (the raw socket buffers inside netlink-proto are out
//! of our reach). It never panics on kernel input.

use std::fmt;
use std::mem::size_of;

use netlink_packet_core::{
    DecodeError, ErrorMessage, NetlinkDeserializable, NetlinkHeader, NetlinkPayload,
    NetlinkSerializable, ParseableParametrized,
};
use netlink_packet_xfrm::constants::*;
use netlink_packet_xfrm::{
    AsyncEventIdBuffer, UserAcquireBuffer, UserExpireBuffer, UserMappingBuffer,
    UserPolicyDefaultBuffer, UserPolicyExpireBuffer, UserPolicyIdBuffer, UserPolicyInfoBuffer,
    UserReportBuffer, UserSaIdBuffer, UserSaInfoBuffer, UserSpiInfoBuffer, XfrmAttrs, XfrmMessage,
};
use zeroize::Zeroize;

/// An XFRM netlink message, or a kernel message we could not decode.
// Messages are moved once per request/reply; boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Wire {
    /// A decoded (or to-be-sent) message.
    Msg(XfrmMessage),
    /// A message that was too short or failed to parse; never sent.
    Undecodable {
        /// netlink message type.
        message_type: u16,
        /// Why (no payload bytes).
        reason: String,
    },
}

/// Zeroizes the key bytes of SA algorithm attributes (outgoing requests and dump replies).
pub(crate) fn scrub_keys(nlas: &mut [XfrmAttrs]) {
    for a in nlas {
        match a {
            XfrmAttrs::EncryptionAlgAead(x) => x.alg_key.zeroize(),
            XfrmAttrs::EncryptionAlg(x)
            | XfrmAttrs::AuthenticationAlg(x)
            | XfrmAttrs::CompressionAlg(x) => x.alg_key.zeroize(),
            XfrmAttrs::AuthenticationAlgTrunc(x) => x.alg_key.zeroize(),
            _ => {}
        }
    }
}

impl Wire {
    /// Moves the message out, leaving an empty one behind (`Wire` implements `Drop`).
    pub(crate) fn take(&mut self) -> Option<XfrmMessage> {
        match self {
            Wire::Msg(m) => Some(std::mem::replace(m, XfrmMessage::Other((0, Vec::new())))),
            Wire::Undecodable { .. } => None,
        }
    }
}

impl Drop for Wire {
    /// Key bytes in netlink-packet-xfrm's structures are plain `Vec<u8>`s: wipe them.
    fn drop(&mut self) {
        if let Wire::Msg(XfrmMessage::AddSa(m) | XfrmMessage::UpdateSa(m)) = self {
            scrub_keys(&mut m.nlas);
        }
    }
}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wire::Msg(m) => write!(f, "XfrmMessage(type {}, <redacted>)", m.message_type()),
            Wire::Undecodable {
                message_type,
                reason,
            } => {
                write!(f, "Undecodable(type {message_type}: {reason})")
            }
        }
    }
}

/// Minimum payload length of each XFRM message type we may receive.
fn min_len(message_type: u16) -> usize {
    match message_type {
        XFRM_MSG_NEWSA | XFRM_MSG_UPDSA => size_of::<UserSaInfoBuffer>(),
        XFRM_MSG_DELSA | XFRM_MSG_GETSA => size_of::<UserSaIdBuffer>(),
        XFRM_MSG_NEWPOLICY | XFRM_MSG_UPDPOLICY => size_of::<UserPolicyInfoBuffer>(),
        XFRM_MSG_DELPOLICY | XFRM_MSG_GETPOLICY | XFRM_MSG_MIGRATE => {
            size_of::<UserPolicyIdBuffer>()
        }
        XFRM_MSG_ALLOCSPI => size_of::<UserSpiInfoBuffer>(),
        XFRM_MSG_ACQUIRE => size_of::<UserAcquireBuffer>(),
        XFRM_MSG_EXPIRE => size_of::<UserExpireBuffer>(),
        XFRM_MSG_POLEXPIRE => size_of::<UserPolicyExpireBuffer>(),
        XFRM_MSG_MAPPING => size_of::<UserMappingBuffer>(),
        XFRM_MSG_NEWAE | XFRM_MSG_GETAE => size_of::<AsyncEventIdBuffer>(),
        XFRM_MSG_REPORT => size_of::<UserReportBuffer>(),
        XFRM_MSG_FLUSHSA => 1,
        XFRM_MSG_NEWSADINFO | XFRM_MSG_GETSADINFO | XFRM_MSG_NEWSPDINFO | XFRM_MSG_GETSPDINFO => {
            size_of::<u32>()
        }
        XFRM_MSG_SETDEFAULT | XFRM_MSG_GETDEFAULT => size_of::<UserPolicyDefaultBuffer>(),
        _ => 0,
    }
}

impl Wire {
    /// Decodes one payload without ever panicking or failing.
    pub(crate) fn decode(message_type: u16, payload: &[u8]) -> Wire {
        let need = min_len(message_type);
        if payload.len() < need {
            return Wire::Undecodable {
                message_type,
                reason: format!("payload {} bytes, need {need}", payload.len()),
            };
        }
        match XfrmMessage::parse_with_param(payload, message_type) {
            Ok(m) => Wire::Msg(m),
            Err(e) => Wire::Undecodable {
                message_type,
                reason: e.to_string(),
            },
        }
    }
}

impl NetlinkSerializable for Wire {
    fn message_type(&self) -> u16 {
        match self {
            Wire::Msg(m) => m.message_type(),
            Wire::Undecodable { message_type, .. } => *message_type,
        }
    }

    fn buffer_len(&self) -> usize {
        match self {
            Wire::Msg(m) => NetlinkSerializable::buffer_len(m),
            Wire::Undecodable { .. } => 0,
        }
    }

    fn serialize(&self, buffer: &mut [u8]) {
        if let Wire::Msg(m) = self {
            m.serialize(buffer)
        }
    }
}

impl NetlinkDeserializable for Wire {
    type Error = DecodeError;

    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, Self::Error> {
        Ok(Wire::decode(header.message_type, payload))
    }
}

impl From<Wire> for NetlinkPayload<Wire> {
    fn from(w: Wire) -> Self {
        NetlinkPayload::InnerMessage(w)
    }
}

/// NLMSGERR_ATTR_MSG: the extended-ack error string.
const NLMSGERR_ATTR_MSG: u16 = 1;
/// Length of the echoed request header in a capped error (NETLINK_CAP_ACK is set on our
/// request sockets, so the kernel echoes only the header, never our key-bearing payload).
const NLMSG_HDRLEN: usize = 16;

/// The kernel's extended-ack message from an `NLMSG_ERROR` payload, if any.
pub(crate) fn ext_ack_message(err: &ErrorMessage) -> Option<String> {
    let tlvs = err.header.get(NLMSG_HDRLEN..)?;
    let mut rest = tlvs;
    while rest.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([*rest.first()?, *rest.get(1)?]));
        let kind = u16::from_ne_bytes([*rest.get(2)?, *rest.get(3)?]) & 0x3fff;
        if len < 4 || len > rest.len() {
            return None;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let value = rest.get(4..len)?;
            let text = value.split(|b| *b == 0).next().unwrap_or(&[]);
            let s = String::from_utf8_lossy(text).trim().to_string();
            return (!s.is_empty()).then_some(s);
        }
        let aligned = (len + 3) & !3;
        rest = rest.get(aligned..).unwrap_or(&[]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroI32;

    #[test]
    fn short_payloads_never_panic() {
        for t in [
            XFRM_MSG_NEWSA,
            XFRM_MSG_DELSA,
            XFRM_MSG_NEWPOLICY,
            XFRM_MSG_DELPOLICY,
            XFRM_MSG_ALLOCSPI,
            XFRM_MSG_ACQUIRE,
            XFRM_MSG_EXPIRE,
            XFRM_MSG_POLEXPIRE,
            XFRM_MSG_MAPPING,
            XFRM_MSG_NEWAE,
            XFRM_MSG_REPORT,
            XFRM_MSG_FLUSHSA,
            XFRM_MSG_NEWSADINFO,
            XFRM_MSG_GETDEFAULT,
            XFRM_MSG_MIGRATE,
        ] {
            for len in [0usize, 1, 3, 7, 15, 63] {
                let w = Wire::decode(t, &vec![0xffu8; len]);
                if len < min_len(t) {
                    assert!(matches!(w, Wire::Undecodable { .. }), "type {t} len {len}");
                }
            }
        }
    }

    #[test]
    fn debug_never_prints_payload() {
        let w = Wire::decode(XFRM_MSG_FLUSHSA, &[50]);
        assert_eq!(
            format!("{w:?}"),
            format!("XfrmMessage(type {XFRM_MSG_FLUSHSA}, <redacted>)")
        );
    }

    #[test]
    fn extended_ack_text_is_decoded() {
        let mut header = vec![0u8; NLMSG_HDRLEN];
        let msg = b"Requested type not found\0";
        let len = (4 + msg.len()) as u16;
        header.extend_from_slice(&len.to_ne_bytes());
        header.extend_from_slice(&NLMSGERR_ATTR_MSG.to_ne_bytes());
        header.extend_from_slice(msg);
        let mut err = ErrorMessage::default();
        err.code = NonZeroI32::new(-93);
        err.header = header;
        assert_eq!(
            ext_ack_message(&err).as_deref(),
            Some("Requested type not found")
        );
        let mut truncated = ErrorMessage::default();
        truncated.code = NonZeroI32::new(-93);
        truncated.header = vec![0; NLMSG_HDRLEN + 2];
        assert_eq!(ext_ack_message(&truncated), None);
    }
}
