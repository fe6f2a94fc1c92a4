//! Per-file style facts for new code: quotes, line endings, indentation.

/// Quotes `value` as a string literal with `quote`, escaping what must be escaped.
pub fn quoted(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push(quote);
    for c in value.chars() {
        if c == quote || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// Offset of the start of the line holding `at`.
pub fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Offset of the line break ending the line that holds `at` (`\r` of a CRLF), or the text's end.
pub fn line_end(text: &str, at: usize) -> usize {
    match text[at..].find('\n') {
        Some(i) if i > 0 && text.as_bytes()[at + i - 1] == b'\r' => at + i - 1,
        Some(i) => at + i,
        None => text.len(),
    }
}

/// The line break used at `line_end` (`\r\n` or `\n`); `\n` at the end of the text.
pub fn line_break_at(text: &str, line_end: usize) -> &'static str {
    if text[line_end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// The leading spaces and tabs of the line holding `at`.
pub fn indentation(text: &str, at: usize) -> &str {
    let start = line_start(text, at);
    let rest = &text[start..];
    &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()]
}

/// One more level of indentation after `base`: a tab where the file indents with tabs.
pub fn deeper(base: &str) -> String {
    if base.contains('\t') {
        format!("{base}\t")
    } else {
        format!("{base}    ")
    }
}

/// Whether `a` and `b` are on the same line.
pub fn same_line(text: &str, a: usize, b: usize) -> bool {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    !text[lo..hi].contains('\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_the_quote() {
        assert_eq!(quoted("http://x", '"'), "\"http://x\"");
        assert_eq!(quoted("it's", '\''), "'it\\'s'");
    }

    #[test]
    fn line_end_stops_before_crlf() {
        let text = "a = 1\r\nb = 2\n";
        assert_eq!(line_end(text, 0), 5);
        assert_eq!(line_break_at(text, 5), "\r\n");
        assert_eq!(line_end(text, 8), 12);
        assert_eq!(indentation("x\n\t  y", 4), "\t  ");
    }
}
