//! Observability keys of the `site:` block: `metrics_listen` (the Prometheus endpoint's
//! address, or `off`) and `activity_log` (format and directory of the per-tunnel activity
//! log). Checks values only; it never binds a socket or touches the directory.

use std::net::SocketAddr;

use crate::algo::LogFormat;
use crate::diag::Ctx;
use crate::raw::RawActivityLog;
use crate::site::{ActivityLog, DEFAULT_METRICS_LISTEN};

/// `site.metrics_listen`: absent = the default address, `off` = no endpoint.
pub(super) fn metrics_listen(cx: &mut Ctx, v: Option<&str>) -> Option<SocketAddr> {
    let Some(v) = v else {
        return Some(DEFAULT_METRICS_LISTEN);
    };
    if v.trim() == "off" {
        return None;
    }
    match v.trim().parse::<SocketAddr>() {
        Ok(a) if a.port() != 0 => Some(a),
        Ok(_) => {
            cx.err(
                "site.metrics_listen",
                format!("metrics_listen {v} has port 0"),
                "give a fixed port, e.g. 127.0.0.1:9814",
            );
            None
        }
        Err(_) => {
            cx.err(
                "site.metrics_listen",
                format!("metrics_listen {v:?} is not IP:PORT or off"),
                "use e.g. 127.0.0.1:9814 or [::1]:9814, or off to disable the endpoint",
            );
            None
        }
    }
}

/// `site.activity_log`: absent = no activity log.
pub(super) fn activity_log(cx: &mut Ctx, v: Option<&RawActivityLog>) -> Option<ActivityLog> {
    let v = v?;
    if !v.dir.starts_with('/') || v.dir.contains('\0') {
        cx.err(
            "site.activity_log.dir",
            format!("activity log directory {:?} is not an absolute path", v.dir),
            "use an absolute directory, e.g. /var/log/xfrmd",
        );
        return None;
    }
    Some(ActivityLog {
        format: v.format.unwrap_or(LogFormat::Json),
        dir: v.dir.clone(),
    })
}
