//! What counts as an AWS client, per language: turns language facts into `Site`s.
//!
//! A site is one construction of an AWS SDK client (or, later, one `aws` CLI call) together with
//! whether it already talks to a custom endpoint.

pub mod python;
pub mod shell;

use std::ops::Range;

use crate::lang::{self, Language};

/// One found construction of an AWS client.
#[derive(Debug, Clone)]
pub struct Site {
    /// The whole construction (the call expression).
    pub range: Range<usize>,
    pub language: Language,
    pub kind: SiteKind,
    /// The resolved constructor, e.g. `boto3.client` or `boto3.Session().resource`.
    pub constructor: String,
    /// The AWS service, when it is written as a literal.
    pub service: Option<String>,
    pub state: SiteState,
    /// The shape the fixer edits.
    pub target: Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// A low-level client (`client`, `create_client`).
    Client,
    /// A boto3 resource.
    Resource,
    /// An `aws` CLI invocation in a shell script.
    CliCall,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteState {
    /// Talks to real AWS: the site `patch` redirects and `check` reports.
    NotRedirected,
    /// Already has an endpoint override.
    Redirected(Redirect),
    /// Cannot be redirected automatically; the reason says why.
    CannotTell(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The endpoint, when it is written as a literal.
    pub endpoint: Option<String>,
}

/// The syntax a fix edits, per language.
#[derive(Debug, Clone)]
pub enum Target {
    PythonCall(lang::python::ArgList),
    ShellCommand(lang::shell::Command),
}

/// Everything found in one file.
#[derive(Debug, Clone)]
pub struct Detection {
    pub sites: Vec<Site>,
    /// The quote character the file uses most, for new string literals.
    pub preferred_quote: char,
}

/// Finds the AWS client constructions in a parsed file.
pub fn detect(language: Language, tree: &tree_sitter::Tree, text: &str) -> Detection {
    match language {
        Language::Python => python::detect(tree, text),
        Language::Shell => shell::detect(tree, text),
    }
}
