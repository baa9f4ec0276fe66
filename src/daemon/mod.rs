//! The daemon core: `Daemon<K: KernelBackend, T: Transport>`, a synchronous state machine
//! joining the IKE engine (IKEv1 and IKEv2), the kernel backend and the datagram transport
//! (DESIGN §5).
//!
//! Inputs are `handle_*` calls with the current virtual time; the core drains the engine's
//! transmits to the transport, turns its kernel commands into XFRM operations (with each
//! tunnel's reqid / if_id from the plan) and its events into the status report and logs.
//! It never sleeps, never spawns, never reads a clock and never logs key material: the tokio
//! shell (`runtime.rs`) or a simulation drives it.

mod adopt;
mod esp_liveness;
#[cfg(test)]
mod esp_liveness_tests;
#[cfg(test)]
mod failover_tests;
mod kernel;
mod probe;
mod reload;
#[cfg(test)]
mod reload_tests;
#[cfg(test)]
mod restart_tests;
mod routing;
#[cfg(test)]
mod span_tests;
mod spis;
#[cfg(test)]
mod spis_tests;
mod status;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, VecDeque};
use std::net::IpAddr;

use ike::config::TunnelRef;
use ike::crypto::CryptoProvider;
use ike::engine::Engine;
use ike::v2::{Instant, KernelCommand, SpiAllocator};
use policy::{InterfaceKind, Mode as SiteMode, Site};
use xfrm::{KernelBackend, KernelError, KernelEvent, KernelOp, Ownership};

use crate::config_map::MappedTunnel;
use crate::control::{Request, Response, StatusReport};
use crate::plan::Plan;
use crate::transport::Transport;

pub use kernel::TunnelBinding;
pub use probe::{ProbeConfig, Prober};
pub use reload::{ReloadError, ReloadSummary};
pub use routing::ProbeRequest;
pub use spis::{KernelSpis, LarvalSpis, SharedKernel, SpiBinding};
use status::TunnelState;

/// One configured tunnel as the core tracks it.
#[derive(Debug, Clone)]
struct TunnelEntry {
    connection: String,
    name: String,
    local: std::net::IpAddr,
    remote: std::net::IpAddr,
    interface: Option<String>,
    binding: TunnelBinding,
    dpd_enabled: bool,
    state: TunnelState,
    /// The tunnel's key in the compiled routes (route mode).
    route_ref: Option<policy::compile::TunnelRef>,
    /// Liveness prober (route mode with inside addresses).
    prober: Option<Prober>,
    /// Probe source (our inside address) and destination (the peer's).
    probe_addrs: Option<(IpAddr, IpAddr)>,
    /// Removed from the site file by a reload (its index stays reserved).
    removed: bool,
    /// SAs of a previous run of ours, kept until this run has its own.
    adopted: Vec<xfrm::SaId>,
    /// When the adopted SAs go.
    adopted_until: Option<Instant>,
    /// Inbound SPI and packet count at the last ESP liveness read (esp_liveness.rs).
    esp_seen: Option<(u32, u64)>,
}

/// The synchronous daemon core.
#[derive(Debug)]
pub struct Daemon<K: KernelBackend, T: Transport> {
    /// IKEv1 and IKEv2 behind one interface.
    endpoint: Engine,
    kernel: K,
    transport: T,
    plan: Plan,
    tunnels: Vec<TunnelEntry>,
    config_path: Option<String>,
    started: Option<Instant>,
    health: policy::HealthView,
    decision: policy::RouteDecision,
    probes_out: VecDeque<ProbeRequest>,
    /// Observability hook: activity records for the shell (issue 8).
    activity: crate::activity::Recorder,
    /// When inbound ESP counters are next read for DPD (esp_liveness.rs).
    esp_check_at: Option<Instant>,
    /// Larval SAs of the kernel SPI source (none with a counter source).
    larval: LarvalSpis,
}

