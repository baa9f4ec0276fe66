//! `NetlinkKernel`: the real kernel backend (XFRM + rtnetlink).
//!
//! The `KernelBackend` trait is synchronous (see `ops`), while netlink-proto and rtnetlink
//! are async. So `NetlinkKernel` owns one private OS thread running a current-thread tokio
//! runtime with three netlink sockets: XFRM requests, XFRM events (multicast groups), and
//! rtnetlink. Calls are sent to that thread over a channel and the caller blocks on a
//! one-shot reply; this works from plain threads and from inside the daemon's tokio shell
//! alike (no nested `block_on`). Sockets are opened on the worker thread, which inherits
//! the network namespace of the thread that called [`NetlinkKernel::new`]. A fourth,
//! blocking XFRM socket, used directly on the caller's thread, carries `apply_batch`'s SA
//! and policy requests, many per datagram (`batch`). Events are
//! queued for `poll_event`; [`NetlinkKernel::event_notify`] wakes an async shell.
//! This module never logs message contents.

mod batch;
mod encode;
mod events;
mod rt_link;
mod rt_route;
mod wire;
mod xfrm_client;
mod xfrm_codec;
mod xfrm_codec_policy;

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use futures::StreamExt;
use rtnetlink::Handle;
use tokio::sync::Notify;

use crate::error::{Errno, KernelError, Result};
use crate::model::{SaCounters, SaId, SpiRequest};
use crate::ops::{KernelBackend, KernelEvent, KernelOp};
use crate::state::KernelState;
use batch::BatchSocket;
pub use encode::{encode_alloc_spi, encode_request};
use xfrm_client::XfrmClient;
use xfrm_codec::DecodedSa;

/// A netlink failure before it is tied to an operation.
#[derive(Debug, Clone)]
pub(crate) struct NlError {
    errno: Errno,
    message: Option<String>,
}

impl NlError {
    fn errno(errno: Errno) -> Self {
        NlError {
            errno,
            message: None,
        }
    }

    fn with(mut self, m: impl Into<String>) -> Self {
        self.message = Some(m.into());
        self
    }

    fn into_kernel(self, op: impl Into<String>) -> KernelError {
        KernelError {
            op: op.into(),
            errno: self.errno,
            message: self.message,
        }
    }
}

/// The encoder's verdict on an SA, shared with `MemoryKernel` so both backends refuse the
/// same SAs (EINVAL) before any kernel sees them.
pub(crate) fn check_sa(sa: &crate::model::Sa) -> std::result::Result<(), String> {
    xfrm_codec::sa_to_nl(sa).map(|_| ()).map_err(|e| e.0)
}

impl From<std::io::Error> for NlError {
    fn from(e: std::io::Error) -> Self {
        NlError {
            errno: Errno(e.raw_os_error().unwrap_or(Errno::EIO.0)),
            message: Some(e.to_string()),
        }
    }
}

#[allow(clippy::large_enum_variant)] // one job in flight at a time
#[derive(Debug)]
enum Job {
    AllocSpi(SpiRequest, SyncSender<Result<u32>>),
    Apply(KernelOp, SyncSender<Result<()>>),
    Snapshot(SyncSender<Result<KernelState>>),
    GetSa(SaId, SyncSender<Result<Option<SaCounters>>>),
}

/// The kernel over netlink.
#[derive(Debug)]
pub struct NetlinkKernel {
    jobs: Option<tokio::sync::mpsc::UnboundedSender<Job>>,
    events: Receiver<KernelEvent>,
    notify: Arc<Notify>,
    worker: Option<JoinHandle<()>>,
    batch: BatchSocket,
}

impl NetlinkKernel {
    /// Opens the sockets (in the calling thread's network namespace) and starts the worker.
    pub fn new() -> Result<Self> {
        let batch = BatchSocket::open().map_err(|e| e.into_kernel("open netlink sockets"))?;
        let (jobs_tx, jobs_rx) = tokio::sync::mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::channel();
        let notify = Arc::new(Notify::new());
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let n = Arc::clone(&notify);
        let worker = std::thread::Builder::new()
            .name("xfrmd-netlink".into())
            .spawn(move || worker_main(jobs_rx, ev_tx, n, ready_tx))
            .map_err(|e| NlError::from(e).into_kernel("start netlink worker"))?;
        let ready = ready_rx.recv().unwrap_or_else(|_| {
            Err(NlError::errno(Errno::EIO).into_kernel("start netlink worker"))
        });
        let mut k = NetlinkKernel {
            jobs: Some(jobs_tx),
            events: ev_rx,
            notify,
            worker: Some(worker),
            batch,
        };
        if let Err(e) = ready {
            k.shutdown();
            return Err(e);
        }
        Ok(k)
    }

