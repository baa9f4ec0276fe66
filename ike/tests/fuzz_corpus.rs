//! Replays every committed fuzz corpus file (`ike/fuzz/corpus/<target>/*`) through the same
//! `ike::fuzz_targets` functions the cargo-fuzz binaries call, so CI exercises the corpus and
//! every past crash reproducer without a fuzzer or a nightly toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn every_committed_corpus_file_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let all = ike::fuzz_targets::TARGETS
        .iter()
        .chain(ike::fuzz_targets::ENGINE_TARGETS);
    for (name, target) in all {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        // Each target has a seed corpus; an empty one means the corpus was not committed.
        assert!(!files.is_empty(), "{name}: empty corpus");
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let r = std::panic::catch_unwind(|| target(&data));
            assert!(r.is_ok(), "{name}: {} fails its target", f.display());
        }
    }
}

/// The targets reject the trivial inputs without panicking (and the replay above would notice
/// a target that panics on everything).
#[test]
fn targets_accept_empty_and_short_inputs() {
    let all = ike::fuzz_targets::TARGETS
        .iter()
        .chain(ike::fuzz_targets::ENGINE_TARGETS);
    for (_, target) in all {
        for data in [&[][..], &[0], &[0xff; 3], &[0; 28], &[0x21; 40]] {
            target(data);
        }
    }
}
