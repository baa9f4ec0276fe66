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
    /// Run the daemon in the foreground for a site file (until SIGTERM / SIGINT).
    Run {
        /// The site YAML file.
        #[arg(long)]
        config: PathBuf,
        /// Where to open the control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
    /// Validate a site file: print every problem (exit 1) or a one-line summary (exit 0).
    Check {
        /// Also print the site with every default filled in (PSKs redacted).
        #[arg(long)]
        effective: bool,
        /// The site YAML file.
        file: PathBuf,
    },
    /// Print the kernel objects a site file asks for as `ip` commands (dry run, no root).
    Plan {
        /// The site YAML file.
        file: PathBuf,
    },
    /// Show every tunnel's state, algorithms, SPIs, NAT-T and traffic (asks the daemon).
    Status {
        /// Print the report as JSON (the stable, documented format).
        #[arg(long)]
        json: bool,
        /// The daemon's control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
    /// Bring a connection's tunnels (CONN) or one tunnel (CONN/TUNNEL) up now.
    Up {
        /// CONN or CONN/TUNNEL.
        target: String,
        /// The daemon's control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
    /// Take a connection's tunnels (CONN) or one tunnel (CONN/TUNNEL) down until `up`.
    Down {
        /// CONN or CONN/TUNNEL.
        target: String,
        /// The daemon's control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
    /// Make the daemon re-read its site file and reconcile.
    Reload {
        /// The daemon's control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
    /// Stop the daemon (Delete to every peer, kernel objects removed).
    Stop {
        /// Restart mode: send no Delete and leave SAs, policies, interfaces and routes in the
        /// kernel for the next `xfrmd run` to adopt (no traffic is lost in between).
        #[arg(long)]
        keep_sas: bool,
        /// The daemon's control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
}

fn main() -> ExitCode {
    match Args::parse().command {
        Command::Run { config, control } => cli::run::run(&config, &control),
        Command::Check { effective, file } => cli::check::run(&file, effective),
        Command::Plan { file } => cli::plan::run(&file),
        Command::Status { json, control } => cli::status::run(&control, json),
        Command::Up { target, control } => cli::updown::up(&control, &target),
        Command::Down { target, control } => cli::updown::down(&control, &target),
        Command::Reload { control } => cli::updown::reload(&control),
        Command::Stop { keep_sas, control } => cli::updown::stop(&control, keep_sas),
    }
}
