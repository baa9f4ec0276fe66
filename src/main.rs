//! The `xfrmd` binary: command-line entry point. It only parses arguments and dispatches to
//! the subcommand modules in `cli/`; it holds no daemon logic.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// IKEv1/IKEv2 daemon for Linux routers.
#[derive(Debug, Parser)]
#[command(name = "xfrmd", version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a site file: print every problem (exit 1) or a one-line summary (exit 0).
    Check {
        /// Also print the site with every default filled in (PSKs redacted).
        #[arg(long)]
        effective: bool,
        /// The site YAML file.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    match Args::parse().command {
        Command::Check { effective, file } => cli::check::run(&file, effective),
    }
}
