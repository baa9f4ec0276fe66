//! cargo-fuzz target `v1_message`: see `ike::fuzz_targets::v1_message` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike::fuzz_targets::v1_message(data));
