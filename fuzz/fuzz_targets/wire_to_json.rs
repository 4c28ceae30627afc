#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rust_core_fuzz::wire_to_json(data));
