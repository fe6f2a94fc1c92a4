//! Shell fixes: add `--endpoint-url <endpoint>` right after the `aws` word, and take it away.
//!
//! `redirect` and `unredirect` are exact inverses: `aws s3 ls` → `aws --endpoint-url E s3 ls`,
//! with E quoted only when it holds characters the shell would interpret. `unredirect` removes
//! only that layout (the option right after `aws`, one space before each word, E as the value):
//! an option the user wrote another way (`--endpoint-url=E`, at the end, quoted) is theirs.

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

/// The edit that removes the `--endpoint-url <endpoint>` `redirect` added, or `None` if the
/// command does not start with exactly that.
pub fn unredirect(command: &Command, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    let (index, count) = endpoint_words(&command.args, endpoint)?;
    let option = &command.args[index];
    let value = &command.args[index + count - 1];
    let name_end = command.name.range.end;
    let added = format!(" {ENDPOINT_OPTION} ");
    let exact = index == 0
        && count == 2
        && text.get(name_end..value.range.start) == Some(added.as_str())
        && option.range.start == name_end + 1;
    exact.then(|| vec![Edit::deletion(name_end..value.range.end)])
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
