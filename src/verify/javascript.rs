//! Strict JavaScript and TypeScript parsing with swc (decorators on; JSX in `.js`/`.jsx` and `.tsx`).
//!
//! A JavaScript file is parsed as a script or a module, whichever it is (`parse_program`).

use swc_common::BytePos;
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax, TsSyntax};

use super::VerifyError;

pub fn strict_parse_javascript(text: &str) -> Result<(), VerifyError> {
    strict_parse(
        text,
        Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            // CommonJS modules may `return` at the top level.
            allow_return_outside_function: true,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_each_dialect_and_refuses_broken_code() {
        assert!(strict_parse_javascript("const a = <div>{new X({ a: 1 })}</div>;\n").is_ok());
        assert!(strict_parse_javascript("return;\n").is_ok());
        assert!(strict_parse_typescript("const a = <T>b; let c: number = 1;\n").is_ok());
        assert!(strict_parse_tsx("const a = <A b={new X({})} />;\n").is_ok());
        assert!(strict_parse_typescript("@d class A { @d m() {} }\n").is_ok());
        let error = strict_parse_javascript("new X({ a: 1, , });\n").unwrap_err();
        assert_eq!(error.offset, Some(14));
    }
}
