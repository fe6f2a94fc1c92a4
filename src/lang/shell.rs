//! Shell facts from tree-sitter-bash: every simple command with the words it runs, after
//! wrappers such as `sudo`, `env`, `time`, `xargs` or `timeout` are resolved to the command
//! they start.
//!
//! Which commands are AWS CLI calls is decided in `sdk::shell`.

use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use super::Language;

/// One shell word with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub range: Range<usize>,
    /// The word after quote removal, when it holds no expansion or substitution.
    pub value: Option<String>,
    /// The static text the word starts with (all of it when `value` is known).
    pub prefix: String,
    /// The variables the word expands (`$AWS`, `${CLI:-aws}`), in order.
    pub variables: Vec<String>,
}

/// How the program a command runs is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A literal word such as `aws` or `/usr/local/bin/aws`.
    Literal,
    /// Built at run time from a variable or substitution (`$AWS`, `"${CLI:-aws}"`).
    Variable,
    /// `eval`: the arguments are run as a command string.
    Eval,
}

/// A `NAME=value` assignment: a shell variable, a prefix of a command, or a word given to `env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    /// The value after quote removal, when it holds no expansion or substitution.
    pub value: Option<String>,
    /// The value as written.
    pub source: String,
}

/// What the detector needs from one shell file.
#[derive(Debug, Default)]
pub struct Facts {
    /// Every command that runs a program, in source order.
    pub commands: Vec<Command>,
    /// Every variable assignment, in source order.
    pub assignments: Vec<Assignment>,
}

/// One simple command, resolved through wrappers.
#[derive(Debug, Clone)]
pub struct Command {
    /// The whole command, wrappers and prefix assignments included.
    pub range: Range<usize>,
    /// The word naming the program that runs.
    pub name: Word,
    pub name_kind: NameKind,
    /// The words after `name`.
    pub args: Vec<Word>,
    /// Prefix assignments and `env` / `sudo` `NAME=value` words.
    pub environment: Vec<Assignment>,
}

/// The kind and field ids `facts` looks for, in tree-sitter-bash.
struct Kinds {
    command: u16,
    command_name: u16,
    variable_assignment: u16,
    name: u16,
}

impl Kinds {
    fn get() -> &'static Kinds {
        static KINDS: OnceLock<Kinds> = OnceLock::new();
        KINDS.get_or_init(|| {
            let grammar = Language::Shell.grammar();
            let kind = |name: &str| grammar.id_for_node_kind(name, true);
            Kinds {
                command: kind("command"),
                command_name: kind("command_name"),
                variable_assignment: kind("variable_assignment"),
                name: grammar
                    .field_id_for_name("name")
                    .map_or(0, std::num::NonZeroU16::get),
            }
        })
    }
}

/// The commands and variable assignments of a file: every `command` whose `name` is a
/// `command_name`, and every `variable_assignment`, wherever they sit (lists, pipelines,
/// compound statements, functions, subshells, `$(...)` and backticks, also inside strings,
/// assignments, arrays and unquoted heredoc bodies, and ERROR nodes), in one walk of the tree.
pub fn facts(tree: &Tree, text: &str) -> Facts {
    let kinds = Kinds::get();
    let mut facts = Facts::default();
    super::preorder(tree.root_node(), |node, _, _| {
        let kind = node.kind_id();
        if kind == kinds.command {
            let name = node.child_by_field_id(kinds.name);
            if name.is_some_and(|name| name.kind_id() == kinds.command_name) {
                facts.commands.extend(command_facts(node, text));
            }
        } else if kind == kinds.variable_assignment {
            facts.assignments.extend(assignment(node, text));
        }
    });
    facts.commands.sort_by_key(|c| c.range.start);
    facts
}

