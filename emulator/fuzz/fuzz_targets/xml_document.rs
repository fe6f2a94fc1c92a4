//! Fuzz target: XML request documents (the mini-DOM parser) (`awsredirect serve`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_emulator::fuzzing::xml_document(data);
});
