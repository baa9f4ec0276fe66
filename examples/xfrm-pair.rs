//! `xfrm-pair`: one side of a route-based ESP tunnel, installed through `NetlinkKernel` only.
//!
//! No IKE: SPIs and keys come from the command line, so two runs (one per site, with SPIs and
//! keys mirrored) make a working tunnel. `install` creates an xfrm interface bound to an
//! underlying device, the inbound and outbound ESP SAs with that if_id, policies out/in/fwd
//! with 0/0 selectors and the same if_id, a route of the remote LAN into the interface, and
//! sets the interface up. `counters` prints each SA's bytes/packets as read back through the
//! backend (`sa_counters`, XFRM_MSG_GETSA), one line per SA:
//! `spi 0x0000abcd bytes N packets M` (inbound first). `remove` deletes exactly the objects
//! `install` creates for the same arguments. It never prints key bytes and never touches
//! objects it did not create.
//!
//! ```sh
//! xfrm-pair --local 192.0.2.1 --remote 198.51.100.1 --spi-in 0x2001 --spi-out 0x1001 \
//!     --key-in 0x.. --key-out 0x.. --remote-net 10.2.0.0/16 install
//! ```

use std::net::IpAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use xfrm::{
    Encap, KernelBackend, KernelOp, Key, Lifetime, Link, LinkKind, Mode, NetlinkKernel, NextHops,
    Policy, PolicyAction, PolicyDir, Proto, Route, Sa, SaCrypto, Selector, Template, RTPROT_XFRMD,
    RT_TABLE_MAIN,
};

/// ESP algorithm suite of both SAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Suite {
    /// `rfc4106(gcm(aes))`, 128-bit ICV; key = AES key + 4-byte salt (RFC 4106 8.1).
    Gcm,
    /// `cbc(aes)` + `hmac(sha256)` truncated to 128 bits (RFC 4868 2.3); key = AES key
    /// followed by the 32-byte HMAC key.
    #[value(name = "cbc-sha256")]
    CbcSha256,
}

#[derive(Debug, Parser)]
#[command(about = "Install one side of a route-based ESP tunnel through NetlinkKernel")]
struct Args {
    /// Algorithm suite.
    #[arg(long, value_enum, default_value = "gcm")]
    suite: Suite,
    /// UDP 4500 encapsulation (RFC 3948) on both SAs.
    #[arg(long)]
    encap: bool,
    /// Local outer address.
    #[arg(long)]
    local: IpAddr,
    /// Remote outer address.
    #[arg(long)]
    remote: IpAddr,
    /// SPI of the inbound SA (hex with 0x, or decimal).
    #[arg(long, value_parser = parse_u32)]
    spi_in: u32,
    /// SPI of the outbound SA.
    #[arg(long, value_parser = parse_u32)]
    spi_out: u32,
    /// Key of the inbound SA, hex (see --suite for the layout).
    #[arg(long, default_value = "")]
    key_in: String,
    /// Key of the outbound SA, hex.
    #[arg(long, default_value = "")]
    key_out: String,
    /// xfrm interface id of the interface, SAs and policies.
    #[arg(long, default_value_t = 7, value_parser = parse_u32)]
    if_id: u32,
    /// reqid of SAs and templates (default: the if_id).
    #[arg(long, value_parser = parse_u32)]
    reqid: Option<u32>,
    /// Name of the xfrm interface (default: ipsec<if_id>).
    #[arg(long)]
    ifname: Option<String>,
    /// Underlying device of the xfrm interface.
    #[arg(long, default_value = "out0")]
    dev: String,
    /// Remote LAN routed into the interface.
    #[arg(long)]
    remote_net: IpNet,
    /// Metric of that route.
    #[arg(long, default_value_t = 0)]
    metric: u32,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Install interface, SAs, policies and route.
    Install,
    /// Print each SA's counters as the kernel reports them.
    Counters,
    /// Remove what `install` created.
    Remove,
}

fn parse_u32(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|e| format!("{s}: {e}"))
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let h = s.strip_prefix("0x").unwrap_or(s);
    if h.is_empty() || !h.len().is_multiple_of(2) {
        return Err("key must be an even, non-zero number of hex digits".into());
    }
    (0..h.len())
        .step_by(2)
        .map(|i| {
            h.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| "key is not hex".to_string())
        })
        .collect()
}

fn crypto(suite: Suite, hex: &str) -> Result<SaCrypto, String> {
    let mut bytes = parse_hex(hex)?;
    let c = match suite {
        Suite::Gcm => {
            if ![20, 28, 36].contains(&bytes.len()) {
                return Err("gcm key: 16/24/32 bytes of AES key + 4 bytes salt".into());
            }
            SaCrypto::Aead {
                name: "rfc4106(gcm(aes))".into(),
                key: Key::from_slice(&bytes),
                icv_bits: 128,
            }
        }
        Suite::CbcSha256 => {
            let enc_len = bytes.len().saturating_sub(32);
            if ![16, 24, 32].contains(&enc_len) {
                return Err("cbc-sha256 key: 16/24/32 bytes AES key + 32 bytes HMAC key".into());
            }
            let (enc, auth) = bytes.split_at(enc_len);
            SaCrypto::CryptAuth {
                enc_name: "cbc(aes)".into(),
                enc_key: Key::from_slice(enc),
                auth_name: "hmac(sha256)".into(),
                auth_key: Key::from_slice(auth),
                // RFC 4868 2.3: HMAC-SHA-256-128 truncates the ICV to 128 bits.
                trunc_bits: 128,
            }
        }
    };
    bytes.iter_mut().for_each(|b| *b = 0);
    Ok(c)
}

