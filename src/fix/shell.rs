//! Shell fixes: add `--endpoint-url <endpoint>` right after the `aws` word, and take it away.
//!
//! `redirect` and `unredirect` are exact inverses: `aws s3 ls` → `aws --endpoint-url E s3 ls`,
//! with E quoted only when it holds characters the shell would interpret. An option the user
//! wrote elsewhere (`--endpoint-url=E` at the end, on its own continuation line) is removed
//! together with the blanks that separated it from the word before.

use crate::lang::shell::Command;
use crate::sdk::shell::{endpoint_words, ENDPOINT_OPTION};

use super::Edit;

/// The edit that adds `--endpoint-url <endpoint>` after the command name.
pub fn redirect(command: &Command, endpoint: &str) -> Vec<Edit> {
    vec![Edit::insertion(
        command.name.range.end,
        format!(" {ENDPOINT_OPTION} {}", shell_quoted(endpoint)),
    )]
}

/// The edit that removes an `--endpoint-url` set to exactly `endpoint`, or `None` if there is none.
pub fn unredirect(command: &Command, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    let (index, count) = endpoint_words(&command.args, endpoint)?;
    let start = command.args[index].range.start;
    let end = command.args[index + count - 1].range.end;
    let before = text[..start].trim_end_matches([' ', '\t']).len();
    if before < start && !text[..before].ends_with('\n') {
        return Some(vec![Edit::deletion(before..end)]);
    }
    let after = end + (text[end..].len() - text[end..].trim_start_matches([' ', '\t']).len());
    Some(vec![Edit::deletion(start..after)])
}

/// `value` as one shell word: as is when every character is inert, else in single quotes.
pub fn shell_quoted(value: &str) -> String {
    let inert = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if !value.is_empty() && value.chars().all(inert) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(
            shell_quoted("http://localhost:4566"),
            "http://localhost:4566"
        );
        assert_eq!(shell_quoted("http://h/a b"), "'http://h/a b'");
        assert_eq!(shell_quoted("http://h/$x'y"), r"'http://h/$x'\''y'");
        assert_eq!(shell_quoted(""), "''");
    }
}
