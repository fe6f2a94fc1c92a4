//! Edits and fixes: byte-range insertions, deletions and replacements, applied as a pure function.
//!
//! All offsets are byte offsets into the text the edits were computed from.

pub mod javascript;
pub mod python;
pub mod shell;
pub mod style;

use std::ops::Range;

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
        Target::JsGlobalConfig => Vec::new(),
        Target::ShellCommand(command) => shell::redirect(command, to),
    }
}

/// The edits that take away an override of `endpoint` in either style, if the site has one.
pub fn unredirect(site: &Site, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    match &site.target {
        Target::PythonCall(args) => python::unredirect(args, text, endpoint),
        Target::JsNew(new) => javascript::unredirect(new, text, endpoint),
        Target::JsGlobalConfig => None,
        Target::ShellCommand(command) => shell::unredirect(command, text, endpoint),
    }
}

/// The edit that makes the environment readable where the env style needs it (an import).
pub fn env_setup(site: &Site, text: &str, detection: &Detection) -> Option<Edit> {
    if detection.env_readable {
        return None;
    }
    match &site.target {
        Target::PythonCall(_) => Some(python::os_import(text, detection.import_point)),
        Target::JsNew(_) | Target::JsGlobalConfig | Target::ShellCommand(_) => None,
    }
}

/// The edit that removes what `env_setup` added, if the text has it.
pub fn env_teardown(site: &Site, text: &str) -> Option<Edit> {
    match &site.target {
        Target::PythonCall(_) => python::remove_os_import(text),
        Target::JsNew(_) | Target::JsGlobalConfig | Target::ShellCommand(_) => None,
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
    fn keeps_multibyte_text_around_edits() {
        let (out, skipped) = apply("é(x)", &[Edit::insertion(4, ", y")]);
        assert_eq!((out.as_str(), skipped), ("é(x, y)", 0));
    }
}
