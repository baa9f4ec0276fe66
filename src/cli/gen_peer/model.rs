//! The peer's view of one connection: every tunnel of a validated `policy::Site` seen from
//! the other end (outside addresses, IKE identities, inside addresses and traffic selectors
//! swapped), with its pre-shared key resolved from `psk` or `psk_file`. The renderers in the
//! sibling modules only format this view. It never logs; a key leaves this module only inside
//! a [`policy::Psk`] (redacted Debug) and reaches text only in the renderers.

use std::net::IpAddr;

use ipnet::IpNet;
use policy::{Auth, Connection, InterfaceKind, Mode, Psk, Site, TunnelOptions};

/// One tunnel as the peer configures it.
#[derive(Debug, Clone)]
pub struct PeerTunnel {
    /// Tunnel name (same on both ends).
    pub name: String,
    /// The peer's outside address (our `remote`).
    pub local: IpAddr,
    /// Our outside address (the peer's remote).
    pub remote: IpAddr,
    /// The peer's IKE identity (our `remote_id`).
    pub local_id: String,
    /// Our IKE identity (the identity the peer must expect).
    pub remote_id: String,
    /// The inside CIDR.
    pub inside: IpNet,
    /// The peer's inside address (our `inside_remote`).
    pub inside_local: IpAddr,
    /// Our inside address.
    pub inside_remote: IpAddr,
    /// The shared key.
    pub psk: Psk,
    /// The xfrm if_id (or VTI key) the peer uses: the same number this site uses.
    pub if_id: u32,
    /// The peer's tunnel interface name for Linux peers (`xfrm-<our site>-<tunnel>`).
    pub interface: String,
    /// The peer's traffic selectors, local side (our `remote_ts`).
    pub local_ts: Vec<IpNet>,
    /// The peer's traffic selectors, remote side (our `local_ts`).
    pub remote_ts: Vec<IpNet>,
    /// Our resolved options (algorithms, lifetimes, DPD, priority).
    pub options: TunnelOptions,
    /// Whether the peer should initiate: it does when this site only waits (`startup: add`),
    /// with IKEv2 when allowed, else IKEv1 (REQUIREMENTS §5: the customer gateway initiates;
    /// only the `start` of this side is IKEv2 only).
    pub peer_initiates: bool,
}

/// One connection as the peer configures it.
#[derive(Debug, Clone)]
pub struct PeerConnection {
    /// The peer's site name (our connection name).
    pub peer_name: String,
    /// Our site name (the name of the connection on the peer).
    pub our_name: String,
    /// Networks behind the peer (our `remote_networks`).
    pub local_networks: Vec<IpNet>,
    /// Networks the peer routes to us: our networks, plus in transit (hub) mode the remote
    /// networks of our other connections.
    pub remote_networks: Vec<IpNet>,
    /// Route- or policy-based.
    pub mode: Mode,
    /// Tunnels in file order (or only the one asked for).
    pub tunnels: Vec<PeerTunnel>,
}

/// Why the peer's configuration cannot be produced. Never carries a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenError {
    /// No connection of that name.
    #[error("no connection `{0}` in the site file (connections: {1})")]
    NoConnection(String, String),
    /// No tunnel of that name in the connection.
    #[error("connection `{0}` has no tunnel `{1}` (tunnels: {2})")]
    NoTunnel(String, String, String),
    /// The PSK file could not be read or holds an invalid key.
    #[error("{connection}/{tunnel}: psk_file {path}: {reason}")]
    PskFile {
        /// Connection.
        connection: String,
        /// Tunnel.
        tunnel: String,
        /// The file.
        path: String,
        /// Why (never the contents).
        reason: String,
    },
    /// Something the chosen format cannot express.
    #[error("{0}")]
    Unsupported(String),
}

