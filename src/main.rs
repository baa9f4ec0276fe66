//! The `xfrmd` binary: command-line entry point. It only parses arguments and dispatches to
//! the subcommand modules in `cli/`; it holds no daemon logic.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// The site file the packaged service runs (`/etc/xfrmd/site.yaml`).
const DEFAULT_CONFIG_PATH: &str = "/etc/xfrmd/site.yaml";

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
    /// Rekey the Child SAs (or with --ike the IKE SA) of CONN or CONN/TUNNEL now.
    Rekey {
        /// CONN or CONN/TUNNEL.
        target: String,
        /// Rekey the IKE SA (IKEv2) or ISAKMP SA (IKEv1) instead of the Child SAs.
        #[arg(long)]
        ike: bool,
        /// The daemon's control socket.
        #[arg(long, default_value = xfrmd::control::DEFAULT_CONTROL_PATH)]
        control: PathBuf,
    },
    /// Print the remote side's configuration for connection CONN (strongSwan, libreswan, a
    /// readable sheet, or the peer's xfrmd site file), with its pre-shared keys.
    GenPeer {
        /// The connection (a key under `connections:`).
        conn: String,
        /// Output format.
        #[arg(long, value_enum)]
        format: cli::gen_peer::Format,
        /// The site YAML file.
        #[arg(long, default_value = DEFAULT_CONFIG_PATH)]
        config: PathBuf,
        /// Only this tunnel of the connection.
        #[arg(long)]
        tunnel: Option<String>,
        /// Write the files (mode 0600) into this directory instead of printing them.
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Write the man page and shell completions generated from these definitions into DIR
    /// (packaging step).
    #[command(hide = true)]
    GenerateAssets {
        /// Output directory.
        dir: PathBuf,
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
        Command::Rekey {
            target,
            ike,
            control,
        } => cli::updown::rekey(&control, &target, ike),
        Command::Reload { control } => cli::updown::reload(&control),
        Command::Stop { keep_sas, control } => cli::updown::stop(&control, keep_sas),
        Command::GenerateAssets { dir } => cli::assets::run(Args::command(), &dir),
        Command::GenPeer {
            conn,
            format,
            config,
            tunnel,
            out_dir,
        } => cli::gen_peer::run(
            &config,
            &conn,
            tunnel.as_deref(),
            format,
            out_dir.as_deref(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn man_page_and_completions_name_every_visible_subcommand() {
        let files = cli::assets::generate(Args::command()).unwrap();
        assert_eq!(files.len(), 4);
        for (name, bytes) in &files {
            // roff escapes hyphens (`gen\-peer`).
            let text = String::from_utf8_lossy(bytes).replace("\\-", "-");
            for sub in ["run", "check", "plan", "status", "gen-peer", "reload"] {
                assert!(text.contains(sub), "{name} lacks {sub}");
            }
        }
        let man = String::from_utf8_lossy(&files[0].1);
        assert!(man.contains(".TH xfrmd 8"), "{man}");
        // Bash completion keeps a case branch for hidden commands; the page must not list it.
        assert!(
            !man.contains("generate"),
            "the man page shows the hidden command"
        );
    }
}