/// The command a `command` node runs, plus any tree-sitter-bash glued onto it (see
/// `split_misparsed`).
fn command_facts(node: Node, text: &str) -> Vec<Command> {
    let Some(name_node) = node.child_by_field_name("name") else {
        return Vec::new();
    };
    let mut words = vec![word(name_node.named_child(0).unwrap_or(name_node), text)];
    let mut cursor = node.walk();
    words.extend(
        node.children_by_field_name("argument", &mut cursor)
            .map(|n| word(n, text)),
    );
    let environment: Vec<Assignment> = {
        let mut cursor = node.walk();
        node.children(&mut cursor)
            .filter(|c| c.kind() == "variable_assignment")
            .filter_map(|c| assignment(c, text))
            .collect()
    };
    let mut segments = split_misparsed(words, text).into_iter();
    let mut found = Vec::new();
    if let Some(first) = segments.next() {
        let end = if segments.len() == 0 {
            node.end_byte()
        } else {
            first.last().map_or(node.end_byte(), |w| w.range.end)
        };
        found.extend(resolve(node.start_byte()..end, &first, environment));
    }
    for words in segments {
        let range = words[0].range.start..words[words.len() - 1].range.end;
        found.extend(resolve(range, &words, Vec::new()));
    }
    found
}

/// tree-sitter-bash 0.25 reads a line that starts with an escaped word (`\aws s3 ls`) as more
/// arguments of the command on the line before, in a word that begins with the line break.
/// Such a word starts a command of its own.
fn split_misparsed(words: Vec<Word>, text: &str) -> Vec<Vec<Word>> {
    let mut segments: Vec<Vec<Word>> = vec![Vec::new()];
    for w in words {
        let raw = &text[w.range.clone()];
        let glued = raw.len() - raw.trim_start().len();
        if glued > 0 && raw[..glued].contains('\n') {
            let start = w.range.start + glued;
            let mut value = String::new();
            unescape_word(&text[start..w.range.end], &mut value);
            let fixed = Word {
                range: start..w.range.end,
                value: w.value.as_ref().map(|_| value.clone()),
                prefix: value,
                variables: w.variables,
            };
            segments.push(vec![fixed]);
            continue;
        }
        segments
            .last_mut()
            .expect("starts with one segment")
            .push(w);
    }
    segments.retain(|s| !s.is_empty());
    segments
}

/// Resolves wrappers and names the program of one command's words.
fn resolve(
    range: Range<usize>,
    words: &[Word],
    mut environment: Vec<Assignment>,
) -> Option<Command> {
    let start = resolve_wrappers(words, &mut environment)?;
    let name = words[start].clone();
    let name_kind = match name.value.as_deref() {
        None => NameKind::Variable,
        Some("eval") => NameKind::Eval,
        Some(_) => NameKind::Literal,
    };
    Some(Command {
        range,
        name,
        name_kind,
        args: words[start + 1..].to_vec(),
        environment,
    })
}

fn assignment(node: Node, text: &str) -> Option<Assignment> {
    let name = node_text(node.child_by_field_name("name")?, text).to_string();
    let (value, source) = match node.child_by_field_name("value") {
        Some(v) => (word(v, text).value, node_text(v, text).to_string()),
        None => (Some(String::new()), String::new()),
    };
    Some(Assignment {
        name,
        value,
        source,
    })
}

/// Options of a wrapper command: those that take a separate value, and those that mean the
/// wrapper runs nothing (`command -v aws` only prints a path).
struct WrapperOptions {
    with_value: &'static [&'static str],
    runs_nothing: &'static [&'static str],
    /// Positional words before the command (`timeout DURATION cmd`).
    leading_operands: usize,
}

