//! The AWS CLI in shell scripts: which commands are `aws` calls that reach AWS, which already
//! have `--endpoint-url`, and which cannot be told (`$AWS s3 ls`, `eval "$cmd"`).

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::lang::shell::{self, basename, Assignment, Command, Facts, NameKind, Word};
use crate::lang::Language;

use super::{Detection, Redirect, Site, SiteKind, SiteState, Target};

pub const ENDPOINT_OPTION: &str = "--endpoint-url";
/// The environment variable AWS CLI v2 reads as the endpoint of every service.
const ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL";
/// Global options of the AWS CLI that take a value as the next word.
const OPTIONS_WITH_VALUE: &[&str] = &[
    "--profile",
    "--region",
    "--output",
    "--query",
    "--endpoint-url",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--color",
    "--cli-binary-format",
];
/// Commands that never talk to an AWS endpoint.
const LOCAL_COMMANDS: &[&str] = &["configure", "help"];

pub fn detect(tree: &tree_sitter::Tree, text: &str) -> Detection {
    Detection::new(
        sites(shell::facts(tree, text), text),
        super::preferred_quote(Language::Shell, text),
    )
}

/// The sites among a file's commands; `text` is the text their offsets point into.
pub fn sites(facts: Facts, text: &str) -> Vec<Site> {
    let variables = Variables::of(&facts.assignments);
    facts
        .commands
        .into_iter()
        .filter_map(|command| site(command, &variables, text))
        .collect()
}

/// The site a command is, if it is (or may be) an AWS CLI call.
fn site(command: Command, variables: &Variables, text: &str) -> Option<Site> {
    let state = match command.name_kind {
        NameKind::Literal if is_aws_call(&command) => redirect_state(&command, text),
        NameKind::Literal => return None,
        NameKind::Variable | NameKind::Eval => dynamic_state(&command, variables, text)?,
    };
    let positional = positional_words(&command.args);
    let service = match command.name_kind {
        NameKind::Literal => positional.first().and_then(|w| w.value.clone()),
        _ => None,
    };
    Some(Site {
        range: command.range.clone(),
        language: Language::Shell,
        kind: SiteKind::CliCall,
        constructor: describe(&command, &positional, text),
        service,
        state,
        target: Target::ShellCommand(command),
    })
}

/// What the file's assignments say about its variables.
struct Variables {
    /// Variables whose value names the AWS CLI (`AWS=aws`, `cmd="aws s3 ls"`), also through
    /// other such variables (`run="$AWS s3 ls"`).
    aws: BTreeSet<String>,
    /// Variables every assignment of which carries `--endpoint-url`
    /// (`AWS="aws --endpoint-url http://localhost:4566"`), also through other such variables.
    redirected: BTreeSet<String>,
}

impl Variables {
    fn of(assignments: &[Assignment]) -> Variables {
        let aws = fixpoint(|found| {
            assignments
                .iter()
                .filter(|a| {
                    mentions_aws(&a.source)
                        || variable_references(&a.source).any(|v| found.contains(v) || names_aws(v))
                })
                .map(|a| a.name.clone())
                .collect()
        });
        let redirected = fixpoint(|found| {
            let carries = |a: &Assignment| {
                a.source.contains(ENDPOINT_OPTION)
                    || variable_references(&a.source).any(|v| found.contains(v))
            };
            assignments
                .iter()
                .filter(|a| {
                    assignments
                        .iter()
                        .filter(|other| other.name == a.name)
                        .all(carries)
                })
                .map(|a| a.name.clone())
                .collect()
        });
        Variables { aws, redirected }
    }

    /// A variable tied to the AWS CLI, by its value or by its name (`$AWS`, `$AWS_CLI`).
    fn names_aws(&self, variable: &str) -> bool {
        self.aws.contains(variable) || names_aws(variable)
    }
}

/// Applies `step` from the empty set until the set stops growing.
fn fixpoint(step: impl Fn(&BTreeSet<String>) -> BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    loop {
        let next: BTreeSet<String> = step(&found).union(&found).cloned().collect();
        if next.len() == found.len() {
            return found;
        }
        found = next;
    }
}

