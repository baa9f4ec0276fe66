//! Diagnostics: every problem `load` finds, each with the YAML path, the line and column
//! where it is written, a message and a hint on how to fix it. The collector `Ctx` turns a
//! path into a position through the [`LocIndex`]. Warnings (a valid but risky choice) are
//! collected the same way, apart from the problems, and never make a file invalid.
//! Diagnostics never carry secret values: callers pass messages built from PSK error kinds,
//! never from the key itself.

use std::fmt;

use crate::locate::{LocIndex, Pos};

/// One problem in a site file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name or other origin label given to `load`.
    pub origin: String,
    /// YAML path, e.g. `connections.east.tunnels[0].dpd_timeout` (empty: the whole file).
    pub path: String,
    /// 1-based line (0: unknown).
    pub line: u32,
    /// 1-based column (0: unknown).
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.origin)?;
        if self.line > 0 {
            write!(f, "{}:{}:", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, " {}:", self.path)?;
        }
        write!(f, " {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// All problems found in one file, sorted by position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Iterates the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A problem recorded during validation, located when the collector finishes.
#[derive(Debug)]
struct Pending {
    path: String,
    at: At,
    message: String,
    hint: String,
}

#[derive(Debug)]
enum At {
    Value,
    Pos(Option<Pos>),
}

/// Collects diagnostics while validating one file. Positions are looked up only when there
/// is something to report: the path → line index is built lazily, so a valid file is parsed
/// once.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    origin: String,
    src: &'a str,
    index: Option<LocIndex>,
    diags: Vec<Pending>,
    warns: Vec<Pending>,
}

impl<'a> Ctx<'a> {
    /// A collector for `src`, read from `origin`.
    pub fn new(origin: &str, src: &'a str) -> Ctx<'a> {
        Ctx {
            origin: origin.to_owned(),
            src,
            index: None,
            diags: Vec::new(),
            warns: Vec::new(),
        }
    }

    /// Records a problem with the value at `path`.
    pub fn err(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.push(path, At::Value, message.into(), hint.into());
    }

    /// Records a warning about the (valid) value at `path`; its message is shown after
    /// `warning: `.
    pub fn warn(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.warns.push(Pending {
            path: path.to_owned(),
            at: At::Value,
            message: format!("warning: {}", message.into()),
            hint: hint.into(),
        });
    }

    /// Records a problem at a known position.
    pub fn push_at(&mut self, path: &str, pos: Option<Pos>, message: String, hint: String) {
        self.push(path, At::Pos(pos), message, hint);
    }

    fn push(&mut self, path: &str, at: At, message: String, hint: String) {
        self.diags.push(Pending {
            path: path.to_owned(),
            at,
            message,
            hint,
        });
    }

    /// The location index (built on first use).
    pub fn index(&mut self) -> &LocIndex {
        let src = self.src;
        self.index.get_or_insert_with(|| LocIndex::build(src))
    }

    /// Number of problems so far.
    pub fn count(&self) -> usize {
        self.diags.len()
    }

    /// The problems, located, deduplicated (a bad `defaults.tunnel` value is seen once per
    /// tunnel) and sorted by position.
    pub fn finish(self) -> Diagnostics {
        self.finish_all().0
    }

    /// The problems and the warnings, each located, deduplicated and sorted like `finish`.
    pub fn finish_all(mut self) -> (Diagnostics, Diagnostics) {
        let problems = std::mem::take(&mut self.diags);
        let warnings = std::mem::take(&mut self.warns);
        let problems = self.locate(problems);
        (problems, self.locate(warnings))
    }

    fn locate(&mut self, pending: Vec<Pending>) -> Diagnostics {
        let mut d: Vec<Diagnostic> = Vec::with_capacity(pending.len());
        for p in pending {
            let pos = match p.at {
                At::Value => self.index().find(&p.path),
                At::Pos(pos) => pos,
            }
            .unwrap_or(Pos { line: 0, column: 0 });
            d.push(Diagnostic {
                origin: self.origin.clone(),
                path: p.path,
                line: pos.line,
                column: pos.column,
                message: p.message,
                hint: (!p.hint.is_empty()).then_some(p.hint),
            });
        }
        // Safety net for malformed files: a PSK that ended up inside a key or a message is
        // still never printed (see `secret_words`).
        let secrets = if d.is_empty() {
            Vec::new()
        } else {
            secret_words(self.src)
        };
        for x in &mut d {
            for w in &secrets {
                for field in [&mut x.path, &mut x.message] {
                    if field.contains(w.as_str()) {
                        *field = field.replace(w.as_str(), "<redacted>");
                    }
                }
                if let Some(h) = &mut x.hint {
                    if h.contains(w.as_str()) {
                        *h = h.replace(w.as_str(), "<redacted>");
                    }
                }
            }
        }
        d.sort_by(|a, b| {
            (a.line, a.column, &a.path, &a.message).cmp(&(b.line, b.column, &b.path, &b.message))
        });
        d.dedup();
        Diagnostics(d)
    }
}

/// Words that may be (part of) an inline PSK, found by text rather than structure so that a
/// broken file (say `psk:x Secret` read as one key) still cannot leak it: on every line that
/// mentions `psk` (other than `psk_file`), each run of 5+ characters of `[A-Za-z0-9._]` after
/// the mention, and the next line too when the value starts there. Longest first.
fn secret_words(src: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut take_next = false;
    for line in src.lines() {
        let mut rest = "";
        if take_next {
            rest = line;
            take_next = false;
        }
        let mut found: Vec<&str> = words(rest).collect();
        let mut search = line;
        while let Some(i) = search.find("psk") {
            let after = &search[i + 3..];
            if !after.starts_with("_file") {
                found.extend(words(after));
                let tail = after.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
                if tail.is_empty() || tail.starts_with(['|', '>', '#']) {
                    take_next = true;
                }
            }
            search = after;
        }
        out.extend(
            found
                .into_iter()
                .filter(|w| !KEYS.contains(w))
                .map(str::to_owned),
        );
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// Key names that share a line with `psk` in flow style; they are not secrets.
const KEYS: [&str; 6] = [
    "psk_file",
    "local",
    "remote",
    "inside",
    "local_id",
    "remote_id",
];

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .filter(|w| w.len() >= 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_words_cover_broken_psk_lines() {
        let src = "a:
  auth: { psk:.<& Hidden_psk_4711, psk_file: /x }
  auth: { psk_file: /etc/x.psk }
  psk: |
    Block.Secret_1
";
        let w = secret_words(src);
        assert!(w.contains(&"Hidden_psk_4711".to_owned()), "{w:?}");
        assert!(w.contains(&"Block.Secret_1".to_owned()), "{w:?}");
        assert!(
            !w.iter().any(|x| x.contains("etc") || x == "psk_file"),
            "{w:?}"
        );
    }
}
