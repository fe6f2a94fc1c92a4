//! Strict Python parsing with rustpython-parser.

use super::VerifyError;

pub fn strict_parse(text: &str) -> Result<(), VerifyError> {
    use rustpython_parser::{parse, Mode};
    parse(text, Mode::Module, "<patched>")
        .map(|_| ())
        .map_err(|e| VerifyError {
            message: e.error.to_string(),
            offset: Some(u32::from(e.offset) as usize),
        })
}
