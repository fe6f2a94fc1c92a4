//! Edits and fixes: byte-range insertions, deletions and replacements, applied as a pure function.
//!
//! All offsets are byte offsets into the text the edits were computed from.

pub mod append;
pub mod javascript;
pub mod python;
pub mod shell;
pub mod style;

use std::ops::Range;

use crate::lang::Language;
use crate::sdk::{Detection, Site, Target};

/// How the endpoint is written into the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointStyle {
    /// The endpoint as a string literal.
    #[default]
    Literal,
    /// A read of `AWS_ENDPOINT_URL` with the endpoint as the fallback, so patched code can be
    /// committed and still talks to AWS where the variable is unset.
    Env,
}

/// What a fix writes: the endpoint and its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redirection<'a> {
    pub endpoint: &'a str,
    pub style: EndpointStyle,
}

/// One change to a text: replace `range` with `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn insertion(at: usize, content: impl Into<String>) -> Edit {
        Edit {
            range: at..at,
            content: content.into(),
        }
    }

    pub fn deletion(range: Range<usize>) -> Edit {
        Edit {
            range,
            content: String::new(),
        }
    }

    pub fn replacement(range: Range<usize>, content: impl Into<String>) -> Edit {
        Edit {
            range,
            content: content.into(),
        }
    }
}

/// How safe a fix is to apply without review (as in ruff).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Shown, never applied: a suggestion for a person to make.
    DisplayOnly,
    /// Applied only with `patch --unsafe-fixes`: it may change what the code does beyond the
    /// redirect.
    Unsafe,
    /// Applied by `patch`.
    Safe,
}

/// A group of edits that is applied whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    pub fn safe(edits: Vec<Edit>) -> Fix {
        Fix {
            edits,
            applicability: Applicability::Safe,
        }
    }
}

/// One change made to a text: the range it replaced, and the length of what replaced it.
pub type Change = (Range<usize>, usize);

/// The result of applying fixes: the new text and how many fixes were left out whole because
/// they overlapped one applied before them or fell outside the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub applied: usize,
    pub skipped: usize,
    /// The edits made, each as the range it replaced and the length of what replaced it;
    /// `None` where `apply` had to leave one out (then where the text changed is not known).
    pub changes: Option<Vec<Change>>,
}

/// Applies each fix whole or not at all, plus `file` edits (an import) when at least one fix
/// applies. A fix that overlaps one before it is skipped and counted. Insertions at one offset
/// keep the order of `fixes` (an inner client's before its outer one's).
pub fn apply_fixes(text: &str, fixes: &[&Fix], file: &[Edit]) -> Applied {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for fix in fixes.iter().filter(|f| !f.edits.is_empty()) {
        let clash = fix.edits.iter().any(|e| {
            e.range.end > text.len()
                || !text.is_char_boundary(e.range.start)
                || !text.is_char_boundary(e.range.end)
                || taken.iter().any(|t| overlaps(&t.range, &e.range))
        });
        if !clash {
            taken.extend(&fix.edits);
            applied += 1;
        }
    }
    if applied > 0 {
        let free: Vec<&Edit> = file
            .iter()
            .filter(|e| !taken.iter().any(|t| overlaps(&t.range, &e.range)))
            .collect();
        taken.extend(free);
    }
    let edits: Vec<Edit> = taken.into_iter().cloned().collect();
    let (new_text, left_out) = apply(text, &edits);
    let changes = edits.iter().map(|e| (e.range.clone(), e.content.len()));
    Applied {
        text: new_text,
        applied,
        skipped: fixes.iter().filter(|f| !f.edits.is_empty()).count() - applied,
        changes: (left_out == 0).then(|| changes.collect()),
    }
}

/// Whether two edits touch the same bytes (an insertion overlaps a range strictly around it).
fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Applies edits in offset order. An edit that overlaps one already applied is skipped, so
/// a bad fix can never corrupt the text; the result says how many were skipped.
pub fn apply(text: &str, edits: &[Edit]) -> (String, usize) {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.content.len()).sum::<usize>());
    let mut cursor = 0;
    let mut skipped = 0;
    for edit in sorted {
        if edit.range.start < cursor || edit.range.end > text.len() {
            skipped += 1;
            continue;
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.content);
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..]);
    (out, skipped)
}

/// The edits that give a site an endpoint override.
pub fn redirect(site: &Site, text: &str, detection: &Detection, to: Redirection) -> Vec<Edit> {
    match &site.target {
        Target::PythonCall(args) => python::redirect(args, text, detection.preferred_quote, to),
        Target::JsNew(new) => javascript::redirect(new, text, detection.preferred_quote, to),
        Target::JsGlobalConfig | Target::Nothing => Vec::new(),
        Target::ShellCommand(command) => shell::redirect(command, to),
    }
}

/// The edits that take away an override of `endpoint` in either style, if the site has one.
pub fn unredirect(site: &Site, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    match &site.target {
        Target::PythonCall(args) => python::unredirect(args, text, endpoint),
        Target::JsNew(new) => javascript::unredirect(new, text, endpoint),
        Target::JsGlobalConfig | Target::Nothing => None,
        Target::ShellCommand(command) => shell::unredirect(command, text, endpoint),
    }
}

/// The edit that makes the environment readable where the env style needs it (an import).
pub fn env_setup(language: Language, text: &str, detection: &Detection) -> Option<Edit> {
    if detection.env_readable {
        return None;
    }
    match language {
        Language::Python => Some(python::os_import(text, detection.import_point)),
        Language::JavaScript | Language::TypeScript | Language::Tsx | Language::Shell => None,
    }
}

/// The edit that removes what `env_setup` added, if the text has it.
pub fn env_teardown(language: Language, text: &str) -> Option<Edit> {
    match language {
        Language::Python => python::remove_os_import(text),
        Language::JavaScript | Language::TypeScript | Language::Tsx | Language::Shell => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let edits = vec![
            Edit::insertion(5, "!"),
            Edit::replacement(0..1, "H"),
            Edit::deletion(0..2),
        ];
        assert_eq!(
            apply("hello world", &edits),
            ("Hello! world".to_string(), 1)
        );
    }

    #[test]
    fn a_fix_applies_whole_or_not_at_all() {
        let first = Fix::safe(vec![Edit::insertion(1, "a"), Edit::insertion(5, "b")]);
        let clashing = Fix::safe(vec![Edit::insertion(3, "c"), Edit::replacement(4..6, "d")]);
        let apart = Fix::safe(vec![Edit::insertion(8, "e")]);
        let applied = apply_fixes("0123456789", &[&first, &clashing, &apart], &[]);
        assert_eq!(applied.text, "0a1234b567e89");
        assert_eq!((applied.applied, applied.skipped), (2, 1));
    }

    #[test]
    fn file_edits_only_with_an_applied_fix() {
        let import = [Edit::insertion(0, "import os\n")];
        let none = apply_fixes("x", &[], &import);
        assert_eq!((none.text.as_str(), none.skipped), ("x", 0));
        let fix = Fix::safe(vec![Edit::insertion(1, "!")]);
        assert_eq!(apply_fixes("x", &[&fix], &import).text, "import os\nx!");
    }

    #[test]
    fn keeps_multibyte_text_around_edits() {
        let (out, skipped) = apply("é(x)", &[Edit::insertion(4, ", y")]);
        assert_eq!((out.as_str(), skipped), ("é(x, y)", 0));
    }
}
