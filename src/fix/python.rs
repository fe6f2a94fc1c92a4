//! Python fixes: add `endpoint_url=...` as the last argument of a call, and take it away again.
//!
//! `redirect` and `unredirect` are exact inverses for every layout `redirect` produces:
//! - `f()`           → `f(endpoint_url="E")`
//! - `f(a)`          → `f(a, endpoint_url="E")`
//! - `f(a,)`         → `f(a, endpoint_url="E",)`
//! - one argument per line, with trailing comma: a new line `endpoint_url="E",` after the
//!   trailing comma's line (comments on that line stay on it);
//! - one argument per line, without: a `,` after the last argument and a new line
//!   `endpoint_url="E"` after its line.

use crate::lang::python::{ArgKind, ArgList, StringLit};
use crate::sdk::python::ENDPOINT_KEYWORD;
use crate::sdk::ENDPOINT_ENV_VARIABLE;

use super::append::{append, List};
use super::style::{deeper, indentation, line_break_at, line_end, line_start, quoted};
use super::{Edit, EndpointStyle, Redirection};

/// The import line `--style env` adds where `os` is not imported; the comment lets `unpatch`
/// tell it from an import of the user's own.
const OS_IMPORT: &str = "import os  # added by awsredirect";

/// The endpoint expression in a style, e.g. `"http://localhost:4566"` or
/// `os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566")`.
fn endpoint_value(endpoint: &str, style: EndpointStyle, quote: char) -> String {
    let literal = quoted(endpoint, quote);
    match style {
        EndpointStyle::Literal => literal,
        EndpointStyle::Env => format!(
            "os.environ.get({}, {literal})",
            quoted(ENDPOINT_ENV_VARIABLE, quote)
        ),
    }
}

/// The edits that add `endpoint_url=<endpoint>` to the call.
pub fn redirect(args: &ArgList, text: &str, preferred_quote: char, to: Redirection) -> Vec<Edit> {
    let quote = call_quote(args).unwrap_or(preferred_quote);
    let keyword = format!(
        "{ENDPOINT_KEYWORD}={}",
        endpoint_value(to.endpoint, to.style, quote)
    );
    let list = List {
        open: args.open,
        close: args.close,
        last: args.items.last().map(|a| (a.range.start, a.range.end)),
        trailing_comma: args.trailing_comma,
    };
    append(text, &list, &[keyword], || {
        deeper(indentation(text, args.open))
    })
}

/// The edits that remove an `endpoint_url` set to exactly `endpoint`, or `None` if there is none.
/// Layouts `redirect` produces are undone byte for byte; other layouts lose the argument and
/// the comma that separated it.
pub fn unredirect(args: &ArgList, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    let index = (0..args.items.len()).find(|&i| is_endpoint_keyword(args, i, text, endpoint))?;
    let item = &args.items[index];
    let Some(next) = args.items.get(index + 1) else {
        return Some(exact_removal(args, text, index).unwrap_or_else(|| last_removal(args, index)));
    };
    Some(vec![Edit::deletion(item.range.start..next.range.start)])
}

/// Undoes one of `redirect`'s layouts, when the text shows exactly that layout.
fn exact_removal(args: &ArgList, text: &str, index: usize) -> Option<Vec<Edit>> {
    let item = &args.items[index];
    let bytes = text.as_bytes();
    let previous = index.checked_sub(1).map(|i| &args.items[i]);
    let comma_follows = args.trailing_comma == Some(item.range.end);
    let start = line_start(text, item.range.start);
    let own_line = start > args.open && text[start..item.range.start].trim().is_empty();
    if own_line {
        let break_start = if start >= 2 && bytes[start - 2] == b'\r' {
            start - 2
        } else {
            start - 1
        };
        if comma_follows {
            return Some(vec![Edit::deletion(break_start..item.range.end + 1)]);
        }
        let previous = previous?;
        if bytes.get(previous.range.end) != Some(&b',') || args.trailing_comma.is_some() {
            return None;
        }
        return Some(vec![
            Edit::deletion(previous.range.end..previous.range.end + 1),
            Edit::deletion(break_start..item.range.end),
        ]);
    }
    match previous {
        None if item.range.start == args.open + 1 && args.trailing_comma.is_none() => {
            Some(vec![Edit::deletion(item.range.clone())])
        }
        Some(_) if comma_follows && text[..item.range.start].ends_with(", ") => {
            Some(vec![Edit::deletion(
                item.range.start - 1..item.range.end + 1,
            )])
        }
        Some(p)
            if args.trailing_comma.is_none() && &text[p.range.end..item.range.start] == ", " =>
        {
            Some(vec![Edit::deletion(p.range.end..item.range.end)])
        }
        _ => None,
    }
}

/// Removes a last argument written in a layout of the user's own.
fn last_removal(args: &ArgList, index: usize) -> Vec<Edit> {
    let item = &args.items[index];
    match index.checked_sub(1).map(|i| &args.items[i]) {
        Some(previous) => vec![Edit::deletion(previous.range.end..item.range.end)],
        None => {
            let end = args
                .trailing_comma
                .map_or(item.range.end, |comma| comma + 1);
            vec![Edit::deletion(item.range.start..end)]
        }
    }
}

/// The quote character of the call's first plain string argument.
fn call_quote(args: &ArgList) -> Option<char> {
    args.items
        .iter()
        .filter(|a| !matches!(a.kind, ArgKind::ListSplat | ArgKind::DictSplat))
        .find_map(|a| a.string.as_ref().map(|StringLit { quote, .. }| *quote))
}

/// Whether argument `index` is `endpoint_url=` set to `endpoint` in a form `redirect` writes.
fn is_endpoint_keyword(args: &ArgList, index: usize, text: &str, endpoint: &str) -> bool {
    let ArgKind::Keyword { name, value } = &args.items[index].kind else {
        return false;
    };
    let value = &text[value.clone()];
    name == ENDPOINT_KEYWORD
        && [EndpointStyle::Literal, EndpointStyle::Env]
            .iter()
            .any(|style| {
                ['"', '\'']
                    .iter()
                    .any(|q| endpoint_value(endpoint, *style, *q) == value)
            })
}

/// Inserts `import os` (marked) at the module's import point.
pub fn os_import(text: &str, at: usize) -> Edit {
    let line_break = line_break_at(text, line_end(text, at));
    let lead = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        line_break
    } else {
        ""
    };
    Edit::insertion(at, format!("{lead}{OS_IMPORT}{line_break}"))
}

/// Removes the marked `import os` line, if the text has one.
pub fn remove_os_import(text: &str) -> Option<Edit> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches(['\r', '\n']) == OS_IMPORT {
            return Some(Edit::deletion(offset..offset + line.len()));
        }
        offset += line.len();
    }
    None
}
