//! `load` is total: arbitrary text, and the shipped examples with random edits, give a
//! `Site` or diagnostics, never a panic; every diagnostic has a message, and a PSK present in
//! the input never shows up in the output (DESIGN §6 item 5: YAML load is a fuzz target).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

const WEST: &str = include_str!("../../examples/west.yaml");
const SECRET: &str = "Hidden_psk_4711";

fn with_secret() -> String {
    WEST.replace(
        "{ psk_file: /etc/xfrmd/east-t1.psk }",
        &format!("{{ psk: {SECRET} }}"),
    )
}

fn check(src: &str) {
    match policy::load(src, "f.yaml") {
        Ok(site) => {
            let _ = policy::compile(&site);
            let eff = policy::effective(&site);
            assert!(!eff.contains(SECRET));
            assert!(!format!("{site:?}").contains(SECRET));
        }
        Err(d) => {
            assert!(!d.is_empty());
            for x in d.iter() {
                assert!(!x.message.is_empty());
                assert!(!x.to_string().contains(SECRET), "{x}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        check(&s);
    }

    #[test]
    fn edited_example_never_panics(edits in prop::collection::vec((any::<prop::sample::Index>(), "[ -~\\n]{0,6}"), 1..4)) {
        let mut src = with_secret();
        for (at, text) in edits {
            let mut i = at.index(src.len() + 1);
            while !src.is_char_boundary(i) {
                i -= 1;
            }
            src.insert_str(i, &text);
        }
        check(&src);
    }

    #[test]
    fn deleted_lines_never_panic(drop in prop::collection::vec(any::<prop::sample::Index>(), 1..4)) {
        let mut lines: Vec<&str> = WEST.lines().collect();
        for d in drop {
            if !lines.is_empty() {
                let i = d.index(lines.len());
                lines.remove(i);
            }
        }
        check(&lines.join("\n"));
    }
}

#[test]
fn secret_example_is_valid() {
    assert!(policy::load(&with_secret(), "f.yaml").is_ok());
}
