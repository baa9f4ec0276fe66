//! Renders a validated [`Site`] back to YAML with every default filled in, for
//! `xfrmd check --effective`. Inline PSKs are printed as `<redacted>` (a `psk_file` path is
//! shown as is). It never prints a secret and never reads files.

use std::collections::BTreeMap;

use crate::raw::{
    RawActivityLog, RawAuth, RawConnection, RawDefaults, RawFile, RawOptions, RawSecret,
    RawSiteInfo, RawTunnel, RawTunnelBase,
};
use crate::site::{Auth, Site, Tunnel, TunnelOptions};

/// The site as YAML with all defaults explicit.
pub fn effective(site: &Site) -> String {
    let raw = to_raw(site);
    serde_saphyr::to_string(&raw).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
}

/// The raw form of a validated site (all options set on every tunnel, no `defaults`).
pub fn to_raw(site: &Site) -> RawFile {
    let connections: BTreeMap<String, RawConnection> = site
        .connections
        .iter()
        .map(|c| {
            let rc = RawConnection {
                remote_networks: c.remote_networks.clone(),
                mode: Some(c.mode),
                tunnels: c.tunnels.iter().map(tunnel).collect(),
            };
            (c.name.to_string(), rc)
        })
        .collect();
    RawFile {
        site: RawSiteInfo {
            name: site.name.to_string(),
            networks: site.networks.clone(),
            transit: Some(site.transit),
            if_id_base: Some(site.if_id_base),
            metrics_listen: Some(
                site.metrics_listen
                    .map_or_else(|| "off".to_owned(), |a| a.to_string()),
            ),
            activity_log: site.activity_log.as_ref().map(|a| RawActivityLog {
                format: Some(a.format),
                dir: a.dir.clone(),
            }),
        },
        defaults: None::<RawDefaults>,
        connections,
    }
}

fn tunnel(t: &Tunnel) -> RawTunnel {
    let side = if t.inside_local == t.inside.first() {
        crate::algo::InsideSide::First
    } else {
        crate::algo::InsideSide::Second
    };
    let auth = match &t.auth {
        Auth::Psk(_) => RawAuth {
            psk: Some(RawSecret::default()),
            ..RawAuth::default()
        },
        Auth::PskFile(f) => RawAuth {
            psk_file: Some(f.clone()),
            ..RawAuth::default()
        },
        Auth::Cert { cert, key, ca } => RawAuth {
            cert: Some(cert.clone()),
            key: Some(key.clone()),
            ca: ca.clone(),
            ..RawAuth::default()
        },
    };
    let base = RawTunnelBase {
        name: t.name.to_string(),
        local: t.local,
        remote: t.remote,
        inside: t.inside.net(),
        inside_side: Some(side),
        auth,
        local_id: Some(t.local_id.clone()),
        remote_id: Some(t.remote_id.clone()),
    };
    RawTunnel::from_parts(base, options(&t.options))
}

fn options(o: &TunnelOptions) -> RawOptions {
    RawOptions {
        ike_versions: Some(o.ike_versions.clone()),
        aggressive: Some(o.aggressive),
        dpd_timeout: Some(o.dpd_timeout.get()),
        dpd_action: Some(o.dpd_action),
        startup: Some(o.startup),
        local_ts: Some(o.local_ts.clone()),
        remote_ts: Some(o.remote_ts.clone()),
        phase1_dh_groups: Some(o.phase1.dh_groups.clone()),
        phase2_dh_groups: Some(o.phase2.dh_groups.clone()),
        phase1_encryption: Some(o.phase1.encryption.clone()),
        phase2_encryption: Some(o.phase2.encryption.clone()),
        phase1_integrity: Some(o.phase1.integrity.clone()),
        phase2_integrity: Some(o.phase2.integrity.clone()),
        phase1_lifetime: Some(o.phase1.lifetime.get()),
        phase2_lifetime: Some(o.phase2.lifetime.get()),
        rekey_margin: Some(o.rekey_margin.get()),
        rekey_fuzz: Some(o.rekey_fuzz.get()),
        replay_window: Some(o.replay_window.get()),
        interface: Some(o.interface),
        mtu: o.mtu.map(|m| m.get()),
        priority: Some(o.priority.get()),
        weight: Some(o.weight.get()),
        preempt: Some(o.preempt),
        hold_down: Some(o.hold_down.get()),
        probe_interval: Some(o.probe_interval.get()),
        probe_misses: Some(o.probe_misses.get()),
        probe_recover: Some(o.probe_recover.get()),
        activity_log: Some(o.activity_log),
    }
}
