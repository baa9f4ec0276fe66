//! Control protocol messages: JSON lines, one request and one response per line.
//!
//! Wire format (stable; unknown fields of `up`/`down` are rejected so typos fail loudly):
//!
//! ```text
//! -> {"request":"status"}
//! <- {"response":"status","version":"0.1.0","uptime_seconds":12,...}   (a StatusReport)
//! -> {"request":"up","connection":"hq","tunnel":"t1"}     ("tunnel" optional: all tunnels)
//! <- {"response":"done","message":"initiating hq/t1"}
//! -> {"request":"down","connection":"hq"}
//! -> {"request":"rekey","connection":"hq","tunnel":"t1","ike":true}   ("ike" false: Child SAs)
//! -> {"request":"reload"}
//! <- {"response":"error","message":"no connection named hq"}
//! ```
//!
//! Only framing and (de)serialisation live here; no I/O.

use serde::{Deserialize, Serialize};

use super::status::StatusReport;

/// Longest request or response line accepted, newline excluded (a status report of a
/// 10,000-tunnel hub fits comfortably).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// What a client asks the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Report every tunnel's state.
    Status,
    /// Bring a connection's tunnels (or one tunnel) up now.
    Up {
        /// Connection name.
        connection: String,
        /// Tunnel name; `None` = every tunnel of the connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tunnel: Option<String>,
    },
    /// Take a connection's tunnels (or one tunnel) down and keep them down until `up`.
    Down {
        /// Connection name.
        connection: String,
        /// Tunnel name; `None` = every tunnel of the connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tunnel: Option<String>,
    },
    /// Rekey a connection's tunnels (or one tunnel) now: the IKE SA with `ike`, else every
    /// Child SA (what the lifetimes do, on demand; for tests and key hygiene).
    Rekey {
        /// Connection name.
        connection: String,
        /// Tunnel name; `None` = every tunnel of the connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tunnel: Option<String>,
        /// The IKE SA (phase 1) instead of the Child SAs.
        #[serde(default)]
        ike: bool,
    },
    /// Re-read the site file and reconcile (as SIGHUP does).
    Reload,
    /// Stop the daemon. With `keep_sas` (a restart), no Delete is sent and the kernel's SAs,
    /// policies, interfaces and routes stay for the next process to adopt.
    Stop {
        /// Keep kernel state for a restart.
        #[serde(default)]
        keep_sas: bool,
    },
}

/// What the daemon answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "response", rename_all = "snake_case")]
pub enum Response {
    /// Answer to [`Request::Status`].
    Status(StatusReport),
    /// The request was accepted; `message` says what happens.
    Done {
        /// Human-readable summary.
        message: String,
    },
    /// The request failed; `message` says why (never contains secrets).
    Error {
        /// Human-readable reason.
        message: String,
    },
}

impl Request {
    /// `CONN` or `CONN/TUNNEL` as typed on the command line, for `up` / `down`; `None`
    /// when a part is empty or there is more than one `/`.
    pub fn target(connection_tunnel: &str) -> Option<(String, Option<String>)> {
        let mut parts = connection_tunnel.split('/');
        let c = parts.next().filter(|c| !c.is_empty())?;
        let t = match parts.next() {
            None => None,
            Some("") => return None,
            Some(t) => Some(t.to_owned()),
        };
        if parts.next().is_some() {
            return None;
        }
        Some((c.to_owned(), t))
    }
}

/// One JSON line (newline included).
pub fn to_line<T: Serialize>(v: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = serde_json::to_vec(v)?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_wire_format() {
        let up = Request::Up {
            connection: "hq".into(),
            tunnel: Some("t1".into()),
        };
        let s = serde_json::to_string(&up).unwrap();
        assert_eq!(s, r#"{"request":"up","connection":"hq","tunnel":"t1"}"#);
        let down: Request =
            serde_json::from_str(r#"{"request":"down","connection":"hq"}"#).unwrap();
        assert_eq!(
            down,
            Request::Down {
                connection: "hq".into(),
                tunnel: None
            }
        );
        assert_eq!(
            serde_json::to_string(&Request::Reload).unwrap(),
            r#"{"request":"reload"}"#
        );
        let typo = r#"{"request":"up","connection":"hq","tunel":"t1"}"#;
        assert!(serde_json::from_str::<Request>(typo).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"request":"reboot"}"#).is_err());
    }

    #[test]
    fn response_wire_format_and_target() {
        let r = Response::Error {
            message: "no".into(),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"response":"error","message":"no"}"#
        );
        assert_eq!(
            Request::target("hq/t1"),
            Some(("hq".into(), Some("t1".into())))
        );
        assert_eq!(Request::target("hq"), Some(("hq".into(), None)));
        for bad in ["", "/t1", "hq/", "hq/t1/x"] {
            assert_eq!(Request::target(bad), None, "{bad}");
        }
        assert_eq!(
            to_line(&Request::Status).unwrap(),
            b"{\"request\":\"status\"}\n"
        );
    }
}