impl<K: KernelBackend, T: Transport> Daemon<K, T> {
    /// A core for `site` (already planned and mapped); nothing is applied until `start`.
    pub fn new(
        site: &Site,
        plan: Plan,
        mapped: Vec<MappedTunnel>,
        kernel: K,
        transport: T,
        provider: CryptoProvider,
        spis: Box<dyn SpiAllocator>,
    ) -> Self {
        let tunnels = mapped
            .iter()
            .map(|m| tunnel_entry(site, &plan, m))
            .collect();
        let conns = mapped.into_iter().map(|m| m.config).collect();
        // Start from no healthy tunnel: every remote network is blackholed until a tunnel
        // is up (nothing leaks in clear meanwhile).
        let health = policy::HealthView::default();
        let decision = policy::decide(
            &plan.compiled,
            &health,
            &policy::RouteDecision::default(),
            std::time::Duration::ZERO,
        );
        let mut plan = plan;
        plan.desired.routes = crate::plan::decided_routes(&decision, &plan.compiled.interfaces);
        Daemon {
            endpoint: Engine::new(provider, spis, conns),
            kernel,
            transport,
            plan,
            tunnels,
            config_path: None,
            started: None,
            health,
            decision,
            probes_out: VecDeque::new(),
            activity: crate::activity::Recorder::default(),
            esp_check_at: None,
            larval: LarvalSpis::default(),
        }
    }

    /// The larval SAs the engine's SPI source ([`KernelSpis`]) leaves: inbound SAs on those
    /// SPIs are installed with `UpdateSa`, and the ones never completed are deleted.
    pub fn set_larval_spis(&mut self, larval: LarvalSpis) {
        larval.set_bindings(self.spi_bindings());
        self.larval = larval;
    }

    /// Each tunnel's addresses and kernel tags, for [`KernelSpis`].
    pub fn spi_bindings(&self) -> Vec<SpiBinding> {
        self.tunnels
            .iter()
            .map(|t| SpiBinding {
                local: t.local,
                remote: t.remote,
                reqid: t.binding.reqid,
                mark: t.binding.mark,
            })
            .collect()
    }

    /// Deletes larval SAs: those of a failed exchange between `pair` (src, dst) and those
    /// older than `spis::LARVAL_TTL`.
    fn sweep_larval(&mut self, now: Instant, pair: Option<(IpAddr, IpAddr)>) {
        for id in self.larval.drain(now, pair) {
            let op = KernelOp::DelSa(id);
            match self.kernel.apply(&op) {
                Ok(()) => tracing::info!(op = %op, "larval SA removed (SPI never used)"),
                Err(e) if e.is_not_found() => {}
                Err(e) => tracing::warn!(op = %op, error = %e, "larval SA removal failed"),
            }
        }
    }

    /// The site file path shown in `status`.
    pub fn set_config_path(&mut self, path: impl Into<String>) {
        self.config_path = Some(path.into());
    }

    /// The kernel backend (tests inspect it).
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// Mutable kernel backend (tests inject events through it).
    pub fn kernel_mut(&mut self) -> &mut K {
        &mut self.kernel
    }

    /// Start-up: reconcile links, addresses, routes and policies with the plan. Tunnels
    /// with startup=start initiate at the first `handle_timeout` (the engine reports the
    /// epoch from `poll_timeout`).
    pub fn start(&mut self, now: Instant) -> Result<Vec<KernelOp>, KernelError> {
        self.started = Some(now);
        // SAs of a previous run keep their tunnels up (and their routes in place) until
        // the new IKE SAs are there.
        let adopted = self.adopt(now)?;
        if adopted > 0 {
            self.refresh_health(now);
        }
        let ops = self.reconcile()?;
        tracing::info!(
            ops = ops.len(),
            tunnels = self.tunnels.len(),
            "kernel reconciled with the plan"
        );
        Ok(ops)
    }

    /// Brings the kernel to the plan; SAs of live Child SAs are never deleted.
    fn reconcile(&mut self) -> Result<Vec<KernelOp>, KernelError> {
        let live: BTreeSet<u32> = self
            .tunnels
            .iter()
            .flat_map(|t| t.state.children.iter().flat_map(|c| [c.spi_in, c.spi_out]))
            .chain(self.adopted_spis())
            .collect();
        let ops: Vec<KernelOp> = self
            .kernel
            .snapshot()?
            .diff(&self.plan.desired, &self.plan.ownership)
            .into_iter()
            .filter(|op| !matches!(op, KernelOp::DelSa(id) if live.contains(&id.spi)))
            .collect();
        // Batched; deletions only after everything else succeeded (xfrm::apply_diff).
        xfrm::apply_diff(
            &mut self.kernel,
            &ops,
            |op| tracing::info!(op = %op, "reconcile"),
        )?;
        Ok(ops)
    }

