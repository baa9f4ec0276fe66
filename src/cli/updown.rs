//! `xfrmd up CONN[/TUNNEL]`, `xfrmd down CONN[/TUNNEL]`, `xfrmd rekey [--ike] CONN[/TUNNEL]`,
//! `xfrmd reload` and `xfrmd stop`: one control
//! request each; prints the daemon's answer. The daemon decides what happens; this module
//! only sends the request and maps the answer to an exit status.

use std::path::Path;
use std::process::ExitCode;

use xfrmd::control::{ControlClient, Request, Response};

/// Sends `req` and prints the answer: exit 0 on `done`, 1 otherwise.
fn send(control: &Path, req: &Request) -> ExitCode {
    match ControlClient::new(control).request(req) {
        Ok(Response::Done { message }) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Ok(Response::Error { message }) => {
            eprintln!("xfrmd: {message}");
            ExitCode::from(1)
        }
        Ok(other) => {
            eprintln!("xfrmd: unexpected answer: {other:?}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("xfrmd: {e}");
            ExitCode::from(1)
        }
    }
}

fn bad_target(target: &str) -> ExitCode {
    eprintln!("xfrmd: `{target}` is not CONNECTION or CONNECTION/TUNNEL");
    ExitCode::from(2)
}

/// `xfrmd up CONN[/TUNNEL]`.
pub fn up(control: &Path, target: &str) -> ExitCode {
    match Request::target(target) {
        Some((connection, tunnel)) => send(control, &Request::Up { connection, tunnel }),
        None => bad_target(target),
    }
}

/// `xfrmd down CONN[/TUNNEL]`.
pub fn down(control: &Path, target: &str) -> ExitCode {
    match Request::target(target) {
        Some((connection, tunnel)) => send(control, &Request::Down { connection, tunnel }),
        None => bad_target(target),
    }
}

/// `xfrmd rekey [--ike] CONN[/TUNNEL]`.
pub fn rekey(control: &Path, target: &str, ike: bool) -> ExitCode {
    match Request::target(target) {
        Some((connection, tunnel)) => send(
            control,
            &Request::Rekey {
                connection,
                tunnel,
                ike,
            },
        ),
        None => bad_target(target),
    }
}

/// `xfrmd reload`.
pub fn reload(control: &Path) -> ExitCode {
    send(control, &Request::Reload)
}

/// `xfrmd stop [--keep-sas]`.
pub fn stop(control: &Path, keep_sas: bool) -> ExitCode {
    send(control, &Request::Stop { keep_sas })
}
