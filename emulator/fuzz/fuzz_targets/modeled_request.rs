//! Fuzz target: requests to services on generated shapes, through the modeled codec and the
//! model's validation (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::modeled_request(data);
});
