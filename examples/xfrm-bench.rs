//! `xfrm-bench`: times installing and removing N ESP SA pairs plus their out/in policies
//! through `NetlinkKernel`, in the calling network namespace.
//!
//! Pair `i` (0-based) is: SA `local -> remote` spi `0x10000000 + i` and SA `remote -> local`
//! spi `0x20000000 + i`, both `rfc4106(gcm(aes))` with a fixed test key, tunnel mode, reqid
//! `1000 + i`, replay window 32, family-less selector; policy `dir out` from `10.1.0.10/32`
//! to `10.(128 + i/256).(i%256).10/32` and policy `dir in` the other way, each with one ESP
//! tunnel template (host selectors, so the kernel keeps every policy in its exact hash
//! instead of the inexact lists and the figures measure the netlink path). `lab/scenarios/bench-xfrm-10k` builds the same objects for `ip -batch`.
//! Ops are built before the clock starts; `--mode single` applies them one `apply` at a time,
//! `--mode batch` (default) in one `KernelBackend::apply_batch` call (NetlinkKernel sends
//! up to 256 requests per datagram and matches each ack to its op). Prints
//! `xfrmd install N pairs S s (MODE)` and/or `xfrmd remove N pairs S s (MODE)` (seconds, 3
//! decimals) and exits non-zero on a kernel error. Never prints key bytes.

use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use ipnet::{IpNet, Ipv4Net};
use xfrm::{
    KernelBackend, KernelOp, Key, Lifetime, Mode, NetlinkKernel, Policy, PolicyAction, PolicyDir,
    Proto, Sa, SaCrypto, Selector, Template,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Phase {
    /// Install, then remove.
    Both,
    /// Install only.
    Install,
    /// Remove only (what `install` created).
    Remove,
}

#[derive(Debug, Parser)]
#[command(about = "Time N SA pairs + policies through NetlinkKernel")]
struct Args {
    /// Number of SA pairs (at most 32768: the selector plan runs out after that).
    #[arg(long, default_value_t = 10_000)]
    pairs: u32,
    /// Local outer address.
    #[arg(long, default_value = "192.0.2.1")]
    local: IpAddr,
    /// Remote outer address.
    #[arg(long, default_value = "198.51.100.1")]
    remote: IpAddr,
    /// What to time.
    #[arg(long, value_enum, default_value = "both")]
    phase: Phase,
    /// Policies only (for kernels without ESP, such as the build machines').
    #[arg(long)]
    no_sas: bool,
    /// `apply` per op, or one `apply_batch` call (many requests per datagram).
    #[arg(long, value_enum, default_value = "batch")]
    mode: ApplyMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ApplyMode {
    /// One blocking `apply` per operation.
    Single,
    /// All operations in one `apply_batch` call.
    Batch,
}

impl ApplyMode {
    fn name(self) -> &'static str {
        match self {
            ApplyMode::Single => "single",
            ApplyMode::Batch => "batch",
        }
    }
}

fn net(a: [u8; 4], len: u8) -> IpNet {
    IpNet::V4(Ipv4Net::new(Ipv4Addr::from(a), len).unwrap_or_default())
}

/// The remote host of pair `i`: 10.(128 + i/256).(i%256).10/32.
fn pair_net(i: u32) -> IpNet {
    let hi = u8::try_from(128 + (i >> 8)).unwrap_or(255);
    let lo = u8::try_from(i & 0xff).unwrap_or(0);
    net([10, hi, lo, 10], 32)
}

fn sa(a: &Args, out: bool, i: u32) -> Sa {
    let (src, dst, base) = if out {
        (a.local, a.remote, 0x1000_0000)
    } else {
        (a.remote, a.local, 0x2000_0000)
    };
    Sa {
        src,
        dst,
        spi: base + i,
        proto: Proto::Esp,
        mode: Mode::Tunnel,
        reqid: 1000 + i,
        if_id: None,
        mark: None,
        // A fixed benchmark key (AES-128 + salt), never used for traffic.
        crypto: SaCrypto::Aead {
            name: "rfc4106(gcm(aes))".into(),
            key: Key::from_slice(&[0x42; 20]),
            icv_bits: 128,
        },
        replay_window: 32,
        esn: false,
        encap: None,
        lifetime: Lifetime::default(),
        selector: None,
    }
}

fn policy(a: &Args, out: bool, i: u32) -> Policy {
    let lan = net([10, 1, 0, 10], 32);
    let (sel, dir, src, dst) = if out {
        (
            Selector::nets(lan, pair_net(i)),
            PolicyDir::Out,
            a.local,
            a.remote,
        )
    } else {
        (
            Selector::nets(pair_net(i), lan),
            PolicyDir::In,
            a.remote,
            a.local,
        )
    };
    Policy {
        selector: sel,
        dir,
        priority: 0,
        action: PolicyAction::Allow,
        templates: vec![Template {
            src,
            dst,
            proto: Proto::Esp,
            mode: Mode::Tunnel,
            reqid: 1000 + i,
            spi: 0,
            optional: false,
        }],
        if_id: None,
        mark: None,
    }
}

fn timed(
    k: &mut NetlinkKernel,
    mode: ApplyMode,
    what: &str,
    n: u32,
    ops: impl Iterator<Item = KernelOp>,
) -> Result<(), String> {
    let ops: Vec<KernelOp> = ops.collect();
    let t = Instant::now();
    match mode {
        ApplyMode::Single => {
            for op in &ops {
                k.apply(op).map_err(|e| e.to_string())?;
            }
        }
        ApplyMode::Batch => {
            let failed: Vec<String> = k
                .apply_batch(&ops)
                .into_iter()
                .filter_map(|r| r.err().map(|e| e.to_string()))
                .collect();
            if let Some(first) = failed.first() {
                return Err(format!("{} op(s) failed, first: {first}", failed.len()));
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!("xfrmd {what} {n} pairs {secs:.3} s ({})", mode.name());
    Ok(())
}

fn main() -> ExitCode {
    let a = Args::parse();
    if a.pairs > 32_768 {
        eprintln!("xfrm-bench: at most 32768 pairs");
        return ExitCode::FAILURE;
    }
    let run = || -> Result<(), String> {
        let mut k = NetlinkKernel::new().map_err(|e| e.to_string())?;
        if a.phase != Phase::Remove {
            let ops = (0..a.pairs).flat_map(|i| {
                let sas = [
                    KernelOp::AddSa(sa(&a, true, i)),
                    KernelOp::AddSa(sa(&a, false, i)),
                ];
                let sas = if a.no_sas { None } else { Some(sas) };
                sas.into_iter().flatten().chain([
                    KernelOp::AddPolicy(policy(&a, true, i)),
                    KernelOp::AddPolicy(policy(&a, false, i)),
                ])
            });
            timed(&mut k, a.mode, "install", a.pairs, ops)?;
        }
        if a.phase != Phase::Install {
            let ops = (0..a.pairs).flat_map(|i| {
                let sas = [
                    KernelOp::DelSa(sa(&a, true, i).id()),
                    KernelOp::DelSa(sa(&a, false, i).id()),
                ];
                let sas = if a.no_sas { None } else { Some(sas) };
                sas.into_iter().flatten().chain([
                    KernelOp::DelPolicy(policy(&a, true, i).id()),
                    KernelOp::DelPolicy(policy(&a, false, i).id()),
                ])
            });
            timed(&mut k, a.mode, "remove", a.pairs, ops)?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xfrm-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
