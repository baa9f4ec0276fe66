//! Sample objects for unit tests (test builds only): one tunnel's SAs, policy, link, route.
//!
//! Addresses come from the documentation ranges (RFC 5737); keys are fixed dummy bytes.

use std::net::IpAddr;

use crate::key::Key;
use crate::model::{
    Lifetime, Mode, Policy, PolicyAction, PolicyDir, Proto, Sa, SaCrypto, Selector, Template,
};
use crate::net::{Link, LinkKind, NextHops, Route, RTPROT_XFRMD, RT_TABLE_MAIN};

pub const OUR_REQID: u32 = 0x7800_0001;
pub const OUR_IF_ID: u32 = 0x7800_0001;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn sa(src: &str, dst: &str, spi: u32, reqid: u32) -> Sa {
    Sa {
        src: ip(src),
        dst: ip(dst),
        spi,
        proto: Proto::Esp,
        mode: Mode::Tunnel,
        reqid,
        if_id: Some(OUR_IF_ID),
        mark: None,
        crypto: SaCrypto::Aead {
            name: "rfc4106(gcm(aes))".into(),
            key: Key::from_slice(&[7; 20]),
            icv_bits: 128,
        },
        replay_window: 1024,
        esn: true,
        encap: None,
        lifetime: Lifetime {
            soft_seconds: Some(3000),
            hard_seconds: Some(3600),
            ..Lifetime::default()
        },
        selector: None,
    }
}

pub fn policy(dir: PolicyDir, reqid: u32) -> Policy {
    Policy {
        selector: Selector::nets(
            "10.1.0.0/16".parse().unwrap(),
            "10.2.0.0/16".parse().unwrap(),
        ),
        dir,
        priority: 1000,
        action: PolicyAction::Allow,
        templates: vec![Template {
            src: ip("192.0.2.1"),
            dst: ip("198.51.100.1"),
            proto: Proto::Esp,
            mode: Mode::Tunnel,
            reqid,
            spi: 0,
            optional: false,
        }],
        if_id: None,
        mark: None,
    }
}

pub fn xfrm_link(name: &str, if_id: u32) -> Link {
    Link {
        name: name.into(),
        kind: LinkKind::Xfrm {
            dev: Some("eth0".into()),
            if_id,
        },
        mtu: Some(1400),
        up: true,
    }
}

pub fn route(dst: &str, dev: &str, metric: u32, protocol: u8) -> Route {
    Route {
        dst: dst.parse().unwrap(),
        table: RT_TABLE_MAIN,
        metric,
        protocol,
        pref_src: None,
        nexthops: NextHops::Dev {
            dev: dev.into(),
            via: None,
        },
    }
}

pub fn our_route(dst: &str, dev: &str, metric: u32) -> Route {
    route(dst, dev, metric, RTPROT_XFRMD)
}
