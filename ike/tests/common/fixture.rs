//! Readers for the lab capture fixtures (`fixtures/strongswan-*`): `messages.txt` holds one
//! `<src> <dst> <hex>` datagram per line, `keys.txt` one `<name> <hex>` secret per line (both
//! written by lab/tools/ike-fixture.py). Test-only: panics on a malformed fixture.
#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

/// Every datagram of a `messages.txt`, in capture order.
pub fn messages(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| hex::decode(l.split_whitespace().nth(2).unwrap()).unwrap())
        .collect()
}

/// The secret called `name` in a `keys.txt`.
pub fn key(text: &str, name: &str) -> Vec<u8> {
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{name} missing from keys.txt"));
    hex::decode(line.split_whitespace().nth(1).unwrap()).unwrap()
}
