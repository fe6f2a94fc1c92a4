//! Fuzz target: python — arbitrary bytes and mutated fixtures through `engine::transform`.
#![no_main]

use awsredirect::lang::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    awsredirect_fuzz::run(&[Language::Python], data);
});
