//! What the regex engine's languages share: a byte classification (code, blank, string,
//! comment) made by each language's small lexer, and comma-separated bracketed lists read
//! from it.

use std::ops::Range;

/// How far after the opening bracket the closing one may be.
const MAX_LIST_BYTES: usize = 16 * 1024;

/// What a byte of the text is, as far as a line-based reader can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Code,
    Blank,
    Str,
    Comment,
}

/// A bracketed, comma-separated list: `(a, b)`, `{ k: v, }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bracketed {
    /// Offset of the opening bracket.
    pub open: usize,
    /// Offset of the closing bracket.
    pub close: usize,
    /// Each item without surrounding blanks and comments.
    pub items: Vec<Range<usize>>,
    /// Offset of a comma after the last item, if there is one.
    pub trailing_comma: Option<usize>,
}

/// The list whose opening bracket is at `open`, when its closing bracket can be found and no
/// item is empty.
pub fn bracketed(text: &str, classes: &[Class], open: usize) -> Option<Bracketed> {
    let bytes = text.as_bytes();
    let closing = match bytes[open] {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    };
    let limit = bytes.len().min(open + MAX_LIST_BYTES);
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
            b if b == closing => {
                close = Some(i);
                break;
            }
            b')' | b']' | b'}' => return None,
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
                items.push(range);
            }
            None if pair[1] == close && pair[0] != open => trailing_comma = Some(pair[0]),
            None if pair[1] == close => {}
            None => return None,
        }
    }
    Some(Bracketed {
        open,
        close,
        items,
        trailing_comma,
    })
}

/// The range between `from` and `to` without surrounding blanks and comments.
fn significant(classes: &[Class], from: usize, to: usize) -> Option<Range<usize>> {
    let keep = |c: &Class| matches!(c, Class::Code | Class::Str);
    let start = from + classes[from..to].iter().position(keep)?;
    let end = from + classes[from..to].iter().rposition(keep)? + 1;
    Some(start..end)
}

/// The offset just past a quoted string starting at `start`: `triple` quotes (Python) may span
/// lines; other strings end at the line break, so a broken line cannot hide the rest of the file.
pub fn string_end(bytes: &[u8], start: usize, triple: bool, multiline: bool) -> usize {
    let quote = bytes[start];
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple && !multiline => return i,
            b if b == quote && !triple => return i + 1,
            b if b == quote && bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) => {
                return i + 3
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Marks `range` as `class`, clamped to the text.
pub fn mark(classes: &mut [Class], range: Range<usize>, class: Class) {
    let end = range.end.min(classes.len());
    classes[range.start.min(end)..end].fill(class);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Vec<Class> {
        text.bytes()
            .map(|b| if b == b' ' { Class::Blank } else { Class::Code })
            .collect()
    }

    #[test]
    fn reads_items_and_trailing_comma() {
        let text = "(a, f(b, c), {d: 1},)";
        let list = bracketed(text, &code(text), 0).unwrap();
        let items: Vec<&str> = list.items.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(items, vec!["a", "f(b, c)", "{d: 1}"]);
        assert_eq!(list.trailing_comma, Some(19));
        assert_eq!(list.close, 20);
    }

    #[test]
    fn refuses_unbalanced_and_empty_items() {
        let unbalanced = "(a, ]";
        assert_eq!(bracketed(unbalanced, &code(unbalanced), 0), None);
        let empty = "(a,, b)";
        assert_eq!(bracketed(empty, &code(empty), 0), None);
    }
}