    /// Notified whenever an event is queued (for the async shell's select loop).
    pub fn event_notify(&self) -> Arc<Notify> {
        Arc::clone(&self.notify)
    }

    /// Runs one job on the worker; `what` names the operation, formatted only on failure.
    fn call<T>(
        &self,
        what: impl Fn() -> String,
        job: impl FnOnce(SyncSender<Result<T>>) -> Job,
    ) -> Result<T> {
        let gone = || {
            NlError::errno(Errno::EIO)
                .with("netlink worker stopped")
                .into_kernel(what())
        };
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs
            .as_ref()
            .ok_or_else(gone)?
            .send(job(tx))
            .map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }

    fn shutdown(&mut self) {
        self.jobs = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for NetlinkKernel {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl KernelBackend for NetlinkKernel {
    fn alloc_spi(&mut self, req: &SpiRequest) -> Result<u32> {
        let what = || format!("allocate SPI {}->{} reqid {}", req.src, req.dst, req.reqid);
        self.call(what, |tx| Job::AllocSpi(*req, tx))
    }

    fn apply(&mut self, op: &KernelOp) -> Result<()> {
        self.call(|| op.to_string(), |tx| Job::Apply(op.clone(), tx))
    }

    /// Executes `ops` in order and returns one result per op, in the same order; a failed op
    /// does not stop the ones after it (like `ip -batch -force`). Runs of consecutive XFRM SA
    /// and policy operations go to the kernel many requests per datagram (up to
    /// [`MAX_PER_DATAGRAM`], bounded by the socket's receive buffer), which executes them one
    /// after the other in op order and acknowledges each: every op still gets its own errno
    /// and extended-ack text. Link, address and route operations (which look up interface
    /// indexes first) are barriers: each runs alone after everything before it has
    /// completed. One call costs one hand-off to the worker thread instead of one per op.
    fn apply_batch(&mut self, ops: &[KernelOp]) -> Vec<Result<()>> {
        let mut out = Vec::with_capacity(ops.len());
        let mut rest = ops;
        while let Some(first) = rest.first() {
            let n = rest.iter().take_while(|o| batch::batchable(o)).count();
            if n == 0 {
                out.push(self.apply(first));
                rest = rest.get(1..).unwrap_or_default();
                continue;
            }
            let (run, tail) = rest.split_at(n);
            out.extend(self.batch.run(run));
            rest = tail;
        }
        out
    }

    fn snapshot(&mut self) -> Result<KernelState> {
        self.call(|| "snapshot".into(), Job::Snapshot)
    }

    fn poll_event(&mut self) -> Option<KernelEvent> {
        self.events.try_recv().ok()
    }

    fn sa_counters(&mut self, id: &SaId) -> Result<Option<SaCounters>> {
        let what = || format!("get SA dst {} spi {:#010x}", id.dst, id.spi);
        self.call(what, |tx| Job::GetSa(*id, tx))
    }
}

fn worker_main(
    mut jobs: tokio::sync::mpsc::UnboundedReceiver<Job>,
    ev_tx: Sender<KernelEvent>,
    notify: Arc<Notify>,
    ready: SyncSender<Result<()>>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(NlError::from(e).into_kernel("start tokio runtime")));
            return;
        }
    };
    rt.block_on(async move {
        let (xfrm, rth) = match open(ev_tx, notify) {
            Ok(x) => x,
            Err(e) => {
                let _ = ready.send(Err(e.into_kernel("open netlink sockets")));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        while let Some(job) = jobs.recv().await {
            match job {
                Job::AllocSpi(req, tx) => {
                    let what = format!("allocate SPI {}->{} reqid {}", req.src, req.dst, req.reqid);
                    let r = xfrm.alloc_spi(&req).await.map_err(|e| e.into_kernel(what));
                    let _ = tx.send(r);
                }
                Job::Apply(op, tx) => {
                    let r = run_op(&xfrm, &rth, &op)
                        .await
                        .map_err(|e| e.into_kernel(op.to_string()));
                    let _ = tx.send(r);
                }
                Job::GetSa(id, tx) => {
                    let what = format!("get SA dst {} spi {:#010x}", id.dst, id.spi);
                    let r = match xfrm.get_sa(&id).await {
                        Ok(Some(mut m)) => {
                            let found = xfrm_codec::sa_from_nl(&m.user_sa_info, &m.nlas);
                            wire::scrub_keys(&mut m.nlas);
                            match found {
                                Some(DecodedSa::Full(i)) => Ok(Some(i.counters)),
                                _ => Ok(None),
                            }
                        }
                        Ok(None) => Ok(None),
                        Err(e) if e.errno == Errno::ESRCH => Ok(None),
                        Err(e) => Err(e.into_kernel(what)),
                    };
                    let _ = tx.send(r);
                }
                Job::Snapshot(tx) => {
                    let r = snapshot(&xfrm, &rth)
                        .await
                        .map_err(|e| e.into_kernel("snapshot"));
                    let _ = tx.send(r);
                }
            }
        }
    });
}

/// Opens the three async sockets and spawns their connections plus the event pump.
fn open(
    ev_tx: Sender<KernelEvent>,
    notify: Arc<Notify>,
) -> std::result::Result<(XfrmClient, Handle), NlError> {
    let (xfrm, conn) = xfrm_client::connect()?;
    tokio::spawn(conn);
    let (ev_conn, mut messages) = xfrm_client::connect_events()?;
    tokio::spawn(ev_conn);
    let (mut rt_conn, rth, _) = rtnetlink::new_connection()?;
    let sock = netlink_proto::sys::AsyncSocket::socket_mut(rt_conn.socket_mut());
    sock.set_ext_ack(true)?;
    sock.set_cap_ack(true)?;
    tokio::spawn(rt_conn);
    tokio::spawn(async move {
        while let Some((msg, _)) = messages.next().await {
            if let Some(ev) = events::event_from(&msg) {
                if ev_tx.send(ev).is_err() {
                    break;
                }
                notify.notify_one();
            }
        }
    });
    Ok((xfrm, rth))
}

async fn run_op(x: &XfrmClient, h: &Handle, op: &KernelOp) -> std::result::Result<(), NlError> {
    match op {
        KernelOp::AddSa(sa) => x.put_sa(sa, false).await,
        KernelOp::UpdateSa(sa) => x.put_sa(sa, true).await,
        KernelOp::DelSa(id) => x.del_sa(id).await,
        KernelOp::AddPolicy(p) => x.put_policy(p, false).await,
        KernelOp::UpdatePolicy(p) => x.put_policy(p, true).await,
        KernelOp::DelPolicy(id) => x.del_policy(id).await,
        KernelOp::AddLink(l) => rt_link::add_link(h, l).await,
        KernelOp::SetLink { name, up, mtu } => rt_link::set_link(h, name, *up, *mtu).await,
        KernelOp::DelLink(name) => rt_link::del_link(h, name).await,
        KernelOp::AddAddress(a) => rt_link::add_address(h, a).await,
        KernelOp::DelAddress(a) => rt_link::del_address(h, a).await,
        KernelOp::AddRoute(r) => rt_route::put_route(h, r, false).await,
        KernelOp::ReplaceRoute(r) => rt_route::put_route(h, r, true).await,
        KernelOp::DelRoute(id) => rt_route::del_route(h, id).await,
    }
}

pub use batch::MAX_PER_DATAGRAM;

async fn snapshot(x: &XfrmClient, h: &Handle) -> std::result::Result<KernelState, NlError> {
    let mut st = KernelState::default();
    for mut m in x.dump_sas().await? {
        let decoded = xfrm_codec::sa_from_nl(&m.user_sa_info, &m.nlas);
        wire::scrub_keys(&mut m.nlas); // the copies now live in zeroizing `Key`s
        match decoded {
            Some(DecodedSa::Full(i)) => st.sas.push(i),
            Some(DecodedSa::Larval(l)) => st.larval.push(l),
            None => {}
        }
    }
    for m in x.dump_policies().await? {
        st.policies.extend(xfrm_codec_policy::policy_from_nl(
            &m.user_policy_info,
            &m.nlas,
        ));
    }
    let links = rt_link::dump_links(h).await?;
    let names = links.iter().map(|(i, l)| (*i, l.name.clone())).collect();
    st.links = links.into_iter().map(|(_, l)| l).collect();
    st.addresses = rt_link::dump_addresses(h, &names).await?;
    st.routes = rt_route::dump_routes(h, &names).await?;
    Ok(st)
}
