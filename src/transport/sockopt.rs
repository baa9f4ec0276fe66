//! The only `unsafe` in the daemon: socket options that neither `nix` nor `socket2` wrap.
//!
//! `UDP_ENCAP` = `UDP_ENCAP_ESPINUDP` on the NAT-T socket (the kernel then takes ESP-in-UDP
//! off the socket and hands us only IKE and keepalives, RFC 3948), and per-socket IPsec
//! bypass policies (`IP_XFRM_POLICY` / `IPV6_XFRM_POLICY` with an ALLOW policy without
//! templates, one per direction) so our own 0/0 tunnel policies never catch IKE. Each call
//! passes a pointer to a live, correctly sized value; nothing here keeps or returns raw
//! pointers, and nothing here decides when to use these options.
#![allow(unsafe_code)]

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};

/// `UDP_ENCAP_ESPINUDP` from linux/udp.h (draft-ietf-ipsec-udp-encaps-06, i.e. RFC 3948
/// framing with the non-ESP marker); libc does not export it.
pub(crate) const UDP_ENCAP_ESPINUDP: libc::c_int = 2;

/// linux/xfrm.h `XFRM_POLICY_IN` / `XFRM_POLICY_OUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BypassDir {
    /// XFRM_POLICY_IN = 0.
    In = 0,
    /// XFRM_POLICY_OUT = 1.
    Out = 1,
}

/// linux/xfrm.h `xfrm_selector` (56 bytes).
#[repr(C)]
#[derive(Debug, Default)]
struct XfrmSelector {
    daddr: [u8; 16],
    saddr: [u8; 16],
    dport: u16,
    dport_mask: u16,
    sport: u16,
    sport_mask: u16,
    family: u16,
    prefixlen_d: u8,
    prefixlen_s: u8,
    proto: u8,
    ifindex: i32,
    user: u32,
}

/// linux/xfrm.h `xfrm_userpolicy_info` (168 bytes on 64-bit and 32-bit x86 alike, since
/// the u64 lifetime fields align the struct to 8 there; asserted below).
#[repr(C)]
#[derive(Debug, Default)]
struct XfrmUserpolicyInfo {
    sel: XfrmSelector,
    lft: [u64; 8],
    curlft: [u64; 4],
    priority: u32,
    index: u32,
    dir: u8,
    action: u8,
    flags: u8,
    share: u8,
}

const _: () = assert!(size_of::<XfrmSelector>() == 56);
const _: () = assert!(size_of::<XfrmUserpolicyInfo>() == 168);

/// XFRM_INF: no lifetime limit.
const XFRM_INF: u64 = u64::MAX;
/// XFRM_POLICY_ALLOW.
const XFRM_POLICY_ALLOW: u8 = 0;

fn setsockopt_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `fd` is a live descriptor borrowed for the call; the option value points to a
    // c_int on our stack that outlives the call, and its exact size is passed.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&v as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Sets `UDP_ENCAP` = `UDP_ENCAP_ESPINUDP` (SOL_UDP) on a UDP socket.
pub(crate) fn set_udp_encap_espinudp(fd: BorrowedFd<'_>) -> io::Result<()> {
    setsockopt_int(fd, libc::SOL_UDP, libc::UDP_ENCAP, UDP_ENCAP_ESPINUDP)
}

/// Reads back `UDP_ENCAP` (the encapsulation type, 0 = none).
pub(crate) fn udp_encap(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    let mut v: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` is live; `v` and `len` are valid for writes for the whole call and `len`
    // holds the size of `v`, so the kernel writes at most that many bytes.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_UDP,
            libc::UDP_ENCAP,
            (&mut v as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r == 0 {
        Ok(v)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Installs a per-socket IPsec bypass policy for one direction: an ALLOW policy with no
/// templates, which the kernel consults before the SPD, so IKE on this socket is never
/// encrypted or dropped by tunnel policies. Needs CAP_NET_ADMIN.
pub(crate) fn set_ipsec_bypass(fd: BorrowedFd<'_>, v6: bool, dir: BypassDir) -> io::Result<()> {
    let (level, name, family) = if v6 {
        (libc::SOL_IPV6, libc::IPV6_XFRM_POLICY, libc::AF_INET6)
    } else {
        (libc::SOL_IP, libc::IP_XFRM_POLICY, libc::AF_INET)
    };
    let mut p = XfrmUserpolicyInfo::default();
    // The kernel validates the selector family even though a socket policy matches all
    // of the socket's traffic.
    p.sel.family = family as u16;
    p.lft = [XFRM_INF, XFRM_INF, XFRM_INF, XFRM_INF, 0, 0, 0, 0];
    p.dir = dir as u8;
    p.action = XFRM_POLICY_ALLOW;
    // SAFETY: `fd` is live; `p` is a #[repr(C)] image of the kernel's xfrm_userpolicy_info
    // (sizes asserted at compile time), fully initialised, alive for the whole call, and its
    // exact size is passed, so the kernel reads no template past it.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&p as *const XfrmUserpolicyInfo).cast(),
            size_of::<XfrmUserpolicyInfo>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
