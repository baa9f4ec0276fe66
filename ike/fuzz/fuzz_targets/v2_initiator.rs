//! cargo-fuzz target `v2_initiator`: see `ike::fuzz_targets::v2_initiator` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike::fuzz_targets::v2_initiator(data));
