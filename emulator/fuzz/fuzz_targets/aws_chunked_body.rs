//! Fuzz target: S3 aws-chunked request bodies (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::aws_chunked_body(data);
});
