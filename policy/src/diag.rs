//! Diagnostics: every problem `load` finds, each with the YAML path, the line and column
//! where it is written, a message and a hint on how to fix it. The collector [`Ctx`] turns a
//! path into a position through the [`LocIndex`]. Diagnostics never carry secret values:
//! callers pass messages built from PSK error kinds, never from the key itself.

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

/// Collects diagnostics while validating one file.
#[derive(Debug)]
pub struct Ctx {
    origin: String,
    index: LocIndex,
    diags: Vec<Diagnostic>,
}

impl Ctx {
    /// A collector for `origin`, locating paths in `index`.
    pub fn new(origin: &str, index: LocIndex) -> Ctx {
        Ctx {
            origin: origin.to_owned(),
            index,
            diags: Vec::new(),
        }
    }

    /// Records a problem with the value at `path`.
    pub fn err(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let pos = self.index.find(path);
        self.push_at(path, pos, message.into(), hint.into());
    }

    /// Records a problem with the key at `path` (unknown or misplaced key).
    pub fn err_key(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let pos = self.index.find_key(path);
        self.push_at(path, pos, message.into(), hint.into());
    }

    /// Records a problem at a known position.
    pub fn push_at(&mut self, path: &str, pos: Option<Pos>, message: String, hint: String) {
        let pos = pos.unwrap_or(Pos { line: 0, column: 0 });
        self.diags.push(Diagnostic {
            origin: self.origin.clone(),
            path: path.to_owned(),
            line: pos.line,
            column: pos.column,
            message,
            hint: (!hint.is_empty()).then_some(hint),
        });
    }

    /// The location index.
    pub fn index(&self) -> &LocIndex {
        &self.index
    }

    /// Number of problems so far.
    pub fn count(&self) -> usize {
        self.diags.len()
    }

    /// The problems, deduplicated (a bad `defaults.tunnel` value is seen once per tunnel)
    /// and sorted by position.
    pub fn finish(self) -> Diagnostics {
        let mut d = self.diags;
        d.sort_by(|a, b| {
            (a.line, a.column, &a.path, &a.message).cmp(&(b.line, b.column, &b.path, &b.message))
        });
        d.dedup();
        Diagnostics(d)
    }
}
