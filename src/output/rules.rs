//! `awsredirect rule` / `rules`: the rules' documentation as text.

use std::io::Write;

use crate::rules::Rule;

/// The full documentation of a rule, as `rule CODE` prints it and SARIF's help carries it.
pub fn documentation(rule: &Rule) -> String {
    let fix = rule
        .fix_title
        .map_or("Not fixed automatically.".to_string(), |t| {
            format!("Fix: {t} (`awsredirect patch`).")
        });
    format!(
        "{code} {name}: {summary}\n\n## What it does\n{what}\n\n## Why it matters\n{why}\n\n## Example\n{example}\n\n## Use instead\n{instead}\n\n{fix}\n",
        code = rule.code.as_str(),
        name = rule.name,
        summary = rule.summary,
        what = rule.what_it_does,
        why = rule.why_it_matters,
        example = indent(rule.example),
        instead = indent(rule.use_instead),
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn print_rule(rule: &Rule) {
    super::write_stdout(&documentation(rule));
}

pub fn print_list(rules: &[&Rule]) {
    for rule in rules {
        let fix = if rule.fix_title.is_some() {
            "fixable"
        } else {
            "       "
        };
        super::write_stdout(&format!(
            "{}  {fix}  {:<32} {}\n",
            rule.code, rule.name, rule.summary
        ));
    }
}

pub fn print_unknown(code: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "error: no rule {code}; `awsredirect rules` lists them"
    );
}
