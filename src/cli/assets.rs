//! `xfrmd generate-assets DIR` (hidden): writes the packaging files generated from the clap
//! definitions, so they never drift from the binary: the man page `man/xfrmd.8` and shell
//! completions `completions/xfrmd.bash`, `completions/_xfrmd` (zsh), `completions/xfrmd.fish`.
//! scripts/build-deb calls it before `cargo deb`. It writes only under DIR.

use std::path::Path;
use std::process::ExitCode;

use clap_complete::Shell;

/// The generated files as (relative path, contents).
pub fn generate(mut cmd: clap::Command) -> std::io::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut man = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .section("8")
        .manual("System Manager's Manual")
        .render(&mut man)?;
    out.push(("man/xfrmd.8", man));
    for (shell, name) in [
        (Shell::Bash, "completions/xfrmd.bash"),
        (Shell::Zsh, "completions/_xfrmd"),
        (Shell::Fish, "completions/xfrmd.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "xfrmd", &mut buf);
        out.push((name, buf));
    }
    Ok(out)
}

/// Writes the files under `dir`.
pub fn run(cmd: clap::Command, dir: &Path) -> ExitCode {
    let res = generate(cmd).and_then(|files| {
        for (rel, bytes) in files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
            println!("{}", path.display());
        }
        Ok(())
    });
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xfrmd generate-assets: {}: {e}", dir.display());
            ExitCode::from(1)
        }
    }
}
