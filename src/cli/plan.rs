//! `xfrmd plan FILE`: a dry run. Loads the site file, maps it to kernel objects with
//! [`xfrmd::plan`] and prints them as `ip` command lines, the same objects the daemon
//! reconciles at start-up. Needs no root and never talks to a kernel or a daemon.

use std::path::Path;
use std::process::ExitCode;

/// Text for standard output, or diagnostics for standard error.
pub fn plan_text(src: &str, origin: &str) -> Result<String, String> {
    let site = policy::load(src, origin).map_err(|d| format!("{d}{origin}: not planned\n"))?;
    let p = xfrmd::plan::plan(&site);
    let d = &p.desired;
    let mut out = format!(
        "# xfrmd plan for site {} ({origin}): {} link(s), {} address(es), {} SPD entries, {} route(s); dry run, nothing applied\n",
        site.name,
        d.links.len(),
        d.addresses.len(),
        d.policies.len(),
        d.routes.len(),
    );
    for t in &p.tunnels {
        out.push_str(&format!(
            "# tunnel {}/{}: reqid {:#x}, if_id {:#x}{}\n",
            t.tunnel.connection,
            t.tunnel.tunnel,
            t.reqid,
            t.if_id,
            t.interface
                .as_deref()
                .map(|i| format!(", interface {i}"))
                .unwrap_or_default()
        ));
    }
    out.push_str(&p.render());
    Ok(out)
}

/// Runs the subcommand on a file: exit 0 with the plan, 1 with diagnostics.
pub fn run(file: &Path) -> ExitCode {
    let origin = file.display().to_string();
    let res = match std::fs::read_to_string(file) {
        Ok(src) => plan_text(&src, &origin),
        Err(e) => Err(format!("{origin}: cannot read: {e}\n")),
    };
    match res {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(text) => {
            eprint!("{text}");
            ExitCode::from(1)
        }
    }
}
