#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rust_core_fuzz::json_parse(data));
