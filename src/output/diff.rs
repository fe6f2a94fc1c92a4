//! Unified diffs of what `patch` / `unpatch` would change, with `a/` and `b/` paths that
//! `git apply` accepts, coloured on a terminal.

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

const RESET: &str = "\x1b[0m";

/// The diff with ANSI colours, as git colours one: file headers bold, hunk headers cyan, removed
/// lines red, added lines green. Line endings stay outside the colour codes.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let style = if body.starts_with("diff --git ")
            || body.starts_with("--- ")
            || body.starts_with("+++ ")
        {
            Some("\x1b[1m")
        } else if body.starts_with("@@") {
            Some("\x1b[36m")
        } else if body.starts_with('-') {
            Some("\x1b[31m")
        } else if body.starts_with('+') {
            Some("\x1b[32m")
        } else {
            None
        };
        match style {
            Some(style) if !body.is_empty() => {
                out.push_str(style);
                out.push_str(body);
                out.push_str(RESET);
                out.push_str(ending);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_each_kind_of_line_and_keeps_line_endings_outside() {
        let diff = unified("app.py", false, "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n");
        let coloured = colorize(&diff);
        assert!(coloured.contains("\x1b[1mdiff --git a/app.py b/app.py\x1b[0m\n"));
        assert!(coloured.contains("\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n"));
        assert!(coloured.contains("\x1b[31m-b = 2\x1b[0m\r\n"));
        assert!(coloured.contains("\x1b[32m+b = 3\x1b[0m\r\n"));
        assert!(
            coloured.contains("\n a = 1\r\n"),
            "context lines stay plain"
        );
        let plain: String = coloured.replace("\x1b[1m", "").replace("\x1b[36m", "");
        let plain = plain
            .replace("\x1b[31m", "")
            .replace("\x1b[32m", "")
            .replace(RESET, "");
        assert_eq!(plain, diff);
    }
}