    /// Network input: every datagram the transport has waiting.
    pub fn handle_transport(&mut self, now: Instant) {
        loop {
            match self.transport.try_recv() {
                Ok(Some(d)) => self.handle_datagram(now, &d),
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e, "receive failed");
                    break;
                }
            }
        }
    }

    /// Network input: one IKE message.
    pub fn handle_datagram(&mut self, now: Instant, d: &crate::transport::Datagram) {
        // The IKE header starts with the initiator's SPI (RFC 7296 3.1; the IKEv1 initiator
        // cookie likewise): every line logged for this message carries it and the tunnel.
        let spi_i = d
            .payload
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes);
        let tunnel = self
            .tunnels
            .iter()
            .position(|t| !t.removed && t.remote == d.remote.ip() && t.local == d.local.ip())
            .map_or_else(|| "-".to_owned(), |i| self.label(i));
        let span = ike_span(&tunnel, spi_i);
        let _in_span = span.enter();
        self.endpoint
            .handle_datagram(now, d.local, d.remote, &d.payload);
        self.drive(now);
    }

    /// Timer input.
    pub fn handle_timeout(&mut self, now: Instant) {
        // ESP first: traffic seen postpones a liveness check due at this same instant.
        self.esp_liveness(now);
        self.endpoint.handle_timeout(now);
        self.drive(now);
        self.sweep_larval(now, None);
        let downs = self.probe_timeouts(now);
        self.adopt_timeouts(now);
        self.refresh_health(now);
        Self::log_probe_downs(downs);
    }

    /// When `handle_timeout` must next be called (IKE timers, probes, hold-downs).
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.endpoint.poll_timeout(),
            self.routing_timeout(),
            self.adopt_timeout(),
            self.esp_liveness_timeout(),
            self.larval.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Kernel input: every pending kernel event.
    pub fn handle_kernel_events(&mut self, now: Instant) {
        while let Some(ev) = self.kernel.poll_event() {
            self.handle_kernel_event(now, ev);
        }
    }

    /// Kernel input: ACQUIRE → initiate the tunnel, EXPIRE → rekey / delete the Child SA.
    pub fn handle_kernel_event(&mut self, now: Instant, ev: KernelEvent) {
        match ev {
            KernelEvent::Acquire { reqid, if_id, .. } => {
                let found = self.tunnels.iter().position(|t| {
                    reqid.is_some_and(|r| r == t.binding.reqid)
                        || (if_id.is_some() && if_id == t.binding.if_id)
                });
                if let Some(i) = found {
                    let admin_down = self.tunnels.get(i).is_some_and(|t| t.state.admin_down);
                    if !admin_down && self.endpoint.acquire(now, TunnelRef(i as u64)) {
                        tracing::info!(tunnel = %self.label(i), "kernel ACQUIRE: initiating");
                        self.set_negotiating(i);
                    }
                }
            }
            KernelEvent::Expire { id, hard, .. } => {
                tracing::debug!(
                    spi = format_args!("{:#010x}", id.spi),
                    hard,
                    "kernel EXPIRE"
                );
                self.endpoint.expire(now, id.spi, hard);
            }
            KernelEvent::Overflow => tracing::warn!("kernel event overflow"),
            _ => {}
        }
        self.drive(now);
    }

    /// Operator input from the control socket.
    pub fn handle_control(&mut self, now: Instant, req: Request) -> Response {
        let resp = match req {
            Request::Status => Response::Status(self.status(now)),
            Request::Up { connection, tunnel } => {
                let idx = self.select(&connection, tunnel.as_deref());
                if idx.is_empty() {
                    return not_found(&connection, tunnel.as_deref());
                }
                for &i in &idx {
                    if let Some(t) = self.tunnels.get_mut(i) {
                        t.state.admin_down = false;
                    }
                    if self.endpoint.acquire(now, TunnelRef(i as u64)) {
                        tracing::info!(tunnel = %self.label(i), "operator up: initiating");
                        self.set_negotiating(i);
                    }
                }
                Response::Done {
                    message: format!("{} tunnel(s) coming up", idx.len()),
                }
            }
            Request::Down { connection, tunnel } => {
                let idx = self.select(&connection, tunnel.as_deref());
                if idx.is_empty() {
                    return not_found(&connection, tunnel.as_deref());
                }
                for &i in &idx {
                    if let Some(t) = self.tunnels.get_mut(i) {
                        t.state.admin_down = true;
                    }
                    tracing::info!(tunnel = %self.label(i), "operator down");
                    self.endpoint.terminate(now, TunnelRef(i as u64));
                }
                Response::Done {
                    message: format!("{} tunnel(s) going down", idx.len()),
                }
            }
            Request::Rekey {
                connection,
                tunnel,
                ike,
            } => {
                let idx = self.select(&connection, tunnel.as_deref());
                if idx.is_empty() {
                    return not_found(&connection, tunnel.as_deref());
                }
                let what = if ike { "IKE SA" } else { "Child SAs" };
                let mut started = 0usize;
                for &i in &idx {
                    if self.endpoint.rekey(now, TunnelRef(i as u64), ike) {
                        tracing::info!(tunnel = %self.label(i), "operator rekey of the {what}");
                        started += 1;
                    }
                }
                if started == 0 {
                    Response::Error {
                        message: format!("no established tunnel to rekey in {connection}"),
                    }
                } else {
                    Response::Done {
                        message: format!("rekeying the {what} of {started} tunnel(s)"),
                    }
                }
            }
            Request::Stop { .. } => Response::Error {
                message: "stop is handled by the daemon's runtime".into(),
            },
            Request::Reload => Response::Error {
                message: "reload re-reads the site file: send it to the running daemon (xfrmd reload or SIGHUP)".into(),
            },
        };
        self.drive(now);
        resp
    }

    /// Graceful stop, first half: send a Delete for every IKE SA.
    pub fn shutdown(&mut self, now: Instant) {
        for i in 0..self.tunnels.len() {
            self.endpoint.terminate(now, TunnelRef(i as u64));
        }
        self.drive(now);
    }

    /// Graceful stop, second half: remove every kernel object we own.
    pub fn flush(&mut self) -> Result<Vec<KernelOp>, KernelError> {
        for id in self.larval.drain_all() {
            let _ = self.kernel.apply(&KernelOp::DelSa(id));
        }
        let ops = xfrm::flush_owned(&mut self.kernel, &self.plan.ownership)?;
        tracing::info!(ops = ops.len(), "kernel objects removed");
        Ok(ops)
    }

    /// The current plan (its numbers go to the state file on a keep-SAs stop).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Our ownership tags.
    pub fn ownership(&self) -> &Ownership {
        &self.plan.ownership
    }

    fn select(&self, connection: &str, tunnel: Option<&str>) -> Vec<usize> {
        self.tunnels
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                !t.removed && t.connection == connection && tunnel.is_none_or(|n| n == t.name)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// A span for work outside a datagram's span (timers, control requests, kernel events);
    /// inside one, no second span (the datagram's already names the IKE SA).
    fn own_span(&self, tunnel: Option<TunnelRef>, spi_i: Option<u64>) -> tracing::Span {
        if tracing::Span::current()
            .metadata()
            .is_some_and(|m| m.name() == "ike_sa")
        {
            return tracing::Span::none();
        }
        let label = tunnel.map_or_else(
            || "-".to_owned(),
            |t| self.label(usize::try_from(t.0).unwrap_or(usize::MAX)),
        );
        ike_span(&label, spi_i)
    }

    fn label(&self, i: usize) -> String {
        self.tunnels
            .get(i)
            .map(|t| format!("{}/{}", t.connection, t.name))
            .unwrap_or_else(|| format!("#{i}"))
    }

    /// Drains the engine's outputs: transmits, kernel commands, events.
    fn drive(&mut self, now: Instant) {
        loop {
            let mut progress = false;
            while let Some(t) = self.endpoint.poll_transmit() {
                progress = true;
                if let Err(e) = self.transport.send(t.local, t.remote, &t.bytes) {
                    tracing::debug!(remote = %t.remote, error = %e, "send failed");
                }
            }
            while let Some(cmd) = self.endpoint.poll_command() {
                progress = true;
                let span = self.own_span(command_tunnel(&cmd), None);
                let _in_span = span.enter();
                self.command(&cmd);
            }
            while let Some(ev) = self.endpoint.poll_event() {
                progress = true;
                let spi_i = match &ev {
                    ike::v2::Event::IkeSaEstablished { spi_i, .. }
                    | ike::v2::Event::IkeSaClosed { spi_i, .. } => Some(*spi_i),
                    ike::v2::Event::IkeSaRekeyed { new_spi_i, .. } => Some(*new_spi_i),
                    _ => None,
                };
                let span = self.own_span(status::event_tunnel(&ev), spi_i);
                let _in_span = span.enter();
                self.event(now, ev);
            }
            if !progress {
                break;
            }
        }
        self.larval.stamp(now);
        self.refresh_health(now);
    }

    fn command(&mut self, cmd: &KernelCommand) {
        let tunnel = match cmd {
            KernelCommand::InstallChildSa { tunnel, .. }
            | KernelCommand::DeleteChildSa { tunnel, .. } => *tunnel,
        };
        let i = usize::try_from(tunnel.0).unwrap_or(usize::MAX);
        let Some(binding) = self.tunnels.get(i).map(|t| t.binding) else {
            tracing::warn!(tunnel = tunnel.0, "kernel command for an unknown tunnel");
            return;
        };
        let mut op = kernel::op(cmd, &binding);
        match (cmd, op) {
            // An SPI from ALLOCSPI: complete its larval SA (NEWSA would get EEXIST).
            (KernelCommand::InstallChildSa { dst, spi, .. }, KernelOp::AddSa(sa))
                if self.larval.take(*dst, *spi) =>
            {
                op = KernelOp::UpdateSa(sa);
            }
            (KernelCommand::DeleteChildSa { dst, spi, .. }, o) => {
                self.larval.take(*dst, *spi);
                op = o;
            }
            (_, o) => op = o,
        }
        let mut result = self.kernel.apply(&op);
        if let (Err(e), KernelOp::UpdateSa(sa)) = (&result, &op) {
            if e.is_not_found() {
                // The kernel expired the larval SA (xfrm_acq_expires) before the exchange ended.
                tracing::debug!(tunnel = %self.label(i), spi = sa.spi, "larval SA gone, adding");
                op = KernelOp::AddSa(sa.clone());
                result = self.kernel.apply(&op);
            }
        }
        match result {
            Ok(()) => tracing::info!(tunnel = %self.label(i), op = %op, "kernel"),
            Err(e) if e.is_not_found() && op.is_delete() => {
                tracing::debug!(tunnel = %self.label(i), op = %op, "already gone")
            }
            Err(e) => {
                tracing::error!(tunnel = %self.label(i), op = %op, error = %e, "kernel op failed");
                if let Some(t) = self.tunnels.get_mut(i) {
                    t.state.last_error = Some(format!("{op}: {e}"));
                }
            }
        }
    }

    fn set_negotiating(&mut self, i: usize) {
        if let Some(t) = self.tunnels.get_mut(i) {
            if t.state.phase1_state == crate::control::PhaseState::Down {
                t.state.phase1_state = crate::control::PhaseState::Negotiating;
                self.activity.on_initiate(obs_facts(t)); // observability hook
            }
        }
    }

    /// The next activity record for the tunnel activity log and metrics (issue 8).
    pub fn poll_activity(&mut self) -> Option<crate::activity::Record> {
        self.activity.poll()
    }
}