/// The state of a command named at run time or an `eval`: `None` when nothing ties it to the
/// AWS CLI, redirected when what ties it also carries `--endpoint-url`.
fn dynamic_state(command: &Command, variables: &Variables, text: &str) -> Option<SiteState> {
    let words = program_words(command);
    let aws_references: Vec<&String> = words
        .iter()
        .flat_map(|w| &w.variables)
        .filter(|v| variables.names_aws(v))
        .collect();
    let aws_word = |w: &Word| w.value.as_deref().map(basename) == Some("aws");
    let tied = words.iter().any(|w| mentions_aws(&text[w.range.clone()]))
        || !aws_references.is_empty()
        || command.args.iter().any(aws_word);
    if !tied {
        return None;
    }
    let carries_endpoint = endpoint_option(&command.args).is_some()
        || words
            .iter()
            .any(|w| text[w.range.clone()].contains(ENDPOINT_OPTION))
        || (!aws_references.is_empty()
            && aws_references
                .iter()
                .all(|v| variables.redirected.contains(*v)));
    if carries_endpoint {
        return Some(SiteState::Redirected(Redirect {
            endpoint: None,
            from_env: false,
            missing: None,
        }));
    }
    let reason = match command.name_kind {
        NameKind::Eval => {
            "`eval` runs a command assembled at run time from something that names the AWS CLI, \
             so --endpoint-url cannot be added or checked"
        }
        _ => {
            "the command name is built at run time from something that names the AWS CLI, so \
             --endpoint-url cannot be added or checked"
        }
    };
    Some(SiteState::CannotTell(reason.into()))
}

/// The words that make up the program run: `eval`'s arguments, or the name and its arguments
/// up to an `aws` word for a command named at run time (`$AWS --endpoint-url X s3 ls`).
fn program_words(command: &Command) -> Vec<&Word> {
    match command.name_kind {
        NameKind::Eval => command.args.iter().collect(),
        _ => std::iter::once(&command.name)
            .chain(&command.args)
            .take_while(|w| w.value.as_deref().map(basename) != Some("aws"))
            .collect(),
    }
}

/// Whether shell text has the word `aws` in it (not `awslocal`, `aws-vault` or `aws_completer`).
fn mentions_aws(source: &str) -> bool {
    static WORD: OnceLock<Regex> = OnceLock::new();
    WORD.get_or_init(|| Regex::new(r"(^|[^\w-])aws([^\w-]|$)").expect("valid pattern"))
        .is_match(source)
}

/// Whether a variable's name says it holds the AWS CLI (`AWS`, `AWS_CLI`, `aws_bin`).
fn names_aws(variable: &str) -> bool {
    variable
        .split('_')
        .any(|part| part.eq_ignore_ascii_case("aws") || part.eq_ignore_ascii_case("awscli"))
}

/// The names of the `$NAME` / `${NAME...}` references in shell text.
fn variable_references(source: &str) -> impl Iterator<Item = &str> {
    static REFERENCE: OnceLock<Regex> = OnceLock::new();
    REFERENCE
        .get_or_init(|| Regex::new(r"\$\{?[#!]?([A-Za-z_]\w*)").expect("valid pattern"))
        .captures_iter(source)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
}

/// `aws s3 ls` for a literal call; the name as written for a dynamic one.
fn describe(command: &Command, positional: &[&Word], text: &str) -> String {
    match command.name_kind {
        NameKind::Literal => {
            let mut words = vec!["aws".to_string()];
            words.extend(positional.iter().take(2).map(|w| match &w.value {
                Some(v) => v.clone(),
                None => "…".into(),
            }));
            words.join(" ")
        }
        NameKind::Variable => text[command.name.range.clone()].to_string(),
        NameKind::Eval => "eval".into(),
    }
}

/// An `aws` command that talks to an AWS service (not `configure`, `help` or `--version`).
fn is_aws_call(command: &Command) -> bool {
    if command.name.value.as_deref().map(basename) != Some("aws") {
        return false;
    }
    let positional = positional_words(&command.args);
    let Some(first) = positional.first() else {
        return false;
    };
    let local = first
        .value
        .as_deref()
        .is_some_and(|v| LOCAL_COMMANDS.contains(&v));
    let asks_help = command
        .args
        .last()
        .is_some_and(|w| w.value.as_deref() == Some("help"));
    let asks_version = command
        .args
        .iter()
        .any(|w| w.value.as_deref() == Some("--version"));
    !(local || asks_help || asks_version)
}

