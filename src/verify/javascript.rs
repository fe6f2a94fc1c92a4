//! Strict JavaScript and TypeScript parsing with swc (decorators on; JSX in `.js`/`.jsx` and `.tsx`).

use swc_common::BytePos;
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax, TsSyntax};

use super::VerifyError;

pub fn strict_parse_javascript(text: &str) -> Result<(), VerifyError> {
    strict_parse(
        text,
        Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            ..Default::default()
        }),
    )
}

pub fn strict_parse_typescript(text: &str) -> Result<(), VerifyError> {
    strict_parse(text, typescript(false))
}

pub fn strict_parse_tsx(text: &str) -> Result<(), VerifyError> {
    strict_parse(text, typescript(true))
}

fn typescript(tsx: bool) -> Syntax {
    Syntax::Typescript(TsSyntax {
        tsx,
        decorators: true,
        ..Default::default()
    })
}

/// Parses `text` as a script or module; any error, recoverable or not, is a failure.
fn strict_parse(text: &str, syntax: Syntax) -> Result<(), VerifyError> {
    // swc reserves position 0; offsets start at 1.
    let start = BytePos(1);
    let end = BytePos(1 + text.len() as u32);
    let mut parser = Parser::new(syntax, StringInput::new(text, start, end), None);
    let first_error = match parser.parse_program() {
        Err(error) => Some(error),
        Ok(_) => parser.take_errors().into_iter().next(),
    };
    match first_error {
        None => Ok(()),
        Some(error) => Err(VerifyError {
            message: error.kind().msg().to_string(),
            offset: Some((swc_common::Spanned::span(&error).lo.0 as usize).saturating_sub(1)),
        }),
    }
}
