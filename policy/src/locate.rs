//! Source locations for YAML paths: walks the document once with serde-saphyr's span-aware
//! `Spanned` wrapper and records, for every path such as `connections.east.tunnels[0].dpd_timeout`,
//! the line and column of its key and of its value. It never interprets values: typing and
//! validation happen elsewhere; this module only answers "where is this path written?".

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// A 1-based line and column in the YAML source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Pos {
    fn from_location(l: &Location) -> Option<Pos> {
        (l.line() > 0).then(|| Pos {
            line: l.line() as u32,
            column: l.column() as u32,
        })
    }
}

/// Where a path's key and value are written.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    key: Option<Pos>,
    value: Option<Pos>,
}

/// Path → position index of one YAML document.
#[derive(Debug, Default)]
pub struct LocIndex {
    map: HashMap<String, Entry>,
}

impl LocIndex {
    /// Builds the index; a document that does not parse gives an empty index (the typed
    /// pass reports the syntax error with its own location).
    pub fn build(src: &str) -> LocIndex {
        let mut index = LocIndex::default();
        if let Ok(root) =
            serde_saphyr::from_str_with_options::<Spanned<Node>>(src, crate::yaml_options())
        {
            index.walk(String::new(), None, &root);
        }
        index
    }

    fn walk(&mut self, path: String, key: Option<Pos>, node: &Spanned<Node>) {
        let value = Pos::from_location(&node.referenced);
        match &node.value {
            Node::Scalar => {}
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(format!("{path}[{i}]"), None, item);
                }
            }
            Node::Map(pairs) => {
                for (k, v) in pairs {
                    let child = if path.is_empty() {
                        k.value.0.clone()
                    } else {
                        format!("{path}.{}", k.value.0)
                    };
                    self.walk(child, Pos::from_location(&k.referenced), v);
                }
            }
        }
        self.map.insert(path, Entry { key, value });
    }

    /// Position of the value at `path`, else of its key, else of the nearest ancestor.
    pub fn find(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(e) = self.map.get(p) {
                if let Some(pos) = e.value.or(e.key) {
                    return Some(pos);
                }
            }
            p = parent(p)?;
        }
    }

    /// Position of the key at `path` (for "this key is unknown/duplicated" messages).
    pub fn find_key(&self, path: &str) -> Option<Pos> {
        self.map
            .get(path)
            .and_then(|e| e.key)
            .or_else(|| self.find(path))
    }

    /// The path whose key or value starts at `pos`, preferring the deepest such path.
    pub fn path_at(&self, pos: Pos) -> Option<&str> {
        self.map
            .iter()
            .filter(|(_, e)| e.key == Some(pos) || e.value == Some(pos))
            .map(|(p, _)| p.as_str())
            .max_by_key(|p| (p.len(), *p))
    }

    /// Every path written in the document (the root is the empty path).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// Whether `path` is written in the document.
    pub fn contains(&self, path: &str) -> bool {
        self.map.contains_key(path)
    }
}

/// The parent of a path: `a.b[0].c` → `a.b[0]` → `a.b` → `a` → ``; `None` after the root.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// A YAML node with only its shape kept (scalars are dropped).
#[derive(Debug)]
enum Node {
    Scalar,
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Key>, Spanned<Node>)>),
}

/// A mapping key rendered as text, whatever its scalar type.
#[derive(Debug)]
struct Key(String);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML node")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut pairs = Vec::new();
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        Ok(Node::Map(pairs))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("~".to_owned()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
site: { name: west, networks: [10.1.0.0/16] }
connections:
  east:
    remote_networks:
      - 10.2.0.0/16
    tunnels:
      - name: t1
        dpd_timeout: 10
      - name: t2
        priority: 200
";

    #[test]
    fn finds_block_and_flow_positions() {
        let ix = LocIndex::build(DOC);
        let p = |line, column| Some(Pos { line, column });
        assert_eq!(ix.find("site.name"), p(1, 15));
        assert_eq!(ix.find("site.networks[0]"), p(1, 32));
        assert_eq!(ix.find("connections.east.remote_networks[0]"), p(5, 9));
        assert_eq!(ix.find("connections.east.tunnels[0].dpd_timeout"), p(8, 22));
        assert_eq!(
            ix.find_key("connections.east.tunnels[0].dpd_timeout"),
            p(8, 9)
        );
        assert_eq!(ix.find("connections.east.tunnels[1].priority"), p(10, 19));
        // Missing leaf falls back to the nearest ancestor that is written.
        assert_eq!(
            ix.find("connections.east.tunnels[1].weight"),
            ix.find("connections.east.tunnels[1]")
        );
        assert_eq!(
            ix.path_at(Pos { line: 8, column: 9 }),
            Some("connections.east.tunnels[0].dpd_timeout")
        );
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent("a.b[0].c"), Some("a.b[0]"));
        assert_eq!(parent("a.b[0]"), Some("a.b"));
        assert_eq!(parent("a"), Some(""));
        assert_eq!(parent(""), None);
    }
}
