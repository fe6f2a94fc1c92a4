//! Shell for the regex engine: each logical line (backslash continuations joined) that names
//! `aws` outside a comment or heredoc body is read on its own, so a broken construct elsewhere
//! in the file does not hide it.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::lang::shell::{self, Command, Facts, Word};
use crate::lang::{self, Language};
use crate::sdk::{self, Detection};

/// A line that may hold an `aws` call, a command named by a variable or `eval`, or start a
/// heredoc.
const CANDIDATE_PATTERN: &str = r"(^|[^\w-])aws([^\w-]|$)|\$|\beval\b|<<";
/// `<<EOF`, `<<-'EOF'`, `<< "EOF"`: the heredoc delimiter, and whether it was `<<-`.
const HEREDOC_PATTERN: &str = r#"(?:^|[^<])<<(-?)\s*['"]?([A-Za-z_][\w]*)['"]?"#;

fn candidate() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(CANDIDATE_PATTERN).expect("CANDIDATE_PATTERN is valid"))
}

fn heredoc() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(HEREDOC_PATTERN).expect("HEREDOC_PATTERN is valid"))
}

pub fn detect(text: &str) -> Detection {
    let mut facts = Facts::default();
    let mut heredoc_end: Option<(String, bool)> = None;
    for line in logical_lines(text) {
        let source = &text[line.clone()];
        if let Some((delimiter, dash)) = &heredoc_end {
            let candidate = if *dash {
                source.trim_start_matches('\t')
            } else {
                source
            };
            if candidate.trim_end_matches(['\r', '\n']) == delimiter {
                heredoc_end = None;
            }
            continue;
        }
        if source.trim_start().starts_with('#') || !candidate().is_match(source) {
            continue;
        }
        if let Some(c) = heredoc().captures(source) {
            heredoc_end = Some((c[2].to_string(), &c[1] == "-"));
        }
        let delimiter = heredoc_end.as_ref().map(|(d, _)| d.as_str());
        let line_facts = facts_of(source, line.start, delimiter);
        facts.commands.extend(line_facts.commands);
        facts.assignments.extend(line_facts.assignments);
    }
    Detection::new(
        sdk::shell::sites(facts, text),
        sdk::preferred_quote(Language::Shell, text),
    )
}

/// Text put around a line that opens or continues a compound command (`if aws ...; then`,
/// `for q in $(aws ...); do`, `up) aws ... ;;`, `} || aws ...`) so that it parses on its own.
const COMPLETIONS: &[(&str, &str)] = &[
    ("", ""),
    ("", "\n:; fi"),
    ("", "\n:; done"),
    ("", "\n:; }"),
    ("", "\n:; )"),
    ("", "\nesac"),
    ("case x in\n", "\nesac"),
    ("if :; then :\n", "\n:; fi"),
    ("{ :\n", ""),
];

/// What closes the command substitution or string a heredoc is opened in (`"$(cat <<EOF`).
const AFTER_HEREDOC: &[&str] = &["", "\n)\"", "\n)", "\n`\""];

/// The facts of one logical line, with offsets into the whole text; nothing when the line does
/// not parse on its own, even completed. A line that opens a heredoc is completed with its
/// delimiter.
fn facts_of(source: &str, offset: usize, heredoc: Option<&str>) -> Facts {
    if let Some(delimiter) = heredoc {
        return AFTER_HEREDOC
            .iter()
            .find_map(|closer| {
                let after = format!("\n{delimiter}{closer}");
                completed_facts(source, "", &after, offset)
            })
            .unwrap_or_default();
    }
    COMPLETIONS
        .iter()
        .find_map(|(before, after)| completed_facts(source, before, after, offset))
        .unwrap_or_default()
}

fn completed_facts(source: &str, before: &str, after: &str, offset: usize) -> Option<Facts> {
    let completed = format!("{before}{source}{after}");
    let tree = lang::parse(Language::Shell, &completed);
    if !lang::error_offsets(&tree).is_empty() {
        return None;
    }
    let line = before.len()..before.len() + source.len();
    let facts = shell::facts(&tree, &completed);
    let commands = facts
        .commands
        .into_iter()
        .filter(|c| c.range.start >= line.start && c.name.range.end <= line.end)
        .map(|c| shifted(within(c, &line), offset, before.len()))
        .collect();
    Some(Facts {
        commands,
        assignments: facts.assignments,
    })
}

/// A command cut to the line: words that reach into the completion are dropped (`"$(cat <<EOF`
/// ends in the text added after the line), and its range ends at the line's end at the latest.
fn within(command: Command, line: &Range<usize>) -> Command {
    Command {
        range: command.range.start..command.range.end.min(line.end),
        args: command
            .args
            .into_iter()
            .take_while(|w| w.range.end <= line.end)
            .collect(),
        ..command
    }
}

/// A command found in completed text, with its offsets moved by `offset - removed`.
fn shifted(command: Command, offset: usize, removed: usize) -> Command {
    let shift = |r: &Range<usize>| r.start + offset - removed..r.end + offset - removed;
    let word = |w: &Word| Word {
        range: shift(&w.range),
        ..w.clone()
    };
    Command {
        range: shift(&command.range),
        name: word(&command.name),
        args: command.args.iter().map(word).collect(),
        ..command
    }
}

/// Ranges of the file's lines, each with the lines a trailing backslash continues it onto.
fn logical_lines(text: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        let content = text[at..end].trim_end_matches(['\n', '\r']);
        at = end;
        if !content.ends_with('\\') || at >= text.len() {
            lines.push(start..end);
            start = end;
        }
    }
    lines
}
