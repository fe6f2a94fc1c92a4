//! Python for the regex engine: boto3 / botocore / aioboto3 client factories found by pattern,
//! their argument lists read by a small lexer that knows strings, comments and brackets.

use std::sync::OnceLock;

use regex::Regex;

use crate::lang::python::{Arg, ArgKind, ArgList, StringLit};
use crate::lang::Language;
use crate::sdk::python::{service, state};
use crate::sdk::{Detection, Site, SiteKind, Target};

/// `boto3.client(`, `boto3.resource(`, `<anything>session(...).client(` / `.resource(`, and
/// `.create_client(` (botocore, aiobotocore).
const FACTORY_PATTERN: &str = r"(?:\bboto3\s*\.\s*(?:client|resource)|[Ss]ession\s*(?:\([^()\n]*\))?\s*\.\s*(?:client|resource)|\.\s*create_client)\s*\(";
/// How far after `(` the closing parenthesis may be.
const MAX_CALL_BYTES: usize = 16 * 1024;

/// What a byte of the text is, as far as a line-based reader can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Code,
    Blank,
    Str,
    Comment,
}

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
        sites,
        preferred_quote: preferred_quote(text, &classes),
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
        state: state(&args),
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

/// Classifies every byte: strings (single-line ones end at the line break, so a broken line
/// cannot hide the rest of the file), comments, blanks and code.
fn classify(text: &str) -> Vec<Class> {
    let bytes = text.as_bytes();
    let mut classes = vec![Class::Code; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                classes[i..end].fill(Class::Comment);
                i = end;
            }
            b'\'' | b'"' => {
                let end = string_end(bytes, i);
                classes[i..end].fill(Class::Str);
                i = end;
            }
            b' ' | b'\t' | b'\r' | b'\n' | b'\\' => {
                classes[i] = Class::Blank;
                i += 1;
            }
            _ => i += 1,
        }
    }
    classes
}

/// The offset just past the string literal that starts at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start..start + 3) == Some(&[quote, quote, quote][..]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            b if b == quote && !triple => return i + 1,
            b if b == quote && bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) => {
                return i + 3
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The argument list whose `(` is at `open`, when its `)` can be found.
fn arg_list(text: &str, classes: &[Class], open: usize) -> Option<ArgList> {
    let bytes = text.as_bytes();
    let limit = bytes.len().min(open + MAX_CALL_BYTES);
    let mut depth = 0usize;
    let mut separators = vec![open];
    let mut close = None;
    for i in open + 1..limit {
        if classes[i] != Class::Code {
            continue;
        }
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b')' => {
                close = Some(i);
                break;
            }
            b']' | b'}' => return None,
            b',' if depth == 0 => separators.push(i),
            _ => {}
        }
    }
    let close = close?;
    separators.push(close);
    let mut items = Vec::new();
    let mut trailing_comma = None;
    for pair in separators.windows(2) {
        match significant(classes, pair[0] + 1, pair[1]) {
            Some(range) => {
                trailing_comma = None;
                items.push(argument(text, range));
            }
            None if pair[1] == close && pair[0] != open => trailing_comma = Some(pair[0]),
            None if pair[1] == close => {}
            None => return None,
        }
    }
    Some(ArgList {
        open,
        close,
        items,
        trailing_comma,
    })
}

/// The range between `from` and `to` without surrounding blanks and comments.
fn significant(classes: &[Class], from: usize, to: usize) -> Option<std::ops::Range<usize>> {
    let keep = |c: &Class| matches!(c, Class::Code | Class::Str);
    let start = from + classes[from..to].iter().position(keep)?;
    let end = from + classes[from..to].iter().rposition(keep)? + 1;
    Some(start..end)
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

/// The quote character the file's code uses most.
fn preferred_quote(text: &str, classes: &[Class]) -> char {
    let bytes = text.as_bytes();
    let starts = |q: u8| {
        (0..bytes.len())
            .filter(|&i| {
                bytes[i] == q
                    && classes[i] == Class::Str
                    && (i == 0 || classes[i - 1] != Class::Str)
            })
            .count()
    };
    if starts(b'\'') > starts(b'"') {
        '\''
    } else {
        '"'
    }
}
