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
mod noexec;
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
    let before = Before {
        text: before,
        errors: before_errors,
        tree: None,
        changes: None,
    };
    verify_strictly(language, &before, after, false)
}

/// The text a change was made to, and what is known of its tree-sitter parse.
#[derive(Clone, Copy)]
pub struct Before<'a> {
    pub text: &'a str,
    /// Its ERROR/MISSING nodes (known from detection, which spares a parse).
    pub errors: usize,
    /// Its tree and the changes that made the output (ranges of `text`, each with the length of
    /// what replaced it), where known: with both, the output's tree-sitter parse reuses the tree.
    pub tree: Option<&'a tree_sitter::Tree>,
    pub changes: Option<&'a [crate::fix::Change]>,
}

/// `verify_with`; with `input_must_parse`, an input the strict parser rejects is refused too
/// (the AST engine on JavaScript / TypeScript, where swc is complete: tree-sitter recovers
/// silently from some errors, such as an unterminated comment, and an edit there could land in
/// what the runtime reads as a comment).
pub fn verify_strictly(
    language: Language,
    before: &Before,
    after: &str,
    input_must_parse: bool,
) -> Result<(), VerifyError> {
    // The tree-sitter comparison parses the output afresh wherever it is the only check.
    let afresh = Before {
        tree: None,
        ..*before
    };
    let strict = match language {
        Language::Python => python::strict_parse,
        Language::JavaScript => javascript::strict_parse_javascript,
        Language::TypeScript => javascript::strict_parse_typescript,
        Language::Tsx => javascript::strict_parse_tsx,
        Language::Shell if shell::bash_found() => {
            // `bash -n` has the last word where it accepts the input: the tree-sitter
            // comparison, a guard for this tool's own later parses, reuses the input's tree (an
            // incremental parse, which has been seen to report an error a parse afresh does
            // not, never the reverse).
            no_new_errors(language, before, after)?;
            shell::bash_parse
        }
        Language::Shell => {
            no_new_errors(language, &afresh, after)?;
            shell::bash_parse
        }
    };
    let Err(after_error) = strict(after) else {
        return Ok(());
    };
    match strict(before.text) {
        Ok(()) => Err(after_error),
        Err(before_error) if input_must_parse => Err(VerifyError {
            message: format!("the file itself does not parse: {}", before_error.message),
            offset: before_error.offset,
        }),
        // Shell here: `bash -n` rejects both texts, so the tree-sitter comparison, made above
        // reusing the tree, decides alone: it is made again afresh.
        Err(_) => no_new_errors(language, &afresh, after),
    }
}

/// The output has no more tree-sitter ERROR/MISSING nodes than the input.
pub fn tree_sitter_no_new_errors(
    language: Language,
    before: &str,
    after: &str,
) -> Result<(), VerifyError> {
    let before = Before {
        text: before,
        errors: lang::error_offsets(&lang::parse(language, before)).len(),
        tree: None,
        changes: None,
    };
    no_new_errors(language, &before, after)
}

/// `after` has no more tree-sitter ERROR/MISSING nodes than `before`.
fn no_new_errors(language: Language, before: &Before, after: &str) -> Result<(), VerifyError> {
    let before_errors = before.errors;
    if let (Some(tree), Some(changes)) = (before.tree, before.changes) {
        let reparsed = lang::parse_changed(language, tree, before.text, after, changes);
        if lang::error_offsets(&reparsed).len() <= before_errors {
            return Ok(());
        }
        // A refusal is confirmed by a parse afresh, whose errors its message quotes.
    }
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
    fn an_error_only_the_parse_reusing_the_tree_sees_is_looked_at_afresh() {
        // Deleting the `;` before `then`: the incremental parse reports an error at the edit
        // that a parse afresh, which verification then asks, does not.
        let before = concat!(
            "#!/bin/bash\nif aws s3api head-bucket --bucket b 2>/dev/null; then # AR002\n",
            "  echo \"exists\"\nelif [ -n \"$CREATE\" ]; then\n  aws s3 mb s3://b # AR002\n",
            "else\n  aws s3 ls # AR002\nfi\n",
        );
        let changes = [(59..60, 0)];
        let after = format!("{}{}", &before[..59], &before[60..]);
        let tree = lang::parse(Language::Shell, before);
        let reused = lang::parse_changed(Language::Shell, &tree, before, &after, &changes);
        assert_eq!(lang::error_offsets(&tree).len(), 0);
        assert!(
            !lang::error_offsets(&reused).is_empty(),
            "the case no longer arises"
        );
        let parsed = Before {
            text: before,
            errors: 0,
            tree: Some(&tree),
            changes: Some(&changes),
        };
        assert_eq!(
            no_new_errors(Language::Shell, &parsed, &after),
            tree_sitter_no_new_errors(Language::Shell, before, &after)
        );
        assert!(no_new_errors(Language::Shell, &parsed, &after).is_ok());
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
