//! Suppression comments: `# awsredirect: ignore` or `# awsredirect: ignore[AR001, ...]` on a line
//! (`//` in JavaScript and TypeScript) silences `check` and keeps `patch` away from that line.

use std::sync::OnceLock;

use regex::Regex;

/// Whether the line holding `at` carries `# awsredirect: ignore` (all rules) or
/// `# awsredirect: ignore[AR001, ...]` naming `code` (`//` comments in JavaScript).
pub fn suppressed(text: &str, at: usize, code: &str) -> bool {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(r"(?:#|//)\s*awsredirect:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")
            .expect("valid pattern")
    });
    let start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
    pattern
        .captures_iter(&text[start..end])
        .any(|c| match c.get(1) {
            None => true,
            Some(codes) => codes
                .as_str()
                .split([',', ' '])
                .any(|c| c.trim().eq_ignore_ascii_case(code)),
        })
}

#[cfg(test)]
mod tests {
    use super::suppressed;

    #[test]
    fn suppression_comments() {
        let text = "a = f()  # awsredirect: ignore\nb = f()  # awsredirect: ignore[AR003, AR001]\nc = f()  # awsredirect: ignore[AR003]\n";
        assert!(suppressed(text, 4, "AR001"));
        assert!(suppressed(text, 35, "AR001"));
        let c = text.find("c =").unwrap();
        assert!(!suppressed(text, c, "AR001"));
        assert!(suppressed(text, c, "AR003"));
        assert!(suppressed(
            "x = new S3()  // awsredirect: ignore",
            4,
            "AR001"
        ));
    }
}
