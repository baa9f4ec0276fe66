//! Engine kernel commands → XFRM operations: an `InstallChildSa` becomes one `AddSa` carrying
//! the tunnel's reqid and if_id (xfrm interface) or mark (VTI) from the plan; a
//! `DeleteChildSa` becomes a `DelSa`.
//!
//! Pure mapping: it never applies anything and never logs; keys move from the engine's
//! `Secret` into the kernel's `Key` without being shown anywhere.

use ike::crypto::kernel::XfrmAlgo;
use ike::v2::KernelCommand;
use xfrm::{Encap, KernelOp, Key, Lifetime, Mark, Mode, Proto, Sa, SaCrypto, SaId};

/// How a tunnel's SAs are tied to its interface and policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelBinding {
    /// reqid of the tunnel's SAs and templates.
    pub reqid: u32,
    /// `Some` for an xfrm interface (route mode).
    pub if_id: Option<u32>,
    /// `Some` for a VTI (route mode, ikey = okey).
    pub mark: Option<u32>,
}

fn crypto(a: &XfrmAlgo) -> SaCrypto {
    match a {
        XfrmAlgo::Aead {
            name,
            key,
            icv_bits,
        } => SaCrypto::Aead {
            name: (*name).to_owned(),
            key: Key::from_slice(key.expose()),
            icv_bits: *icv_bits,
        },
        XfrmAlgo::EncAuth {
            enc_name,
            enc_key,
            auth_name,
            auth_key,
            trunc_bits,
        } => SaCrypto::CryptAuth {
            enc_name: (*enc_name).to_owned(),
            enc_key: Key::from_slice(enc_key.expose()),
            auth_name: (*auth_name).to_owned(),
            auth_key: Key::from_slice(auth_key.expose()),
            trunc_bits: *trunc_bits,
        },
    }
}

/// The exact-match XFRM mark of a VTI-bound tunnel (none for xfrm interfaces).
pub(super) fn mark(b: &TunnelBinding) -> Option<Mark> {
    b.mark.map(|value| Mark {
        value,
        mask: u32::MAX,
    })
}

/// The kernel operation for one engine command.
pub fn op(cmd: &KernelCommand, b: &TunnelBinding) -> KernelOp {
    match cmd {
        KernelCommand::InstallChildSa {
            spi,
            src,
            dst,
            encap,
            algo,
            replay_window,
            esn,
            hard_lifetime,
            byte_limits,
            ..
        } => KernelOp::AddSa(Sa {
            src: *src,
            dst: *dst,
            spi: *spi,
            proto: Proto::Esp,
            mode: Mode::Tunnel,
            reqid: b.reqid,
            if_id: b.if_id,
            mark: mark(b),
            crypto: crypto(algo),
            // RFC 4303 3.4.3: the kernel window is capped at 4096 packets.
            replay_window: (*replay_window).min(4096),
            esn: *esn,
            encap: encap.map(|(sport, dport)| Encap { sport, dport }),
            lifetime: Lifetime {
                hard_seconds: Some(hard_lifetime.as_secs().max(1)),
                soft_bytes: byte_limits.map(|(soft, _)| soft),
                hard_bytes: byte_limits.map(|(_, hard)| hard),
                ..Lifetime::default()
            },
            // Route-based: one family-less SA carries IPv4 and IPv6 inner traffic.
            selector: None,
        }),
        KernelCommand::DeleteChildSa { spi, dst, .. } => KernelOp::DelSa(SaId {
            dst: *dst,
            spi: *spi,
            proto: Proto::Esp,
            mark: mark(b),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ike::crypto::Secret;
    use ike::v2::{ChildSaRef, Direction};
    use std::time::Duration;

    fn install() -> KernelCommand {
        KernelCommand::InstallChildSa {
            child: ChildSaRef(1),
            tunnel: ike::config::TunnelRef(0),
            direction: Direction::Outbound,
            spi: 0xc000_0101,
            src: "192.0.2.1".parse().unwrap(),
            dst: "198.51.100.1".parse().unwrap(),
            mode: ike::v2::Mode::Tunnel,
            encap: Some((4500, 4500)),
            algo: XfrmAlgo::Aead {
                name: "rfc4106(gcm(aes))",
                key: Secret::from_slice(&[7u8; 20]),
                icv_bits: 128,
            },
            replay_window: 10_000,
            esn: false,
            local_ts: vec![],
            remote_ts: vec![],
            hard_lifetime: Duration::from_secs(3600),
            byte_limits: None,
        }
    }

    #[test]
    fn xfrm_interface_binding_sets_reqid_and_if_id() {
        let b = TunnelBinding {
            reqid: 0x7800_0000,
            if_id: Some(4096),
            mark: None,
        };
        let KernelOp::AddSa(sa) = op(&install(), &b) else {
            panic!("not AddSa");
        };
        assert_eq!(
            (sa.reqid, sa.if_id, sa.mark),
            (0x7800_0000, Some(4096), None)
        );
        assert_eq!(sa.spi, 0xc000_0101);
        assert_eq!(sa.replay_window, 4096);
        assert_eq!(
            sa.encap,
            Some(Encap {
                sport: 4500,
                dport: 4500
            })
        );
        assert_eq!(sa.lifetime.hard_seconds, Some(3600));
        assert_eq!(
            (sa.lifetime.soft_bytes, sa.lifetime.hard_bytes),
            (None, None)
        );
        assert!(
            matches!(&sa.crypto, SaCrypto::Aead { key, icv_bits: 128, .. } if key.expose() == [7u8; 20])
        );
        // Keys never reach Debug output.
        assert!(!format!("{sa:?}").contains("7, 7, 7"));
    }

    #[test]
    fn a_negotiated_volume_lifetime_becomes_the_kernel_byte_limits() {
        let mut cmd = install();
        if let KernelCommand::InstallChildSa { byte_limits, .. } = &mut cmd {
            *byte_limits = Some((90_000, 100_000));
        }
        let b = TunnelBinding {
            reqid: 1,
            if_id: Some(1),
            mark: None,
        };
        let KernelOp::AddSa(sa) = op(&cmd, &b) else {
            panic!("not AddSa");
        };
        assert_eq!(sa.lifetime.soft_bytes, Some(90_000));
        assert_eq!(sa.lifetime.hard_bytes, Some(100_000));
        assert_eq!(sa.lifetime.hard_seconds, Some(3600));
    }

    #[test]
    fn vti_binding_uses_the_mark_and_delete_targets_the_sa() {
        let b = TunnelBinding {
            reqid: 0x7800_0001,
            if_id: None,
            mark: Some(4097),
        };
        let KernelOp::AddSa(sa) = op(&install(), &b) else {
            panic!("not AddSa");
        };
        assert_eq!(sa.if_id, None);
        assert_eq!(
            sa.mark,
            Some(Mark {
                value: 4097,
                mask: u32::MAX
            })
        );
        let del = KernelCommand::DeleteChildSa {
            child: ChildSaRef(1),
            tunnel: ike::config::TunnelRef(0),
            direction: Direction::Inbound,
            spi: 0xc000_0100,
            src: "198.51.100.1".parse().unwrap(),
            dst: "192.0.2.1".parse().unwrap(),
        };
        assert_eq!(
            op(&del, &b),
            KernelOp::DelSa(SaId {
                dst: "192.0.2.1".parse().unwrap(),
                spi: 0xc000_0100,
                proto: Proto::Esp,
                mark: sa.mark,
            })
        );
    }
}