/// What the activity log says about a tunnel besides the event (observability hook).
fn obs_facts(t: &TunnelEntry) -> crate::activity::Facts<'_> {
    crate::activity::Facts {
        connection: &t.connection,
        tunnel: &t.name,
        dpd_enabled: t.dpd_enabled,
        nat_t_detected: t.state.nat,
        ike_phase1_state: t.state.phase1_state,
        ike_phase2_state: t.state.phase2_state,
    }
}

/// The span of one IKE SA's work (DESIGN §5): `ike_sa{tunnel=west/t1 spi_i=...}`.
fn ike_span(tunnel: &str, spi_i: Option<u64>) -> tracing::Span {
    match spi_i {
        Some(s) => tracing::info_span!("ike_sa", tunnel = %tunnel, spi_i = %format!("{s:016x}")),
        None => tracing::info_span!("ike_sa", tunnel = %tunnel),
    }
}

fn command_tunnel(cmd: &KernelCommand) -> Option<TunnelRef> {
    match cmd {
        KernelCommand::InstallChildSa { tunnel, .. }
        | KernelCommand::DeleteChildSa { tunnel, .. } => Some(*tunnel),
    }
}

fn not_found(connection: &str, tunnel: Option<&str>) -> Response {
    Response::Error {
        message: match tunnel {
            Some(t) => format!("no tunnel {connection}/{t}"),
            None => format!("no connection {connection}"),
        },
    }
}

