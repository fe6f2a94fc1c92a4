//! Fuzz target: EventBridge event patterns, validated and matched (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::event_pattern(data);
});
