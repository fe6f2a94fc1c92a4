//! Everything the program prints; no other module writes to stdout or stderr.
pub mod serve;