fn wrapper_options(program: &str) -> Option<WrapperOptions> {
    let (with_value, runs_nothing, leading_operands): (&[&str], &[&str], usize) = match program {
        "sudo" => (
            &[
                "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R",
            ],
            &[
                "-l",
                "-v",
                "-k",
                "-K",
                "-V",
                "-e",
                "--list",
                "--validate",
                "--version",
            ],
            0,
        ),
        "env" => (&["-u", "-C", "--unset", "--chdir"], &["-S"], 0),
        "time" => (&["-f", "-o", "--format", "--output"], &[], 0),
        "command" => (&[], &["-v", "-V"], 0),
        "exec" => (&["-a"], &[], 0),
        "nohup" => (&[], &[], 0),
        "xargs" => (
            &[
                "-a",
                "-d",
                "-E",
                "-I",
                "-L",
                "-n",
                "-P",
                "-s",
                "--arg-file",
                "--delimiter",
                "--max-args",
                "--max-procs",
                "--max-chars",
            ],
            &[],
            0,
        ),
        "timeout" => (&["-s", "-k", "--signal", "--kill-after"], &[], 1),
        "doas" => (&["-u", "-C"], &["-L"], 0),
        "nice" => (&["-n", "--adjustment"], &[], 0),
        "ionice" => (
            &["-c", "-n", "--class", "--classdata"],
            &["-p", "-P", "-u"],
            0,
        ),
        "stdbuf" => (
            &["-i", "-o", "-e", "--input", "--output", "--error"],
            &[],
            0,
        ),
        _ => return None,
    };
    Some(WrapperOptions {
        with_value,
        runs_nothing,
        leading_operands,
    })
}

/// The index of the word naming the program that actually runs, or `None` when the command
/// runs no program (`command -v aws`, a bare `sudo`). `env` / `sudo` `NAME=value` words are
/// collected.
fn resolve_wrappers(words: &[Word], environment: &mut Vec<Assignment>) -> Option<usize> {
    let mut i = 0;
    loop {
        let program = words.get(i)?.value.as_deref().map(basename);
        let Some(options) = program.and_then(wrapper_options) else {
            return Some(i);
        };
        let takes_assignments = matches!(program, Some("env" | "sudo"));
        let environment = takes_assignments.then_some(&mut *environment);
        i = wrapped_command(words, i + 1, &options, environment)?;
    }
}

/// The index of the first word after a wrapper's options and operands, which starts at `i`;
/// `None` when an option means the wrapper runs nothing. `NAME=value` words (`env`, `sudo`)
/// are added to `environment` when it is given.
fn wrapped_command(
    words: &[Word],
    mut i: usize,
    options: &WrapperOptions,
    mut environment: Option<&mut Vec<Assignment>>,
) -> Option<usize> {
    let mut operands = options.leading_operands;
    while let Some(value) = words.get(i).and_then(|w| w.value.as_deref()) {
        if value == "--" {
            return Some(i + 1);
        }
        if options.runs_nothing.contains(&value) {
            return None;
        }
        let assignment = value.split_once('=').filter(|_| environment.is_some());
        i += if value.starts_with('-') && options.with_value.contains(&value) {
            2
        } else if value.starts_with('-') {
            1
        } else if let (Some((name, value)), Some(environment)) = (assignment, &mut environment) {
            environment.push(Assignment {
                name: name.to_string(),
                value: Some(value.to_string()),
                source: value.to_string(),
            });
            1
        } else if operands > 0 {
            operands -= 1;
            1
        } else {
            return Some(i);
        };
    }
    Some(i)
}

/// The last path component of a program name: `/usr/local/bin/aws` → `aws`.
pub fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// A word node with its static value, when it has one.
pub fn word(node: Node, text: &str) -> Word {
    let mut prefix = String::new();
    // tree-sitter-bash splits some single shell words in two (`"aws"\ sns` is the one word
    // `aws sns`): a word that runs on into more text has no value we can tell.
    let rest = &text[node.end_byte()..];
    let continuation = rest.starts_with("\\\n") || rest.starts_with("\\\r\n");
    let runs_on = !continuation
        && rest
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && !";|&()<>`".contains(c));
    let complete = static_text(node, text, &mut prefix) && !runs_on;
    Word {
        range: node.byte_range(),
        value: complete.then(|| prefix.clone()),
        prefix,
        variables: variables(node, text),
    }
}

