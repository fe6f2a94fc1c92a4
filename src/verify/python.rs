//! Strict Python parsing with rustpython-parser, of a whole text or of the lines a change
//! touched.

use std::ops::Range;

use super::VerifyError;

pub use crate::fix::Change;

pub fn strict_parse(text: &str) -> Result<(), VerifyError> {
    use rustpython_parser::{parse, Mode};
    parse(text, Mode::Module, "<patched>")
        .map(|_| ())
        .map_err(|e| VerifyError {
            message: e.error.to_string(),
            offset: Some(u32::from(e.offset) as usize),
        })
}

/// Whether the changed text parses, judged by the parts a change fell in: `lines` are whole
/// lines of the old text that hold complete top-level statements
/// (`lang::python::statement_lines`), so the tokenizer is at rest at both ends of each. Each
/// part a change fell strictly inside is parsed on its own, changed; outside them the text is
/// the old one, byte for byte, so the whole parses where the old text did, as it did. `false`
/// when a change falls outside every part (between statements, at a part's edge) or a part
/// does not parse on its own: the caller then parses the whole text, as without this.
pub fn changed_lines_parse(after: &str, lines: &[Range<usize>], changes: &[Change]) -> bool {
    let mut touched = vec![false; lines.len()];
    for (range, _) in changes {
        let within = |part: &Range<usize>| part.start < range.start && range.end < part.end;
        match lines.iter().position(within) {
            Some(i) => touched[i] = true,
            None => return false,
        }
    }
    // Where a position of the old text is in the new one: moved by every change before it.
    let moved = |at: usize| {
        let before = changes.iter().filter(|(range, _)| range.end <= at);
        before.fold(at, |at, (range, len)| at - range.len() + len)
    };
    let parts = lines.iter().zip(touched).filter(|(_, touched)| *touched);
    parts
        .map(|(part, _)| after.get(moved(part.start)..moved(part.end)))
        .all(|part| part.is_some_and(|part| strict_parse(part).is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<Range<usize>> {
        let tree = crate::lang::parse(crate::lang::Language::Python, text);
        crate::lang::python::statement_lines(&tree, text)
    }

    /// Applies `changes` (in order, not overlapping) to `text`.
    fn changed(text: &str, changes: &[(Range<usize>, &str)]) -> (String, Vec<Change>) {
        let edits: Vec<crate::fix::Edit> = changes
            .iter()
            .map(|(range, with)| crate::fix::Edit::replacement(range.clone(), *with))
            .collect();
        let noted = changes
            .iter()
            .map(|(r, with)| (r.clone(), with.len()))
            .collect();
        (crate::fix::apply(text, &edits).0, noted)
    }

    #[test]
    fn statements_sharing_a_line_are_one_part_and_comments_stand_alone() {
        let text = "import boto3\n\n# a comment\nx = 1; y = (2,\n  3)\ndef f():\n    return 1\n";
        let parts: Vec<&str> = parts(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            parts,
            [
                "import boto3\n",
                "# a comment\n",
                "x = 1; y = (2,\n  3)\n",
                "def f():\n    return 1\n"
            ]
        );
    }

    #[test]
    fn a_change_inside_a_statement_is_judged_by_that_statement() {
        let text = "import boto3\n\ns3 = boto3.client(\"s3\")\n\n\ndef f():\n    return boto3.client(\"sqs\")\n";
        let lines = parts(text);
        let at = text.find("\"s3\"").unwrap() + 4;
        let (good, noted) = changed(text, &[(at..at, ", endpoint_url=\"http://x\"")]);
        assert!(changed_lines_parse(&good, &lines, &noted));
        let (bad, noted) = changed(text, &[(at..at, ", endpoint_url=(")]);
        assert!(!changed_lines_parse(&bad, &lines, &noted));
        // Two changes, the second in a later part, moved by the first.
        let second = text.find("\"sqs\"").unwrap() + 5;
        let (good, noted) = changed(text, &[(at..at, ", a=1"), (second..second, ", b=2")]);
        assert!(changed_lines_parse(&good, &lines, &noted));
        let (bad, noted) = changed(text, &[(at..at, ", a=1"), (second..second, ", b=")]);
        assert!(!changed_lines_parse(&bad, &lines, &noted));
    }

    #[test]
    fn a_change_between_statements_or_at_a_parts_edge_is_left_to_the_whole_text() {
        let text = "import boto3\n\ns3 = boto3.client(\"s3\")\n";
        let lines = parts(text);
        let between = text.find("\ns3").unwrap();
        let (after, noted) = changed(text, &[(between..between, "\nimport os")]);
        assert!(!changed_lines_parse(&after, &lines, &noted));
        let (after, noted) = changed(text, &[(0..0, "import os\n")]);
        assert!(!changed_lines_parse(&after, &lines, &noted));
    }

    #[test]
    fn an_indented_part_does_not_parse_alone_so_the_whole_text_decides() {
        // Not valid Python; tree-sitter reads it with an error, and a part of it standing alone
        // does not parse either: the answer is never a false "parses".
        let text = "  x = f(1)\n";
        let lines = parts(text);
        let at = text.find("1").unwrap() + 1;
        let (after, noted) = changed(text, &[(at..at, ", 2")]);
        assert!(!changed_lines_parse(&after, &lines, &noted));
    }
}
