//! Verification before writing: the changed text must still parse.
//!
//! The strict parser of each language (rustpython-parser, swc) re-parses the output (Python, where
//! it can, only the top-level statements a change fell in: `python::changed_lines_parse`). Where the strict parser rejects the
//! input itself (for example Python 3.12 f-strings, which rustpython-parser predates), the
//! output must show no more tree-sitter ERROR/MISSING nodes than the input.
//!
//! Shell has no strict parser in the crate: the output must show no new tree-sitter errors and,
//! where `bash` is installed and accepts the input, `bash -n` must accept the output too.

pub mod javascript;
pub mod python;
pub mod shell;

use crate::lang::{self, Language};

/// Why a changed text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    pub message: String,
    /// Byte offset into the changed text, when the parser names one.
    pub offset: Option<usize>,
}

/// Checks that `after` (the changed text) parses wherever `before` did.
pub fn verify(language: Language, before: &str, after: &str) -> Result<(), VerifyError> {
    let before_errors = lang::error_offsets(&lang::parse(language, before)).len();
    verify_with(language, before, before_errors, after)
}

/// `verify`, given the number of tree-sitter errors in `before` (known from detection, which
/// spares a parse).
pub fn verify_with(
    language: Language,
    before: &str,
    before_errors: usize,
    after: &str,
) -> Result<(), VerifyError> {
    verify_strictly(language, before, before_errors, after, false)
}

/// `verify_with`; with `input_must_parse`, an input the strict parser rejects is refused too
/// (the AST engine on JavaScript / TypeScript, where swc is complete: tree-sitter recovers
/// silently from some errors, such as an unterminated comment, and an edit there could land in
/// what the runtime reads as a comment).
pub fn verify_strictly(
    language: Language,
    before: &str,
    before_errors: usize,
    after: &str,
    input_must_parse: bool,
) -> Result<(), VerifyError> {
    let strict = match language {
        Language::Python => python::strict_parse,
        Language::JavaScript => javascript::strict_parse_javascript,
        Language::TypeScript => javascript::strict_parse_typescript,
        Language::Tsx => javascript::strict_parse_tsx,
        Language::Shell => {
            no_new_errors(language, before_errors, after)?;
            shell::bash_parse
        }
    };
    // Shell's tree-sitter comparison was made above, whatever `bash -n` says: where both texts
    // fail `bash -n`, it is known to hold.
    let compared = language == Language::Shell;
    let Err(after_error) = strict(after) else {
        return Ok(());
    };
    match strict(before) {
        Ok(()) => Err(after_error),
        Err(before_error) if input_must_parse => Err(VerifyError {
            message: format!("the file itself does not parse: {}", before_error.message),
            offset: before_error.offset,
        }),
        Err(_) if compared => Ok(()),
        Err(_) => no_new_errors(language, before_errors, after),
    }
}

/// The output has no more tree-sitter ERROR/MISSING nodes than the input.
pub fn tree_sitter_no_new_errors(
    language: Language,
    before: &str,
    after: &str,
) -> Result<(), VerifyError> {
    let before_errors = lang::error_offsets(&lang::parse(language, before)).len();
    no_new_errors(language, before_errors, after)
}

/// `after` has no more tree-sitter ERROR/MISSING nodes than `before_errors`.
fn no_new_errors(language: Language, before_errors: usize, after: &str) -> Result<(), VerifyError> {
    let after_errors = lang::error_offsets(&lang::parse(language, after));
    if after_errors.len() <= before_errors {
        return Ok(());
    }
    Err(VerifyError {
        message: format!(
            "the change adds syntax errors ({before_errors} before, {} after)",
            after_errors.len()
        ),
        offset: after_errors.first().copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bash_installed() -> bool {
        std::process::Command::new("bash")
            .arg("--version")
            .output()
            .is_ok()
    }

    #[test]
    fn shell_that_bash_rejects_before_and_after_is_held_to_the_tree_sitter_comparison() {
        // `bash -n` rejects both (an unfinished `if`); the first change adds no tree-sitter
        // error, the second adds one.
        let before = "aws s3 ls\nif true; then\n";
        let fine = "aws --endpoint-url http://localhost:4566 s3 ls\nif true; then\n";
        let broken = "aws --endpoint-url 'http://localhost:4566 s3 ls\nif true; then\n";
        assert_eq!(shell::bash_parse(before).is_err(), bash_installed());
        assert_eq!(shell::bash_parse(fine).is_err(), bash_installed());
        assert!(verify(Language::Shell, before, fine).is_ok());
        let error = verify(Language::Shell, before, broken).unwrap_err();
        assert!(error.message.contains("adds syntax errors"), "{error:?}");
    }

    #[test]
    fn shell_that_bash_accepts_before_must_pass_bash_after() {
        let before = "aws s3 ls\n";
        let after = "aws s3 ls\nif true; then\n";
        // tree-sitter may or may not count an error in `after`; bash refuses it either way.
        assert_eq!(
            verify(Language::Shell, before, after).is_err(),
            bash_installed() || tree_sitter_no_new_errors(Language::Shell, before, after).is_err()
        );
    }
}
