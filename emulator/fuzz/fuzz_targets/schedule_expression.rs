//! Fuzz target: EventBridge schedule expressions, parsed and evaluated (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::schedule_expression(data);
});
