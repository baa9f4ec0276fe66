//! `xfrmd status [--json] [--control PATH]`: asks the running daemon for its
//! [`StatusReport`](xfrmd::control::StatusReport) over the control socket and prints it as
//! a table or, with `--json`, as the stable JSON document (every field is listed in README
//! "Status and metrics"; names match the tunnel activity log). Read-only; never changes state.

use std::path::Path;
use std::process::ExitCode;

use xfrmd::control::{table, ControlClient, Request, Response};

/// Runs the subcommand: exit 0 with the report, 1 when the daemon cannot be asked.
pub fn run(control: &Path, json: bool) -> ExitCode {
    match ControlClient::new(control).request(&Request::Status) {
        Ok(Response::Status(r)) => {
            if json {
                match serde_json::to_string_pretty(&r) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("xfrmd: cannot encode the status: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else {
                print!("{}", table::render(&r));
            }
            ExitCode::SUCCESS
        }
        Ok(Response::Error { message }) => {
            eprintln!("xfrmd: {message}");
            ExitCode::from(1)
        }
        Ok(other) => {
            eprintln!("xfrmd: unexpected answer to status: {other:?}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("xfrmd: {e}");
            ExitCode::from(1)
        }
    }
}
