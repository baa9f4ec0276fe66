//! Writes activity log lines to one append-only file per tunnel,
//! `<dir>/<connection>_<tunnel>.log` (the cloud gateways' log stream per tunnel, §10.1).
//! Each line is written with a single `write` on an `O_APPEND` descriptor, so a line is
//! never interleaved with another and `logrotate` with `copytruncate` is safe. It never
//! reads the files back and never writes anything but [`Line`]s.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use policy::LogFormat;

use super::Line;

/// The open activity log.
#[derive(Debug)]
pub struct ActivityLog {
    format: LogFormat,
    dir: PathBuf,
    files: BTreeMap<(String, String), File>,
}

/// A name safe as a path component (site names already are; this is belt and braces).
fn component(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned()
}

impl ActivityLog {
    /// Opens the log in `dir` (created mode 0750 when missing).
    pub fn open(format: LogFormat, dir: &Path) -> io::Result<Self> {
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o750)
                .create(dir)
                .map_err(|e| io::Error::new(e.kind(), format!("create {}: {e}", dir.display())))?;
        }
        Ok(ActivityLog {
            format,
            dir: dir.to_owned(),
            files: BTreeMap::new(),
        })
    }

    /// The file of one tunnel.
    pub fn path(&self, connection: &str, tunnel: &str) -> PathBuf {
        self.dir.join(format!(
            "{}_{}.log",
            component(connection),
            component(tunnel)
        ))
    }

    /// Appends `line` to its tunnel's file.
    pub fn write(&mut self, line: &Line) -> io::Result<()> {
        let key = (line.connection.clone(), line.tunnel.clone());
        if !self.files.contains_key(&key) {
            let path = self.path(&line.connection, &line.tunnel);
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o640)
                .open(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("open {}: {e}", path.display())))?;
            self.files.insert(key.clone(), f);
        }
        let mut text = match self.format {
            LogFormat::Json => line.to_json(),
            LogFormat::Text => line.to_text(),
        };
        text.push('\n');
        match self.files.get_mut(&key) {
            Some(f) => f.write_all(text.as_bytes()),
            None => Ok(()),
        }
    }
}