impl<K: KernelBackend, T: Transport> Daemon<K, T> {
    /// The status report (SA counters read from the kernel).
    pub fn status(&mut self, now: Instant) -> StatusReport {
        let uptime = self
            .started
            .map(|s| now.saturating_since(s).as_secs())
            .unwrap_or(0);
        let mut tunnels = Vec::new();
        for i in 0..self.tunnels.len() {
            let Some(t) = self.tunnels.get(i).filter(|t| !t.removed).cloned() else {
                continue;
            };
            let counters =
                status::counters(&mut self.kernel, &t.state, t.local, t.remote, &t.binding);
            let mut st = status::tunnel_status(
                now,
                &t.connection,
                &t.name,
                t.local,
                t.remote,
                t.interface.clone(),
                t.dpd_enabled,
                &t.state,
                counters,
            );
            if let Some(r) = &t.route_ref {
                st.route_active = self.decision.carries(r);
                let healthy = self.health.tunnels.get(r).is_some_and(|h| h.up);
                st.probe = t.prober.as_ref().map(|p| crate::control::ProbeStatus {
                    state: p.state(),
                    rtt_us: p
                        .rtt
                        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
                    sent: p.sent,
                    lost: p.lost_now(now),
                    healthy,
                });
            }
            tunnels.push(st);
        }
        StatusReport {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_seconds: uptime,
            config: self.config_path.clone(),
            tunnels,
        }
    }

