//! cargo-fuzz target `v2_established`: see `ike::fuzz_targets::v2_established` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike::fuzz_targets::v2_established(data));
