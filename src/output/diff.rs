//! Unified diffs of what `patch` / `unpatch` would change, with `a/` and `b/` paths that
//! `git apply` accepts.

use similar::TextDiff;

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