/// The names of the variables expanded anywhere inside `node`.
fn variables(node: Node, text: &str) -> Vec<String> {
    if node.kind() == "variable_name" {
        return vec![node_text(node, text).to_string()];
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    children
        .into_iter()
        .flat_map(|child| variables(child, text))
        .collect()
}

/// Appends the static text of `node` to `out`; false when an expansion stops it.
fn static_text(node: Node, text: &str, out: &mut String) -> bool {
    let raw = node_text(node, text);
    match node.kind() {
        "word" | "number" => {
            unescape_word(raw, out);
            true
        }
        "raw_string" => {
            out.push_str(raw.trim_start_matches('\'').trim_end_matches('\''));
            true
        }
        "string" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() != "string_content" {
                    return false;
                }
                unescape_double_quoted(node_text(child, text), out);
            }
            true
        }
        "concatenation" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            children.into_iter().all(|c| static_text(c, text, out))
        }
        _ => false,
    }
}

/// Removes backslash escapes and line continuations from an unquoted word.
fn unescape_word(raw: &str, out: &mut String) {
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(next) => out.push(next),
            },
            _ => out.push(c),
        }
    }
}

/// Removes the escapes a double-quoted string allows (`\"`, `\\`, `\$`, `` \` ``, newline).
fn unescape_double_quoted(raw: &str, out: &mut String) {
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('"' | '\\' | '$' | '`') => out.push(chars.next().unwrap_or('\\')),
                Some('\n') => {
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
}

fn node_text<'a>(node: Node, text: &'a str) -> &'a str {
    &text[node.byte_range()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use streaming_iterator::StreamingIterator;
    use tree_sitter::{Query, QueryCursor};

    /// The query `facts` used before its walk (test oracle).
    const QUERY: &str =
        "(command name: (command_name) @name) @command\n(variable_assignment) @assignment";

    /// `facts` as the query cursor found them.
    fn queried(tree: &Tree, text: &str) -> Facts {
        let query = Query::new(&Language::Shell.grammar(), QUERY).expect("the query is valid");
        let names = query.capture_names();
        let mut facts = Facts::default();
        let mut cursor = QueryCursor::new();
        let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
        while let Some(m) = matches.next() {
            for capture in m.captures() {
                match names[capture.index as usize] {
                    "command" => facts.commands.extend(command_facts(capture.node, text)),
                    "assignment" => facts.assignments.extend(assignment(capture.node, text)),
                    _ => {}
                }
            }
        }
        facts.commands.sort_by_key(|c| c.range.start);
        facts
    }

    fn same_as_query(text: &str) -> usize {
        let tree = crate::lang::parse(Language::Shell, text);
        let (walked, expected) = (facts(&tree, text), queried(&tree, text));
        assert_eq!(format!("{walked:?}"), format!("{expected:?}"), "{text}");
        walked.commands.len() + walked.assignments.len()
    }

    #[test]
    fn the_walk_finds_what_the_query_found() {
        let text = "A=1 B=$(C=2 aws sts x) aws s3 ls\n\
            sudo env X=1 aws sqs x | tee f && (aws sns x; y=2)\n\
            f() { local v=3; aws iam x \"$v\"; }\n\
            arr=(a b \"$(aws ec2 x)\") && echo `aws lambda x`\n\
            cat <<EOF\n$(aws kms x)\nEOF\n\
            if [ -n \"$z\" ]; then w=$(aws ssm x); fi\n\
            \\aws s3 cp a b\n\
            for i in 1 2; do aws s3 ls \"s3://b/$i\"; done\n";
        assert!(same_as_query(text) > 12);
        for broken in [
            "aws s3 ls $(\nx=\n",
            "if then aws s3 ls\nfi fi\n",
            "a=(b c\naws sqs x |\n",
        ] {
            same_as_query(broken);
        }
    }

    /// Every `.sh` file under `AWSREDIRECT_WALK_ORACLE` (a long run, on a real tree):
    /// `AWSREDIRECT_WALK_ORACLE=DIR cargo nextest run --run-ignored only -E 'test(every_file)'`.
    #[test]
    #[ignore = "long: set AWSREDIRECT_WALK_ORACLE to a tree"]
    fn the_walk_finds_what_the_query_found_in_every_file_of_a_tree() {
        let dir = std::env::var_os("AWSREDIRECT_WALK_ORACLE").expect("AWSREDIRECT_WALK_ORACLE");
        let found: usize = crate::lang::texts_under(dir.as_ref(), "sh")
            .map(|text| same_as_query(&text))
            .sum();
        assert!(found > 0);
    }

    fn commands_of(text: &str) -> Vec<Command> {
        facts(&crate::lang::parse(Language::Shell, text), text).commands
    }

    /// (program, first argument) of every command that runs one.
    fn programs(text: &str) -> Vec<(Option<String>, Option<String>)> {
        commands_of(text)
            .into_iter()
            .map(|c| (c.name.value, c.args.first().and_then(|a| a.value.clone())))
            .collect()
    }

    fn program(name: &str, arg: &str) -> (Option<String>, Option<String>) {
        (Some(name.to_string()), Some(arg.to_string()))
    }

    #[test]
    fn wrappers_resolve_to_the_command_they_run() {
        let text = "sudo -u bob -E aws s3 ls\nenv -u X A=1 B= aws sqs x\ntimeout -s KILL 5m aws sns x\nxargs -I{} -n 1 aws ec2 x\nsudo env A=1 nohup time -p aws iam x\n";
        assert_eq!(
            programs(text),
            vec![
                program("aws", "s3"),
                program("aws", "sqs"),
                program("aws", "sns"),
                program("aws", "ec2"),
                program("aws", "iam"),
            ]
        );
        let env = &commands_of("env A=1 aws s3 ls")[0].environment;
        assert_eq!(env[0].name, "A");
    }

    #[test]
    fn wrappers_that_run_nothing_are_not_commands() {
        assert!(commands_of("command -v aws\nsudo -l\nxargs\nexec\n").is_empty());
    }

    #[test]
    fn words_lose_their_quotes_and_escapes() {
        let command = &commands_of("\"aws\" 's3' l\\s \"--endpoint-url=$E\" a\\\n  b")[0];
        assert_eq!(command.name.value.as_deref(), Some("aws"));
        let values: Vec<Option<&str>> = command.args.iter().map(|a| a.value.as_deref()).collect();
        assert_eq!(
            values,
            vec![Some("s3"), Some("ls"), None, Some("a"), Some("b")]
        );
        assert_eq!(command.args[2].prefix, "--endpoint-url=");
    }

    #[test]
    fn names_built_at_run_time_and_eval_are_told_apart() {
        let kinds: Vec<NameKind> =
            commands_of("$AWS s3 ls\n\"${CLI:-aws}\" x\neval \"$c\"\naws s3 ls\n")
                .iter()
                .map(|c| c.name_kind)
                .collect();
        assert_eq!(
            kinds,
            vec![
                NameKind::Variable,
                NameKind::Variable,
                NameKind::Eval,
                NameKind::Literal
            ]
        );
    }

    #[test]
    fn an_escaped_word_at_line_start_is_a_command_of_its_own() {
        let commands = commands_of("ls # list\n\\aws s3 ls\n");
        assert_eq!(commands.len(), 2);
        assert_eq!(commands[0].args.len(), 0);
        assert_eq!(commands[1].name.value.as_deref(), Some("aws"));
        assert_eq!(commands[1].name.range, 10..14);
    }

    #[test]
    fn substitutions_in_unquoted_heredocs_run_and_quoted_ones_do_not() {
        let text = "cat <<A\naws s3 ls $(aws sqs x)\nA\ncat <<'B'\n$(aws sns x)\nB\n";
        let cat = (Some("cat".to_string()), None);
        assert_eq!(
            programs(text),
            vec![cat.clone(), program("aws", "sqs"), cat]
        );
    }
}