/// Everything one side consists of, in install order.
struct Plan {
    link: Link,
    sa_in: Sa,
    sa_out: Sa,
    policies: Vec<Policy>,
    route: Route,
}

fn plan(a: &Args, with_keys: bool) -> Result<Plan, String> {
    let ifname = a.ifname.clone().unwrap_or(format!("ipsec{}", a.if_id));
    let reqid = a.reqid.unwrap_or(a.if_id);
    let v6 = a.local.is_ipv6();
    if a.remote.is_ipv6() != v6 {
        return Err("--local and --remote must be of the same family".into());
    }
    // RFC 3948 2.1/5.1: ESP in UDP, source and destination port 4500 without a NAT.
    let encap = a.encap.then_some(Encap {
        sport: 4500,
        dport: 4500,
    });
    let (c_in, c_out) = if with_keys {
        (crypto(a.suite, &a.key_in)?, crypto(a.suite, &a.key_out)?)
    } else {
        (SaCrypto::Unknown, SaCrypto::Unknown)
    };
    let sa = |src, dst, spi, crypto| Sa {
        src,
        dst,
        spi,
        proto: Proto::Esp,
        mode: Mode::Tunnel,
        reqid,
        if_id: Some(a.if_id),
        mark: None,
        crypto,
        replay_window: 32,
        esn: false,
        encap,
        lifetime: Lifetime::default(),
        selector: None,
    };
    let tmpl = |src, dst| Template {
        src,
        dst,
        proto: Proto::Esp,
        mode: Mode::Tunnel,
        reqid,
        spi: 0,
        optional: false,
    };
    let policy = |dir, t| Policy {
        selector: Selector::any(v6),
        dir,
        priority: 0,
        action: PolicyAction::Allow,
        templates: vec![t],
        if_id: Some(a.if_id),
        mark: None,
    };
    Ok(Plan {
        link: Link {
            name: ifname.clone(),
            kind: LinkKind::Xfrm {
                dev: Some(a.dev.clone()),
                if_id: a.if_id,
            },
            mtu: None,
            up: false,
        },
        sa_in: sa(a.remote, a.local, a.spi_in, c_in),
        sa_out: sa(a.local, a.remote, a.spi_out, c_out),
        policies: vec![
            policy(PolicyDir::Out, tmpl(a.local, a.remote)),
            policy(PolicyDir::In, tmpl(a.remote, a.local)),
            policy(PolicyDir::Fwd, tmpl(a.remote, a.local)),
        ],
        route: Route {
            dst: a.remote_net.trunc(),
            table: RT_TABLE_MAIN,
            metric: a.metric,
            protocol: RTPROT_XFRMD,
            pref_src: None,
            nexthops: NextHops::Dev {
                dev: ifname,
                via: None,
            },
        },
    })
}

fn install(k: &mut NetlinkKernel, p: Plan) -> Result<(), String> {
    let name = p.link.name.clone();
    let ops = [
        KernelOp::AddLink(p.link),
        KernelOp::SetLink {
            name,
            up: true,
            mtu: None,
        },
        KernelOp::AddSa(p.sa_in),
        KernelOp::AddSa(p.sa_out),
    ]
    .into_iter()
    .chain(p.policies.into_iter().map(KernelOp::AddPolicy))
    .chain([KernelOp::AddRoute(p.route)]);
    for op in ops {
        k.apply(&op).map_err(|e| e.to_string())?;
        println!("installed: {op}");
    }
    Ok(())
}

fn remove(k: &mut NetlinkKernel, p: Plan) -> Result<(), String> {
    let ops = [KernelOp::DelRoute(p.route.id())]
        .into_iter()
        .chain(p.policies.iter().map(|x| KernelOp::DelPolicy(x.id())))
        .chain([
            KernelOp::DelSa(p.sa_in.id()),
            KernelOp::DelSa(p.sa_out.id()),
            KernelOp::DelLink(p.link.name),
        ]);
    let mut failed = 0;
    for op in ops {
        match k.apply(&op) {
            Ok(()) => println!("removed: {op}"),
            Err(e) => {
                failed += 1;
                eprintln!("xfrm-pair: {e}");
            }
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} removal(s) failed"))
    }
}

fn counters(k: &mut NetlinkKernel, p: Plan) -> Result<(), String> {
    for sa in [&p.sa_in, &p.sa_out] {
        match k.sa_counters(&sa.id()).map_err(|e| e.to_string())? {
            Some(c) => println!(
                "spi {:#010x} bytes {} packets {}",
                sa.spi, c.bytes, c.packets
            ),
            None => return Err(format!("no SA with spi {:#010x}", sa.spi)),
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = || -> Result<(), String> {
        let p = plan(&args, matches!(args.cmd, Cmd::Install))?;
        let mut k = NetlinkKernel::new().map_err(|e| e.to_string())?;
        match args.cmd {
            Cmd::Install => install(&mut k, p),
            Cmd::Counters => counters(&mut k, p),
            Cmd::Remove => remove(&mut k, p),
        }
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xfrm-pair: {e}");
            ExitCode::FAILURE
        }
    }
}
