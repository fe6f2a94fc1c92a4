//! The regex engine: line-based patterns that find AWS clients in files the parsers reject
//! (Jinja / cookiecutter templates, Python 2 sources, broken files).
//!
//! It produces the same `Site`s as the AST engine, so fixes, `apply`, verification and output
//! are shared. What it cannot see is documented in README.md ("The regex engine").

pub mod javascript;
pub mod lexer;
pub mod python;
pub mod shell;

use crate::lang::Language;
use crate::sdk::Detection;

/// Finds the sites in `text` with line-based patterns.
pub fn detect(language: Language, text: &str) -> Detection {
    match language {
        Language::Python => python::detect(text),
        Language::Shell => shell::detect(text),
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            javascript::detect(language, text)
        }
    }
}
