//! awsredirect: find AWS client constructions in source code and redirect them to a local endpoint.
//!
//! Pipeline: `walk` → `files` (read) → `lang` (parse) → `sdk` (detect sites) → `fix` (edits) →
//! `verify` → `files` (write) / `output` (report). `engine` runs it per file. The bundled AWS
//! emulator behind `awsredirect serve` is its own crate, `awsredirect-emulator` (`emulator/`).

pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod endpoint;
pub mod engine;
pub mod files;
pub mod fix;
pub mod ignores;
pub mod infra;
pub mod lang;
pub mod output;
pub mod parallel;
pub mod project;
pub mod regex_engine;
pub mod rules;
pub mod sandbox;
pub mod sdk;
pub mod suppress;
pub mod verify;
pub mod walk;
