//! `xfrmd check [--effective] FILE`: loads a site file with `policy::load_with_warnings`,
//! prints every diagnostic (`file:line:col: path: message (hint: ...)`) and exits 1, or
//! prints a one-line summary (and with `--effective` the site with defaults filled in) and
//! exits 0, with any warnings (`file:line:col: path: warning: ...`) on standard error. It
//! never prints a pre-shared key: diagnostics and the effective view redact them.

use std::path::Path;
use std::process::ExitCode;

/// What `check` prints and its exit status, computed without touching the terminal.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Text for standard output.
    pub stdout: String,
    /// Text for standard error.
    pub stderr: String,
    /// Exit status: 0 valid, 1 problems.
    pub code: u8,
}

/// Checks `src`, read from `origin`.
pub fn check_text(src: &str, origin: &str, effective: bool) -> Outcome {
    match policy::load_with_warnings(src, origin) {
        Err(diags) => Outcome {
            stdout: String::new(),
            stderr: format!(
                "{diags}{origin}: {} problem{}\n",
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            ),
            code: 1,
        },
        Ok((site, warnings)) => {
            let state = policy::compile(&site);
            let tunnels: usize = site.connections.iter().map(|c| c.tunnels.len()).sum();
            let mut stdout = String::new();
            if effective {
                stdout.push_str(&policy::effective(&site));
            }
            stdout.push_str(&format!(
                "{origin}: ok: site {}, {} connection(s), {tunnels} tunnel(s), {} interface(s), {} route(s), {} SPD entries\n",
                site.name,
                site.connections.len(),
                state.interfaces.len(),
                state.routes.len(),
                state.policies.len(),
            ));
            Outcome {
                stdout,
                stderr: warnings.to_string(),
                code: 0,
            }
        }
    }
}

/// Runs the subcommand on a file.
pub fn run(file: &Path, effective: bool) -> ExitCode {
    let origin = file.display().to_string();
    let out = match std::fs::read_to_string(file) {
        Ok(src) => check_text(&src, &origin, effective),
        Err(e) => Outcome {
            stdout: String::new(),
            stderr: format!("{origin}: cannot read: {e}\n"),
            code: 1,
        },
    };
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    ExitCode::from(out.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../examples/west.yaml");

    #[test]
    fn valid_file_prints_summary_and_exits_zero() {
        let out = check_text(GOOD, "west.yaml", false);
        assert_eq!(out.code, 0);
        assert_eq!(
            out.stdout,
            "west.yaml: ok: site west, 1 connection(s), 2 tunnel(s), 2 interface(s), 2 route(s), 12 SPD entries\n"
        );
        assert!(out.stderr.is_empty());
    }

    #[test]
    fn aggressive_mode_is_valid_with_a_warning() {
        // REQUIREMENTS §18 #12: aggressive mode exposes the PSK hash to offline attack.
        let src = GOOD.replace(
            "ike_versions: [ikev2]",
            "ike_versions: [ikev1, ikev2]\n    aggressive: true",
        );
        assert_ne!(src, GOOD);
        let out = check_text(&src, "west.yaml", false);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains(": ok: site west"), "{}", out.stdout);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", out.stderr);
        assert!(
            lines[0].starts_with(
                "west.yaml:13:17: defaults.tunnel.aggressive: warning: aggressive mode"
            ),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("offline"), "{}", lines[0]);
        // The example itself warns about nothing.
        assert!(check_text(GOOD, "west.yaml", false).stderr.is_empty());
    }

    #[test]
    fn ikev1_only_tunnel_with_gcm_phase1_names_tunnel_and_algorithm() {
        let src = GOOD.replace(
            "ike_versions: [ikev2]",
            "ike_versions: [ikev1]\n    phase1_encryption: [aes256-gcm-16]",
        );
        let out = check_text(&src, "west.yaml", false);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr
                .contains("defaults.tunnel.phase1_encryption[0]: aes256-gcm-16 has no IKEv1 form"),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn effective_view_precedes_summary() {
        let out = check_text(GOOD, "west.yaml", true);
        assert_eq!(out.code, 0);
        assert!(out.stdout.starts_with("site:\n"));
        assert!(out.stdout.contains("rekey_margin: 270"));
    }

    #[test]
    fn every_problem_is_printed_and_exit_is_one() {
        let bad = GOOD
            .replace("dpd_timeout: 40", "dpd_timeout: 10")
            .replace("priority: 200", "priority: 70000")
            .replace(
                "{ psk_file: /etc/xfrmd/east-t1.psk }",
                "{ psk: 0Secret_value }",
            );
        let out = check_text(&bad, "west.yaml", false);
        assert_eq!(out.code, 1);
        assert!(out.stdout.is_empty());
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 4, "{}", out.stderr);
        assert!(lines[0].starts_with(
            "west.yaml:13:18: defaults.tunnel.dpd_timeout: 10 is below the minimum 30 seconds"
        ));
        assert!(
            lines[1].starts_with("west.yaml:27:22: connections.east.tunnels[0].auth.psk:"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("west.yaml:39:19: connections.east.tunnels[1].priority: 70000 is above the maximum 65535"));
        assert_eq!(lines[3], "west.yaml: 3 problems");
        assert!(!out.stderr.contains("Secret_value"));
    }
}
