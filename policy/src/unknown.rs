//! Finds every unknown key in a document that failed the typed pass. serde stops at the
//! first unknown field; this walks every written path (from the location index) through the
//! generated JSON Schema and reports each key the schema does not allow, so one run of
//! `xfrmd check` lists all misspellings. It never looks at values, so it never sees a secret.

use serde_json::Value;

use crate::locate::LocIndex;

/// Paths (e.g. `connections.east.tunnels[0].dpd_timout`) of keys the schema does not allow,
/// with the keys the parent allows. Children of an unknown key are not reported.
pub fn unknown_keys(index: &LocIndex, schema: &Value) -> Vec<(String, Vec<String>)> {
    let mut paths: Vec<&str> = index.paths().filter(|p| !p.is_empty()).collect();
    paths.sort_unstable();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for path in paths {
        if out.iter().any(|(u, _)| is_below(path, u)) {
            continue;
        }
        if let Some(allowed) = check(schema, schema, &segments(path)) {
            out.push((path.to_owned(), allowed));
        }
    }
    out
}

fn is_below(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

#[derive(Debug, PartialEq)]
enum Seg<'a> {
    Key(&'a str),
    Index,
}

/// `a.b[0].c` → [a, b, [], c].
fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        out.extend(
            rest.split('[')
                .filter(|s| !s.is_empty())
                .map(|_| Seg::Index),
        );
    }
    out
}

/// Follows `$ref` and the non-null branch of `anyOf` (an `Option`).
fn resolve<'a>(root: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            match r
                .strip_prefix("#/$defs/")
                .and_then(|n| root.get("$defs")?.get(n))
            {
                Some(t) => s = t,
                None => return s,
            }
        } else if let Some(branches) = s.get("anyOf").and_then(Value::as_array) {
            match branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
            {
                Some(b) => s = b,
                None => return s,
            }
        } else {
            return s;
        }
    }
    s
}

/// `Some(allowed keys)` when the last segment is a key the schema forbids.
fn check(root: &Value, schema: &Value, segs: &[Seg<'_>]) -> Option<Vec<String>> {
    let (first, rest) = segs.split_first()?;
    let s = resolve(root, schema);
    match first {
        Seg::Index => check(root, s.get("items")?, rest),
        Seg::Key(k) => {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(p) = props.and_then(|p| p.get(*k)) {
                return check(root, p, rest);
            }
            match s.get("additionalProperties") {
                Some(Value::Bool(false)) if rest.is_empty() => Some(
                    props
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default(),
                ),
                Some(Value::Bool(false)) => None,
                Some(extra) if extra.is_object() => check(root, extra, rest),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths() {
        assert_eq!(
            segments("connections.east.tunnels[0].auth"),
            vec![
                Seg::Key("connections"),
                Seg::Key("east"),
                Seg::Key("tunnels"),
                Seg::Index,
                Seg::Key("auth")
            ]
        );
        assert!(is_below("a.b.c", "a.b") && is_below("a.b[1]", "a.b") && !is_below("a.bc", "a.b"));
    }

    #[test]
    fn finds_all_unknown_keys() {
        let src = "site: { name: w, colour: red }\nconnections:\n  e:\n    tunnels:\n      - { name: t, dpd: 3, auth: { pks: x, more: { deep: 1 } } }\nextra: 1\n";
        let schema: Value = serde_json::from_str(&crate::schema_json()).unwrap();
        let found: Vec<String> = unknown_keys(&LocIndex::build(src), &schema)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            found,
            [
                "connections.e.tunnels[0].auth.more",
                "connections.e.tunnels[0].auth.pks",
                "connections.e.tunnels[0].dpd",
                "extra",
                "site.colour",
            ]
        );
    }
}