/// The words that are not global options or their values: service, operation, parameters.
fn positional_words(args: &[Word]) -> Vec<&Word> {
    let mut found = Vec::new();
    let mut skip_value = false;
    for word in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        let prefix = word.prefix.as_str();
        if prefix.starts_with("--") && found.is_empty() {
            skip_value = OPTIONS_WITH_VALUE.contains(&prefix);
            continue;
        }
        found.push(word);
    }
    found
}

fn redirect_state(command: &Command, text: &str) -> SiteState {
    if let Some(option) = endpoint_option(&command.args) {
        if option.value.as_deref() == Some("") {
            // The CLI ignores an empty endpoint: real AWS.
            return SiteState::PointsNowhere(text[option.range].to_string());
        }
        let from_env = command.args.iter().any(|w| {
            w.variables
                .iter()
                .any(|v| v == super::ENDPOINT_ENV_VARIABLE)
        });
        return SiteState::Redirected(Redirect {
            endpoint: option.value,
            from_env,
            missing: None,
        });
    }
    let variable = command
        .environment
        .iter()
        .find(|a| a.name == ENDPOINT_VARIABLE);
    if let Some(variable) = variable.filter(|v| v.value.as_deref() == Some("")) {
        return SiteState::PointsNowhere(format!("{}=", variable.name));
    }
    if let Some(variable) = variable {
        return SiteState::Redirected(Redirect {
            endpoint: variable.value.clone(),
            from_env: false,
            missing: None,
        });
    }
    SiteState::NotRedirected
}

/// `--endpoint-url X` or `--endpoint-url=X` among a command's words.
struct EndpointOption {
    /// X, when it is a literal (empty for `--endpoint-url ""` and `--endpoint-url=`).
    value: Option<String>,
    /// The option's words as written.
    range: Range<usize>,
}

/// The endpoint option the words carry, if any.
fn endpoint_option(args: &[Word]) -> Option<EndpointOption> {
    let equals = format!("{ENDPOINT_OPTION}=");
    args.iter().enumerate().find_map(|(i, word)| {
        if word.prefix == ENDPOINT_OPTION && word.value.is_some() {
            let next = args.get(i + 1);
            return Some(EndpointOption {
                value: next.and_then(|w| w.value.clone()),
                range: word.range.start..next.map_or(word.range.end, |w| w.range.end),
            });
        }
        let rest = word.prefix.strip_prefix(&equals)?;
        Some(EndpointOption {
            value: word.value.as_ref().map(|_| rest.to_string()),
            range: word.range.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(text: &str) -> Vec<(String, SiteState)> {
        let tree = crate::lang::parse(Language::Shell, text);
        detect(&tree, text)
            .sites
            .into_iter()
            .map(|s| (s.constructor, s.state))
            .collect()
    }

    #[test]
    fn substitutions_run_by_unquoted_heredocs_are_calls() {
        let text = "cat <<EOF\naws s3 ls\n$(aws sqs list-queues)\nEOF\ncat <<'EOF'\n$(aws sns list-topics)\nEOF\n";
        assert_eq!(
            states(text),
            vec![("aws sqs list-queues".to_string(), SiteState::NotRedirected)]
        );
    }

    #[test]
    fn endpoint_option_and_variable_count_as_redirected() {
        let redirected = |endpoint: Option<&str>| {
            SiteState::Redirected(Redirect {
                endpoint: endpoint.map(str::to_string),
                from_env: false,
                missing: None,
            })
        };
        let text = "aws --endpoint-url=http://e s3 ls\naws s3 ls --endpoint-url \"$E\"\nAWS_ENDPOINT_URL=http://v aws s3 ls\n";
        let found: Vec<SiteState> = states(text).into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            found,
            vec![
                redirected(Some("http://e")),
                redirected(None),
                redirected(Some("http://v"))
            ]
        );
    }

    #[test]
    fn local_commands_are_not_calls() {
        let text = "aws configure list\naws --profile p configure get region\naws help\naws s3 help\naws --version\naws\nawslocal s3 ls\n";
        assert!(states(text).is_empty());
    }
}
