//! cargo-fuzz target `v1_responder`: see `ike::fuzz_targets::v1_responder` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike::fuzz_targets::v1_responder(data));
