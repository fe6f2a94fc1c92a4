//! Fuzz target: query-protocol form bodies, decoded and unflattened (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::query_form(data);
});
