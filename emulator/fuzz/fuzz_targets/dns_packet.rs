//! Fuzz target: one packet through the DNS responder of `awsredirect serve --dns`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::dns_packet(data);
});
