//! Shell fixes: add `--endpoint-url <endpoint>` right after the `aws` word, and take it away.
//!
//! `redirect` and `unredirect` are exact inverses: `aws s3 ls` → `aws --endpoint-url E s3 ls`,
//! with E quoted only when it holds characters the shell would interpret. `unredirect` removes
//! only that layout (the option right after `aws`, one space before each word, E as the value):
//! an option the user wrote another way (`--endpoint-url=E`, at the end, quoted) is theirs.

use crate::lang::shell::Command;
use crate::sdk::shell::ENDPOINT_OPTION;
use crate::sdk::ENDPOINT_ENV_VARIABLE;

use super::{Edit, EndpointStyle, Redirection};

/// The edit that adds `--endpoint-url <endpoint>` after the command name.
pub fn redirect(command: &Command, to: Redirection) -> Vec<Edit> {
    vec![Edit::insertion(
        command.name.range.end,
        added_text(to.endpoint, to.style),
    )]
}

/// The edit that removes the `--endpoint-url <endpoint>` `redirect` added, or `None` if the
/// command does not start with exactly that: the option and its value are the first two
/// arguments, and the text from the end of `aws` to the end of the value is what `redirect`
/// inserts, byte for byte.
pub fn unredirect(command: &Command, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    let [option, value, ..] = command.args.as_slice() else {
        return None;
    };
    let name_end = command.name.range.end;
    let exact = |added: String| {
        option.range.start == name_end + 1
            && value.range.end == name_end + added.len()
            && text.get(name_end..value.range.end) == Some(added.as_str())
    };
    [EndpointStyle::Literal, EndpointStyle::Env]
        .into_iter()
        .any(|style| exact(added_text(endpoint, style)))
        .then(|| vec![Edit::deletion(name_end..value.range.end)])
}

/// What `redirect` inserts after `aws`: the endpoint, or in the env style
/// `"${AWS_ENDPOINT_URL:-<endpoint>}"`.
fn added_text(endpoint: &str, style: EndpointStyle) -> String {
    let value = match style {
        EndpointStyle::Literal => shell_quoted(endpoint),
        EndpointStyle::Env => format!(
            "\"${{{ENDPOINT_ENV_VARIABLE}:-{}}}\"",
            double_quoted_content(endpoint)
        ),
    };
    format!(" {ENDPOINT_OPTION} {value}")
}

/// `value` escaped for the inside of a double-quoted shell word.
fn double_quoted_content(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
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
    use crate::fix::apply;
    use crate::lang::{self, shell, Language};

    fn command(text: &str) -> Command {
        let tree = lang::parse(Language::Shell, text);
        shell::facts(&tree, text).commands.remove(0)
    }

    fn round_trip(text: &str, endpoint: &str) -> (String, String) {
        let to = Redirection {
            endpoint,
            style: EndpointStyle::Literal,
        };
        let (patched, _) = apply(text, &redirect(&command(text), to));
        let edits = unredirect(&command(&patched), &patched, endpoint).unwrap_or_default();
        let (restored, _) = apply(&patched, &edits);
        (patched, restored)
    }

    #[test]
    fn unredirect_undoes_redirect_byte_for_byte() {
        for (text, endpoint) in [
            ("aws s3 ls", "http://localhost:4566"),
            ("sudo aws \\\n  s3 ls # c", "http://localhost:4566"),
            ("aws s3 ls", "http://h:1/a b's"),
        ] {
            let (patched, restored) = round_trip(text, endpoint);
            assert_ne!(patched, text);
            assert_eq!(restored, text, "{patched}");
        }
    }

    #[test]
    fn unredirect_leaves_other_endpoints_and_layouts() {
        let endpoint = "http://localhost:4566";
        for text in [
            "aws --endpoint-url http://localhost:45667 s3 ls",
            "aws --endpoint-url=http://localhost:4566 s3 ls",
            "aws s3 ls --endpoint-url http://localhost:4566",
            "aws  --endpoint-url http://localhost:4566 s3 ls",
        ] {
            assert_eq!(unredirect(&command(text), text, endpoint), None, "{text}");
        }
    }

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
