//! `policy`: the YAML site model and pure decisions (DESIGN.md §4). [`load`] reads a site
//! file into the typed [`Site`] or returns every problem as [`Diagnostics`] with path, line
//! and hint; [`effective()`] prints the site with defaults filled in; [`compile()`] turns it into
//! the [`DesiredState`] the daemon reconciles with the kernel; [`schema_json`] is the JSON
//! Schema of the file format (shipped as `policy/schema/site.schema.json`; refresh it with
//! `XFRMD_REGEN_SCHEMA=1 cargo test -p policy --test schema`). No I/O, no clock, no
//! dependency on `ike` or `xfrm`, and no secret ever reaches Debug output or a diagnostic.
//!
//! Choices where REQUIREMENTS.md leaves room: the built-in `ike_versions` default is
//! `[ikev1, ikev2]` (§2 #4, §18 #2; sites narrow it under `defaults.tunnel`); `dpd_timeout`
//! is capped at 3600 s (the checklist gives only the minimum 30); the side of a tunnel with
//! the lower outside address takes the first usable inside address unless `inside_side` says
//! otherwise, so two sites agree without coordination.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod algo;
pub mod compile;
pub mod decide;
pub mod diag;
pub mod effective;
pub mod locate;
pub mod raw;
pub mod site;
pub mod types;
mod unknown;
mod validate;

pub use algo::{
    DpdAction, Encryption, IkeVersion, InsideSide, Integrity, InterfaceKind, LogFormat, Mode,
    StartupAction,
};
pub use compile::{compile, DesiredState};
pub use decide::{decide, Health, HealthView, RouteDecision};
pub use diag::{Diagnostic, Diagnostics};
pub use effective::effective;
pub use site::{ActivityLog, Auth, Connection, Site, Tunnel, TunnelOptions};
pub use types::{InsideCidr, Psk, PskError};

use diag::Ctx;
use locate::Pos;

/// Parses and validates a site file. `origin` (usually the file name) prefixes every
/// diagnostic. All value and cross-object problems are collected. When the file does not
/// have the right shape, every unknown key is reported, plus the first syntax or type error
/// (serde stops there, so value checks wait until the shape is right).
pub fn load(src: &str, origin: &str) -> Result<Site, Diagnostics> {
    load_with_warnings(src, origin).map(|(site, _)| site)
}

/// Like [`load`], and a valid site comes with its warnings: valid but risky choices (such as
/// IKEv1 aggressive mode), each a [`Diagnostic`] whose message starts with `warning: `.
pub fn load_with_warnings(src: &str, origin: &str) -> Result<(Site, Diagnostics), Diagnostics> {
    let mut cx = Ctx::new(origin, src);
    match serde_saphyr::from_str_with_options::<raw::RawFile>(src, yaml_options()) {
        Ok(raw) => {
            let site = validate::validate(&raw, &mut cx);
            let (problems, warnings) = cx.finish_all();
            site.map(|s| (s, warnings)).ok_or(problems)
        }
        Err(e) => {
            shape_error(&mut cx, &e);
            Err(cx.finish())
        }
    }
}

/// Parser options: duplicate keys are errors (the default), and the node/event budget is
/// raised above serde-saphyr's defaults (250,000 nodes) so that a hub with 10,000+
/// connections loads; alias expansion stays bounded by the default alias budget.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: 8_000_000,
            max_events: 32_000_000,
        },
    }
}

/// Reports a serde-saphyr error at its location, with the path found from that location.
fn shape_error(cx: &mut Ctx, e: &serde_saphyr::Error) {
    let pos = e.location().and_then(|l| {
        Some(Pos {
            line: u32::try_from(l.line()).ok()?,
            column: u32::try_from(l.column()).ok()?,
        })
    });
    let path = pos
        .and_then(|p| cx.index().path_at(p))
        .unwrap_or_default()
        .to_owned();
    let text = e.without_snippet().to_string();
    // Every unknown key, not only the first one serde met.
    let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap_or_default();
    let unknown = unknown::unknown_keys(cx.index(), &schema);
    for (p, allowed) in &unknown {
        let key = p.rsplit(['.', ']']).next().unwrap_or(p);
        let pos = cx.index().find_key(p);
        cx.push_at(
            p,
            pos,
            format!(
                "unknown field `{key}`, expected one of {}",
                allowed.join(", ")
            ),
            shape_hint("unknown field").to_owned(),
        );
    }
    if text.contains("unknown field") && !unknown.is_empty() {
        return;
    }
    // serde messages may quote the offending value; never let a PSK through.
    let message = if path.ends_with(".psk") || path.contains(".psk.") {
        "invalid pre-shared key value (not shown)".to_owned()
    } else {
        strip_position(&text)
    };
    cx.push_at(&path, pos, message, shape_hint(&text).to_owned());
}

/// serde-saphyr appends " at line L column C"; the diagnostic prints the position itself.
fn strip_position(text: &str) -> String {
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

fn shape_hint(text: &str) -> &'static str {
    if text.contains("end of input") {
        "the file is empty or cut short; it starts with site: { name: ... }"
    } else if text.contains("invalid u") || text.contains("invalid i") {
        "write a whole number without sign or unit"
    } else if text.contains("unknown field") {
        "check the spelling; see policy/schema/site.schema.json for every key"
    } else if text.contains("missing field") {
        "add the required key"
    } else if text.contains("unknown variant") {
        "use one of the listed values"
    } else {
        ""
    }
}

/// The JSON Schema of the site file, generated from the raw types.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(raw::RawFile);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
