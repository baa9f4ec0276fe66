//! Human-readable rendering of a [`StatusReport`] for `xfrmd status` (without `--json`).
//!
//! One aligned row per tunnel (states, NAT-T, DPD, uptime, traffic), then indented detail
//! lines with the negotiated algorithms of both phases, the SPIs and the last error. Pure
//! string building; the JSON form is the stable interface, this text is for people.

use std::fmt::Write as _;

use super::status::{StatusReport, TunnelStatus};

/// `1h02m05s`, `4m10s`, `12s`.
pub fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d{h:02}h{m:02}m")
    } else if h > 0 {
        format!("{h}h{m:02}m{s:02}s")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// `512B`, `1.5KiB`, `3.0MiB`, ...
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in UNITS.iter().skip(1) {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1}{unit}")
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn row(t: &TunnelStatus) -> [String; 10] {
    [
        format!("{}/{}", t.connection, t.tunnel),
        t.remote.to_string(),
        t.interface.clone().unwrap_or_else(|| "-".into()),
        t.ike_phase1_state.as_str().to_owned(),
        t.ike_phase2_state.as_str().to_owned(),
        yes_no(t.nat_t_detected).to_owned(),
        yes_no(t.dpd_enabled).to_owned(),
        t.uptime_seconds.map_or_else(|| "-".into(), duration),
        format!("{}/{}p", bytes(t.bytes_in), t.packets_in),
        format!("{}/{}p", bytes(t.bytes_out), t.packets_out),
    ]
}

const HEAD: [&str; 10] = [
    "TUNNEL",
    "REMOTE",
    "INTERFACE",
    "PHASE1",
    "PHASE2",
    "NAT-T",
    "DPD",
    "UPTIME",
    "IN",
    "OUT",
];

fn details(out: &mut String, t: &TunnelStatus) {
    if t.admin_down {
        out.push_str("  administratively down (xfrmd up to start it)\n");
    }
    if let Some(p) = &t.phase1 {
        let integ = p
            .integrity
            .as_deref()
            .map(|i| format!(" {i}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  phase 1: {} {}{integ} DH{}",
            p.ike_version, p.encryption, p.dh_group
        );
    }
    if let Some(p) = &t.phase2 {
        let integ = p
            .integrity
            .as_deref()
            .map(|i| format!(" {i}"))
            .unwrap_or_default();
        let pfs = p
            .dh_group
            .map_or_else(|| " no PFS".into(), |g| format!(" PFS DH{g}"));
        let _ = writeln!(
            out,
            "  phase 2: {}{integ}{pfs}, SPI in {:#010x} out {:#010x}",
            p.encryption, p.spi_in, p.spi_out
        );
    }
    let routes = if t.route_active {
        "carrying traffic"
    } else {
        "not installed"
    };
    match &t.probe {
        Some(p) => {
            let rtt = p
                .rtt_us
                .map_or_else(|| "-".into(), |us| format!("{:.1}ms", us as f64 / 1000.0));
            let state = match p.state {
                super::ProbeState::Unarmed => "unarmed (no answer yet)",
                super::ProbeState::Up => "up",
                super::ProbeState::Down => "down",
            };
            let _ = writeln!(
                out,
                "  health: {}, probes {state}, rtt {rtt}, lost {}/{}; routes: {routes}",
                if p.healthy { "healthy" } else { "unhealthy" },
                p.lost,
                p.sent
            );
        }
        None if !t.route_active => out.push_str("  routes: not installed\n"),
        None => {}
    }
    if let Some(e) = &t.last_error {
        let _ = writeln!(out, "  last error: {e}");
    }
}

/// The whole report as text.
pub fn render(r: &StatusReport) -> String {
    let mut out = format!("xfrmd {}, up {}", r.version, duration(r.uptime_seconds));
    if let Some(c) = &r.config {
        let _ = write!(out, ", config {c}");
    }
    let _ = writeln!(out, ", {} tunnel(s)", r.tunnels.len());
    if r.tunnels.is_empty() {
        return out;
    }
    let rows: Vec<[String; 10]> = r.tunnels.iter().map(row).collect();
    let mut width = HEAD.map(str::len);
    for cells in &rows {
        for (w, c) in width.iter_mut().zip(cells) {
            *w = (*w).max(c.len());
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let w = width.get(i).copied().unwrap_or(0);
            let _ = write!(l, "{c:<w$}  ");
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, &HEAD);
    for (cells, t) in rows.iter().zip(&r.tunnels) {
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        line(&mut out, &refs);
        details(&mut out, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(duration(12), "12s");
        assert_eq!(duration(250), "4m10s");
        assert_eq!(duration(3725), "1h02m05s");
        assert_eq!(duration(90_061), "1d01h01m");
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(1536), "1.5KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0MiB");
        assert_eq!(bytes(u64::MAX), "16.0EiB");
    }
}