/// Builds the peer's view of connection `conn` (one tunnel if `tunnel` is given); `read`
/// returns a `psk_file`'s contents.
pub fn peer_view(
    site: &Site,
    conn: &str,
    tunnel: Option<&str>,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> Result<PeerConnection, GenError> {
    let c = site
        .connections
        .iter()
        .find(|c| c.name.as_str() == conn)
        .ok_or_else(|| {
            let names: Vec<&str> = site.connections.iter().map(|c| c.name.as_str()).collect();
            GenError::NoConnection(conn.to_owned(), names.join(", "))
        })?;
    if let Some(t) = tunnel {
        if !c.tunnels.iter().any(|x| x.name.as_str() == t) {
            let names: Vec<&str> = c.tunnels.iter().map(|t| t.name.as_str()).collect();
            return Err(GenError::NoTunnel(
                conn.to_owned(),
                t.to_owned(),
                names.join(", "),
            ));
        }
    }
    let plan = xfrmd::plan::plan(site);
    let mut tunnels = Vec::new();
    for t in &c.tunnels {
        if tunnel.is_some_and(|want| want != t.name.as_str()) {
            continue;
        }
        let psk = match &t.auth {
            Auth::Psk(p) => p.clone(),
            Auth::PskFile(path) => {
                let fail = |reason: String| GenError::PskFile {
                    connection: conn.to_owned(),
                    tunnel: t.name.to_string(),
                    path: path.clone(),
                    reason,
                };
                xfrmd::config_map::read_psk_file(path, read).map_err(fail)?
            }
            Auth::Cert { .. } => {
                return Err(GenError::Unsupported(format!(
                "{conn}/{}: certificate authentication: gen-peer writes PSK configurations only",
                t.name
            )))
            }
        };
        let if_id = plan
            .tunnels
            .iter()
            .find(|k| k.tunnel.connection == conn && k.tunnel.tunnel == t.name.as_str())
            .map(|k| k.if_id)
            .unwrap_or(site.if_id_base);
        let o = &t.options;
        tunnels.push(PeerTunnel {
            name: t.name.to_string(),
            local: t.remote,
            remote: t.local,
            local_id: t.remote_id.clone(),
            remote_id: t.local_id.clone(),
            inside: t.inside.net(),
            inside_local: t.inside_remote,
            inside_remote: t.inside_local,
            psk,
            if_id,
            interface: policy::compile::interface_name(o.interface, &site.name, &t.name),
            local_ts: o.remote_ts.clone(),
            remote_ts: o.local_ts.clone(),
            options: o.clone(),
            peer_initiates: o.startup == policy::StartupAction::Add,
        });
    }
    Ok(PeerConnection {
        peer_name: c.name.to_string(),
        our_name: site.name.to_string(),
        local_networks: c.remote_networks.clone(),
        remote_networks: routed_to_us(site, c),
        mode: c.mode,
        tunnels,
    })
}

/// Our networks, plus (transit) the remote networks of our other connections.
fn routed_to_us(site: &Site, c: &Connection) -> Vec<IpNet> {
    let mut nets = site.networks.clone();
    if site.transit {
        for other in site.connections.iter().filter(|o| o.name != c.name) {
            for n in &other.remote_networks {
                if !nets.contains(n) {
                    nets.push(*n);
                }
            }
        }
    }
    nets
}

impl PeerTunnel {
    /// Whether the tunnel speaks IKEv1 only (the peer is configured for IKEv1).
    pub fn ikev1_only(&self) -> bool {
        let v = &self.options.ike_versions;
        v.contains(&policy::IkeVersion::Ikev1) && !v.contains(&policy::IkeVersion::Ikev2)
    }

    /// Whether this tunnel's device is a VTI (else an xfrm interface).
    pub fn is_vti(&self) -> bool {
        self.options.interface == InterfaceKind::Vti
    }
    /// The inside prefix length (30 or 126).
    pub fn inside_prefix(&self) -> u8 {
        self.inside.prefix_len()
    }
}

/// How an identity string is typed (RFC 7296 3.5): IP address, RFC 822 address or FQDN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// ID_IPV4_ADDR / ID_IPV6_ADDR.
    Ip,
    /// ID_RFC822_ADDR (`user@host`).
    Rfc822,
    /// ID_FQDN.
    Fqdn,
}

/// The kind xfrmd gives an identity string (same rule as `config_map::identification`).
pub fn id_kind(id: &str) -> IdKind {
    if id.parse::<IpAddr>().is_ok() {
        IdKind::Ip
    } else if id.contains('@') {
        IdKind::Rfc822
    } else {
        IdKind::Fqdn
    }
}

impl PeerConnection {
    /// Pairs of tunnels with the same identities but different keys: IKE daemons that look
    /// PSKs up by identity (strongSwan, libreswan) cannot tell them apart.
    pub fn ambiguous_keys(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for (i, a) in self.tunnels.iter().enumerate() {
            for b in self.tunnels.iter().skip(i + 1) {
                if a.local_id == b.local_id && a.remote_id == b.remote_id && a.psk != b.psk {
                    out.push((a.name.as_str(), b.name.as_str()));
                }
            }
        }
        out
    }

    /// A comment line per [`Self::ambiguous_keys`] pair (empty when there is none).
    pub fn ambiguity_note(&self) -> String {
        self.ambiguous_keys()
            .iter()
            .map(|(a, b)| {
                format!(
                    "# WARNING: tunnels {a} and {b} use the same IKE identities with different keys;\n\
                     # this daemon picks a PSK by identity, so give each tunnel its own local_id/remote_id\n\
                     # (or the same key) on {}.\n",
                    self.our_name
                )
            })
            .collect()
    }
}