    fn event(&mut self, now: Instant, ev: ike::v2::Event) {
        // A failed exchange or a closed IKE SA never completes the SPIs it allocated.
        if let ike::v2::Event::NegotiationFailed {
            tunnel: Some(t), ..
        }
        | ike::v2::Event::IkeSaClosed { tunnel: t, .. } = &ev
        {
            let pair = self
                .tunnels
                .get(usize::try_from(t.0).unwrap_or(usize::MAX))
                .map(|t| (t.remote, t.local));
            if pair.is_some() {
                self.sweep_larval(now, pair);
            }
        }
        let label = status::event_tunnel(&ev).map(|t| self.label(t.0 as usize));
        status::log_event(label.as_deref().unwrap_or("-"), &ev);
        let Some(tref) = status::event_tunnel(&ev) else {
            return;
        };
        if let Some(t) = self
            .tunnels
            .get_mut(usize::try_from(tref.0).unwrap_or(usize::MAX))
        {
            t.state.apply(now, &ev);
            self.activity.on_event(obs_facts(t), &ev); // observability hook
        }
    }
}

/// The core's view of one mapped tunnel: its kernel binding from the plan, its interface,
/// and a prober when it is route-based (probe settings from the site file).
fn tunnel_entry(site: &Site, plan: &Plan, m: &MappedTunnel) -> TunnelEntry {
    let tk = plan
        .tunnels
        .iter()
        .find(|t| t.tunnel.connection == m.connection && t.tunnel.tunnel == m.tunnel);
    let site_t = site
        .connections
        .iter()
        .find(|c| c.name.as_str() == m.connection)
        .and_then(|c| {
            c.tunnels
                .iter()
                .find(|t| t.name.as_str() == m.tunnel)
                .map(|t| (c.mode, t.options.clone()))
        });
    let iface = tk.and_then(|t| {
        plan.compiled
            .interfaces
            .iter()
            .find(|i| i.tunnel == t.tunnel)
    });
    let route_ref = iface.map(|i| i.tunnel.clone());
    let probe_addrs = iface.map(|i| (i.address.addr(), i.peer));
    let prober = match (&site_t, iface) {
        (Some((_, o)), Some(_)) => Some(Prober::new(ProbeConfig {
            interval: std::time::Duration::from_millis(u64::from(o.probe_interval.get())),
            misses: o.probe_misses.get(),
            recover: o.probe_recover.get(),
        })),
        _ => None,
    };
    let id = tk.map(|t| t.if_id).unwrap_or_default();
    let reqid = tk.map(|t| t.reqid).unwrap_or_default();
    let binding = match site_t.as_ref().map(|(mode, o)| (*mode, o.interface)) {
        Some((SiteMode::Route, InterfaceKind::Xfrm)) => TunnelBinding {
            reqid,
            if_id: Some(id),
            mark: None,
        },
        Some((SiteMode::Route, InterfaceKind::Vti)) => TunnelBinding {
            reqid,
            if_id: None,
            mark: Some(id),
        },
        _ => TunnelBinding {
            reqid,
            if_id: None,
            mark: None,
        },
    };
    TunnelEntry {
        connection: m.connection.clone(),
        name: m.tunnel.clone(),
        local: m.config.local.ip(),
        remote: m.config.remote.ip(),
        interface: tk.and_then(|t| t.interface.clone()),
        binding,
        dpd_enabled: !m.config.dpd_delay.is_zero(),
        state: TunnelState::default(),
        route_ref,
        prober,
        probe_addrs,
        removed: false,
        adopted: Vec::new(),
        adopted_until: None,
        esp_seen: None,
    }
}
