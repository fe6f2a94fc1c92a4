//! Fuzz target: SNS subscription filter policies, validated and evaluated (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::sns_filter_policy(data);
});
