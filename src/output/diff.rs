//! Unified diffs of what `patch` / `unpatch` would change, with `a/` and `b/` paths that
//! `git apply` accepts.

use std::io::Write;

use similar::TextDiff;

use crate::engine::{FileReport, Outcome};

use super::display_path;

/// The unified diff of one file's change; BOMs are part of the text so the diff applies.
pub fn unified(path: &str, bom: bool, before: &str, after: &str) -> String {
    let bom = if bom { "\u{feff}" } else { "" };
    let before = format!("{bom}{before}");
    let after = format!("{bom}{after}");
    let diff = TextDiff::from_lines(&before, &after);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    format!("diff --git a/{path} b/{path}\n{body}")
}

/// Prints the diff of every changed file to stdout, in path order.
pub fn print(reports: &[FileReport]) {
    let mut out = std::io::stdout().lock();
    for report in reports {
        if let Outcome::Processed(p) = &report.outcome {
            if let Some(updated) = &p.updated {
                let path = display_path(&report.path);
                let _ = out.write_all(unified(&path, p.bom, &p.text, updated).as_bytes());
            }
        }
    }
}
