//! The state file a `xfrmd stop --keep-sas` leaves for the next start: which reqid and if_id
//! each tunnel had, so the next process (even with an edited site file) binds the same
//! tunnels to the same kernel objects and adopts their SAs. JSON, no secrets: names and
//! numbers only. It never touches the kernel; a missing or unreadable file means "number
//! the tunnels afresh" (after a crash the numbering of an unchanged file is the same anyway).

use std::path::{Path, PathBuf};

use policy::compile::TunnelRef;
use serde::{Deserialize, Serialize};
use xfrm::{Ownership, RTPROT_XFRMD};

use crate::plan::{Plan, TunnelKernel, REQID_BASE, TUNNEL_SPAN};

/// One tunnel's kernel numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelIds {
    /// Connection name.
    pub connection: String,
    /// Tunnel name.
    pub tunnel: String,
    /// reqid.
    pub reqid: u32,
    /// if_id (or VTI key).
    pub if_id: u32,
}

/// The file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateFile {
    /// Format version.
    pub version: u32,
    /// The site's first if_id.
    pub if_id_base: u32,
    /// Per tunnel.
    pub tunnels: Vec<TunnelIds>,
}

/// Where the state file lives: next to the control socket (`/run/xfrmd/control.state`).
pub fn path_for(control: &Path) -> PathBuf {
    control.with_extension("state")
}

impl StateFile {
    /// The numbers of `plan`.
    pub fn of(plan: &Plan) -> Self {
        StateFile {
            version: 1,
            if_id_base: *plan.ownership.if_ids.start(),
            tunnels: plan
                .tunnels
                .iter()
                .map(|t| TunnelIds {
                    connection: t.tunnel.connection.clone(),
                    tunnel: t.tunnel.tunnel.clone(),
                    reqid: t.reqid,
                    if_id: t.if_id,
                })
                .collect(),
        }
    }

    /// A plan holding only these numbers (the `previous` of `plan::plan_keeping`).
    pub fn as_plan(&self) -> Plan {
        Plan {
            desired: xfrm::DesiredKernel::default(),
            ownership: Ownership {
                reqids: REQID_BASE..=REQID_BASE.saturating_add(TUNNEL_SPAN - 1),
                if_ids: self.if_id_base..=self.if_id_base.saturating_add(TUNNEL_SPAN - 1),
                route_protocol: RTPROT_XFRMD,
            },
            tunnels: self
                .tunnels
                .iter()
                .map(|t| TunnelKernel {
                    tunnel: TunnelRef {
                        connection: t.connection.clone(),
                        tunnel: t.tunnel.clone(),
                    },
                    reqid: t.reqid,
                    if_id: t.if_id,
                    interface: None,
                })
                .collect(),
            compiled: policy::DesiredState::default(),
        }
    }

    /// Writes the file (0600).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())
    }

    /// Reads and removes the file; `None` when absent or unreadable (logged).
    pub fn take(path: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(path).ok()?;
        let _ = std::fs::remove_file(path);
        match serde_json::from_str(&text) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "state file ignored");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_the_numbers_of_every_tunnel() {
        let site = policy::load(include_str!("../examples/hub.yaml"), "hub.yaml").unwrap();
        let plan = crate::plan::plan(&site);
        let dir = std::env::temp_dir().join(format!("xfrmd-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = path_for(&dir.join("control.sock"));
        StateFile::of(&plan).write(&p).unwrap();
        let back = StateFile::take(&p).unwrap();
        assert!(!p.exists(), "taken");
        assert_eq!(back, StateFile::of(&plan));
        // A site with a new first connection keeps the old tunnels' numbers.
        let text = include_str!("../examples/hub.yaml").replace(
            "connections:\n",
            "connections:\n  aaa:\n    remote_networks: [10.99.0.0/16]\n    tunnels:\n      - { name: t1, local: 203.0.113.10, remote: 192.0.2.99, inside: 169.254.99.0/30, inside_side: first, auth: { psk: Aaa.Key.12345 } }\n",
        );
        let site2 = policy::load(&text, "hub.yaml").unwrap_or_else(|d| panic!("{d}"));
        let p2 = crate::plan::plan_keeping(&site2, Some(&back.as_plan()));
        for t in &plan.tunnels {
            let n = p2.tunnels.iter().find(|x| x.tunnel == t.tunnel).unwrap();
            assert_eq!((n.reqid, n.if_id), (t.reqid, t.if_id));
        }
        let new = p2
            .tunnels
            .iter()
            .find(|x| x.tunnel.connection == "aaa")
            .unwrap();
        assert_eq!(new.reqid, REQID_BASE + plan.tunnels.len() as u32);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
