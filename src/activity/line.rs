//! One activity log line and its two spellings.
//!
//! JSON (`format: json`): one object per line, keys in this order:
//!
//! ```text
//! {"event_timestamp":1762580429641,"timestamp":"2025-11-08 05:40:29.641Z","connection":"hq",
//!  "tunnel":"t1","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"Established",
//!  "ike_phase2_state":"Established","details":"CHILD_SA established (...)"}
//! ```
//!
//! Text (`format: text`): the same keys in the same order as `key=value` separated by one
//! space. A value made only of `A-Z a-z 0-9 . _ : / @ + -` is written bare; any other value
//! (spaces, quotes, empty, non-ASCII) is written in double quotes with `\"`, `\\`, `\n`, `\r`,
//! `\t` and `\xHH` (other control characters) escaped, so every line splits back into the
//! same fields ([`parse_text`]). Neither spelling ever contains a raw newline.
//! `event_timestamp` is milliseconds since the Unix epoch; `timestamp` is the same instant
//! in UTC as `YYYY-MM-DD HH:MM:SS.mmmZ` (REQUIREMENTS §10.3's example). This module formats
//! and parses only; it never reads a clock or a file.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::control::PhaseState;

/// One activity log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Creation time, milliseconds since the Unix epoch.
    pub event_timestamp: u64,
    /// Creation time, readable UTC.
    pub timestamp: String,
    /// Connection name.
    pub connection: String,
    /// Tunnel name.
    pub tunnel: String,
    /// DPD configured.
    pub dpd_enabled: bool,
    /// NAT detected on the path to the peer.
    pub nat_t_detected: bool,
    /// IKE SA state after the event.
    pub ike_phase1_state: PhaseState,
    /// CHILD SA state after the event.
    pub ike_phase2_state: PhaseState,
    /// The event in plain words.
    pub details: String,
}

/// Why a text line does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError(pub String);

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TextError {}

impl Line {
    /// The JSON spelling (no newline).
    pub fn to_json(&self) -> String {
        // Serialising plain strings, integers, booleans and unit enums cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The text spelling (no newline).
    pub fn to_text(&self) -> String {
        let fields: [(&str, String); 9] = [
            ("event_timestamp", self.event_timestamp.to_string()),
            ("timestamp", self.timestamp.clone()),
            ("connection", self.connection.clone()),
            ("tunnel", self.tunnel.clone()),
            ("dpd_enabled", self.dpd_enabled.to_string()),
            ("nat_t_detected", self.nat_t_detected.to_string()),
            (
                "ike_phase1_state",
                self.ike_phase1_state.as_str().to_owned(),
            ),
            (
                "ike_phase2_state",
                self.ike_phase2_state.as_str().to_owned(),
            ),
            ("details", self.details.clone()),
        ];
        let mut out = String::new();
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(k);
            out.push('=');
            quote(&mut out, v);
        }
        out
    }

    /// Reads a text line back (the inverse of [`Line::to_text`]).
    pub fn from_text(line: &str) -> Result<Line, TextError> {
        let fields = parse_text(line)?;
        let get = |k: &str| -> Result<&str, TextError> {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| TextError(format!("missing {k}")))
        };
        let boolean = |k: &str| -> Result<bool, TextError> {
            get(k)?
                .parse()
                .map_err(|_| TextError(format!("{k} is not true/false")))
        };
        let state = |k: &str| -> Result<PhaseState, TextError> {
            match get(k)? {
                "Established" => Ok(PhaseState::Established),
                "Rekeying" => Ok(PhaseState::Rekeying),
                "Negotiating" => Ok(PhaseState::Negotiating),
                "Down" => Ok(PhaseState::Down),
                other => Err(TextError(format!("{k}: unknown state {other:?}"))),
            }
        };
        Ok(Line {
            event_timestamp: get("event_timestamp")?
                .parse()
                .map_err(|_| TextError("event_timestamp is not an integer".into()))?,
            timestamp: get("timestamp")?.to_owned(),
            connection: get("connection")?.to_owned(),
            tunnel: get("tunnel")?.to_owned(),
            dpd_enabled: boolean("dpd_enabled")?,
            nat_t_detected: boolean("nat_t_detected")?,
            ike_phase1_state: state("ike_phase1_state")?,
            ike_phase2_state: state("ike_phase2_state")?,
            details: get("details")?.to_owned(),
        })
    }
}

fn bare(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:_/@+-".contains(&b))
}

fn quote(out: &mut String, v: &str) {
    if bare(v) {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Splits a text line into its `(key, value)` pairs, unquoting values.
pub fn parse_text(line: &str) -> Result<Vec<(String, String)>, TextError> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return Err(TextError(format!("bad character {c:?} in a key")));
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() || chars.next() != Some('=') {
            return Err(TextError(format!("expected key=value at {key:?}")));
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(TextError(format!("{key}: unterminated quote"))),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('"') => value.push('"'),
                        Some('\\') => value.push('\\'),
                        Some('n') => value.push('\n'),
                        Some('r') => value.push('\r'),
                        Some('t') => value.push('\t'),
                        Some('x') => {
                            let hex: String = chars.by_ref().take(2).collect();
                            let b = u8::from_str_radix(&hex, 16)
                                .map_err(|_| TextError(format!("{key}: bad \\x escape")))?;
                            value.push(char::from(b));
                        }
                        other => {
                            return Err(TextError(format!("{key}: bad escape {other:?}")));
                        }
                    },
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            if !bare(&value) {
                return Err(TextError(format!("{key}: unquoted value {value:?}")));
            }
        }
        out.push((key, value));
        match chars.next() {
            None => return Ok(out),
            Some(' ') => {}
            Some(c) => return Err(TextError(format!("expected a space, got {c:?}"))),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS.mmmZ` (UTC) for `unix_ms` milliseconds since the epoch.
pub(super) fn readable(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// Proleptic Gregorian date of day `days` since 1970-01-01 (the well-known era/day-of-era
/// conversion: 400-year eras of 146097 days, years starting in March).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}
