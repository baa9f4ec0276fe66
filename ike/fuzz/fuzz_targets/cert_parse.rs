//! cargo-fuzz target `cert_parse`: see `ike::fuzz_targets::cert_parse` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ike::fuzz_targets::cert_parse(data));
