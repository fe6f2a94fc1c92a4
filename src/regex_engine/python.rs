//! Python for the regex engine: boto3 / botocore / aioboto3 client factories found by pattern,
//! their argument lists read by a small lexer that knows strings, comments and brackets.

use std::sync::OnceLock;

use regex::Regex;

use crate::lang::python::{Arg, ArgKind, ArgList, StringLit};
use crate::lang::Language;
use crate::sdk::python::{service, state};
use crate::sdk::{self, Detection, Site, SiteKind, Target};

use super::lexer::{bracketed, mark, string_end, Class};

/// `boto3.client(`, `boto3.resource(`, `<anything>session(...).client(` / `.resource(` (any
/// case: `SESSION.client(`), and
/// `.create_client(` (botocore, aiobotocore).
const FACTORY_PATTERN: &str = r"(?:\bboto3\s*\.\s*(?:client|resource)|(?i:session)\s*(?:\([^()\n]*\))?\s*\.\s*(?:client|resource)|\.\s*create_client)\s*\(";

fn factory() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(FACTORY_PATTERN).expect("FACTORY_PATTERN is valid"))
}

pub fn detect(text: &str) -> Detection {
    let classes = classify(text);
    let sites = factory()
        .find_iter(text)
        .filter(|m| classes[m.start()] == Class::Code)
        .filter_map(|m| site(text, &classes, m.start(), m.end() - 1))
        .collect();
    Detection {
        import_point: import_point(text),
        env_readable: imports_os(text),
        ..Detection::new(sites, sdk::preferred_quote(Language::Python, text))
    }
}

fn site(text: &str, classes: &[Class], start: usize, open: usize) -> Option<Site> {
    let args = arg_list(text, classes, open)?;
    let start = receiver_start(text, start);
    let constructor: String = text[start..open]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let kind = if constructor.ends_with("resource") {
        SiteKind::Resource
    } else {
        SiteKind::Client
    };
    Some(Site {
        range: start..args.close + 1,
        language: Language::Python,
        kind,
        service: service(&args),
        state: state(&args, text),
        constructor,
        target: Target::PythonCall(args),
    })
}

/// Extends a match to the left over the dotted name before it (`self.session` in
/// `self.session.client(`), for messages.
fn receiver_start(text: &str, start: usize) -> usize {
    let before = &text[..start];
    let kept = before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
    kept.len()
}

/// Classifies every byte: strings, `#` comments, blanks and code.
fn classify(text: &str) -> Vec<Class> {
    let bytes = text.as_bytes();
    let mut classes = vec![Class::Code; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'#' => {
                let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                mark(&mut classes, i..end, Class::Comment);
                end
            }
            q @ (b'\'' | b'"') => {
                let triple = bytes.get(i..i + 3) == Some(&[q, q, q][..]);
                let end = string_end(bytes, i, triple, false);
                mark(&mut classes, i..end, Class::Str);
                end
            }
            b' ' | b'\t' | b'\r' | b'\n' | b'\\' => {
                classes[i] = Class::Blank;
                i + 1
            }
            _ => i + 1,
        };
        i = end;
    }
    classes
}

/// The argument list whose `(` is at `open`, when its `)` can be found.
fn arg_list(text: &str, classes: &[Class], open: usize) -> Option<ArgList> {
    let list = bracketed(text, classes, open)?;
    Some(ArgList {
        open: list.open,
        close: list.close,
        items: list
            .items
            .into_iter()
            .map(|range| argument(text, range))
            .collect(),
        trailing_comma: list.trailing_comma,
    })
}

fn argument(text: &str, range: std::ops::Range<usize>) -> Arg {
    static KEYWORD: OnceLock<Regex> = OnceLock::new();
    let keyword = KEYWORD.get_or_init(|| {
        Regex::new(r"^([A-Za-z_]\w*)\s*=([^=]|$)").expect("keyword pattern is valid")
    });
    let item = &text[range.clone()];
    let (kind, value) = if item.starts_with("**") {
        (ArgKind::DictSplat, None)
    } else if item.starts_with('*') {
        (ArgKind::ListSplat, None)
    } else if let Some(c) = keyword.captures(item) {
        let after = range.start + c.get(0).map_or(0, |m| m.end()) - c[2].len();
        let rest = &text[after..range.end];
        let value = after + (rest.len() - rest.trim_start().len())..range.end;
        (
            ArgKind::Keyword {
                name: c[1].to_string(),
                value: value.clone(),
            },
            Some(value),
        )
    } else {
        (ArgKind::Positional, Some(range.clone()))
    };
    Arg {
        range,
        kind,
        string: value.and_then(|v| string_literal(&text[v])),
    }
}

/// A string literal's quote, and its value when it is plain (no escapes, no f-string).
fn string_literal(source: &str) -> Option<StringLit> {
    let prefix_len = source.len()
        - source
            .trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B', 'f', 'F'])
            .len();
    let prefix = source[..prefix_len].to_ascii_lowercase();
    let body = &source[prefix_len..];
    let quote = body.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let plain = prefix.is_empty() || prefix == "r" || prefix == "u";
    let inner = body
        .strip_prefix(quote)
        .and_then(|b| b.strip_suffix(quote))
        .filter(|inner| {
            !inner.contains([quote, '\\', '\n'])
                && !body.starts_with(&format!("{quote}{quote}{quote}"))
        });
    Some(StringLit {
        quote,
        value: inner.filter(|_| plain).map(str::to_string),
    })
}

/// Whether a line imports `os` itself (`import os`, `import os, sys`).
fn imports_os(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.strip_prefix("import ")
            .is_some_and(|names| names.split(',').any(|n| n.trim() == "os"))
    })
}

/// Where a new import goes: the start of the first top-level import line that is not a
/// `from __future__` import, else the start of the text.
fn import_point(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let is_import = line.starts_with("import ") || line.starts_with("from ");
        if is_import && !line.starts_with("from __future__") {
            return offset;
        }
        offset += line.len();
    }
    0
}
