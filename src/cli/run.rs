//! `xfrmd run`: start the daemon in the foreground. Only argument handling and the exit
//! status live here; the work is `xfrmd::runtime::run`.

use std::path::Path;
use std::process::ExitCode;

/// Runs until SIGTERM / SIGINT; exit 1 with the reason on stderr when it cannot start.
pub fn run(config: &Path, control: &Path) -> ExitCode {
    xfrmd::runtime::init_logging();
    match xfrmd::runtime::run(config, control) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("xfrmd run: {e}");
            ExitCode::FAILURE
        }
    }
}
