//! Appending items to a bracketed, comma-separated list while keeping its layout: the one place
//! both the Python argument fix and the JavaScript object fix (and so both engines) decide where
//! a new item goes, on the same line or on a line of its own.

use super::style::{indentation, line_break_at, line_end, same_line};
use super::Edit;

/// The layout facts of a list: its brackets, its last item and its trailing comma.
#[derive(Debug, Clone, Copy)]
pub struct List {
    /// Offset of the opening bracket.
    pub open: usize,
    /// Offset of the closing bracket.
    pub close: usize,
    /// The last item's range, when the list has items.
    pub last: Option<(usize, usize)>,
    /// Offset of a comma after the last item.
    pub trailing_comma: Option<usize>,
}

/// The edits that append `items` to `list`:
/// - empty: the items inside the brackets;
/// - on one line: `, items` after the last item (` items,` after a trailing comma);
/// - one item per line: each item on a new line after the last one's line, at its indentation
///   (or at `nested` where the first item sits on the opening line), a comma after the last item
///   unless it has one, and a trailing comma kept where the list had one.
pub fn append(text: &str, list: &List, items: &[String], nested: impl Fn() -> String) -> Vec<Edit> {
    let inline = items.join(", ");
    let Some((last_start, last_end)) = list.last else {
        return vec![Edit::insertion(list.open + 1, inline)];
    };
    let anchor = list.trailing_comma.map_or(last_end, |comma| comma + 1);
    if same_line(text, anchor, list.close) {
        return match list.trailing_comma {
            Some(comma) => vec![Edit::insertion(comma + 1, format!(" {inline},"))],
            None => vec![Edit::insertion(last_end, format!(", {inline}"))],
        };
    }
    let indent = if same_line(text, list.open, last_start) {
        nested()
    } else {
        indentation(text, last_start).to_string()
    };
    let end = line_end(text, anchor);
    let line_break = line_break_at(text, end);
    let lines: Vec<String> = items
        .iter()
        .map(|item| format!("{line_break}{indent}{item}"))
        .collect();
    match list.trailing_comma {
        Some(_) => vec![Edit::insertion(end, format!("{},", lines.join(",")))],
        None => vec![
            Edit::insertion(last_end, ","),
            Edit::insertion(end, lines.join(",")),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> List {
        let open = text.find('(').unwrap();
        let close = text.rfind(')').unwrap();
        let inner = &text[open + 1..close];
        let trimmed = inner.trim_end().trim_end_matches(',');
        let trailing_comma = (trimmed.len() != inner.trim_end().len())
            .then(|| open + 1 + inner.trim_end().len() - 1);
        let last = (!trimmed.trim().is_empty()).then(|| {
            let start = trimmed.rfind([',', '(']).map_or(0, |i| i + 1);
            let start = start + trimmed[start..].len() - trimmed[start..].trim_start().len();
            (open + 1 + start, open + 1 + trimmed.len())
        });
        List {
            open,
            close,
            last,
            trailing_comma,
        }
    }

    fn appended(text: &str) -> String {
        let edits = append(text, &list(text), &["k=1".to_string()], || "    ".into());
        super::super::apply(text, &edits).0
    }

    #[test]
    fn keeps_each_layout() {
        assert_eq!(appended("f()"), "f(k=1)");
        assert_eq!(appended("f(a)"), "f(a, k=1)");
        assert_eq!(appended("f(a,)"), "f(a, k=1,)");
        assert_eq!(appended("f(\n  a,\n)"), "f(\n  a,\n  k=1,\n)");
        assert_eq!(appended("f(\n  a\n)"), "f(\n  a,\n  k=1\n)");
        assert_eq!(appended("f(a,\n  b)"), "f(a,\n  b, k=1)");
    }
}
