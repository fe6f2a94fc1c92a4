//! Fuzz target: DynamoDB condition / update / projection expressions, parsed and evaluated (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::dynamodb_expression(data);
});
