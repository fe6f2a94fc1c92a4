//! The lint rules: one file per rule with its code, name, message, fix title and docs.
//! `awsredirect rules` lists them, `awsredirect rule CODE` prints one, and SARIF carries them.

pub mod ar001;
pub mod ar002;
pub mod ar003;
pub mod ar004;
pub mod ar005;
pub mod ar006;

/// A rule's fixed description; findings point at one.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable code, e.g. `AR001`.
    pub code: &'static str,
    /// Describes the pattern flagged, kebab-case.
    pub name: &'static str,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// What `patch` does about it, when it can.
    pub fix_title: Option<&'static str>,
    pub what_it_does: &'static str,
    pub why_it_matters: &'static str,
    pub example: &'static str,
    pub use_instead: &'static str,
}

/// Every rule, by code.
pub const ALL: &[&Rule] = &[
    &ar001::RULE,
    &ar002::RULE,
    &ar003::RULE,
    &ar004::RULE,
    &ar005::RULE,
];

pub const CLIENT_WITHOUT_ENDPOINT: &Rule = &ar001::RULE;
pub const CLI_WITHOUT_ENDPOINT: &Rule = &ar002::RULE;
pub const HARDCODED_AWS_ENDPOINT: &Rule = &ar003::RULE;
pub const CANNOT_REDIRECT: &Rule = &ar004::RULE;
pub const S3_WITHOUT_PATH_STYLE: &Rule = &ar005::RULE;
pub const GLOBAL_ENDPOINT_CONFIG: &Rule = &ar006::RULE;

/// The rule a site that is not redirected breaks.
pub fn for_site(site: &crate::sdk::Site) -> &'static Rule {
    match site.kind {
        crate::sdk::SiteKind::Client | crate::sdk::SiteKind::Resource => CLIENT_WITHOUT_ENDPOINT,
        crate::sdk::SiteKind::GlobalConfig => GLOBAL_ENDPOINT_CONFIG,
        crate::sdk::SiteKind::CliCall => CLI_WITHOUT_ENDPOINT,
    }
}

/// The rule with this code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Which rules a run reports: `--select` / `--ignore` (codes or code prefixes such as `AR00`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn enabled(&self, rule: &Rule) -> bool {
        let matches = |p: &String| {
            rule.code
                .to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase())
        };
        (self.select.is_empty() || self.select.iter().any(matches))
            && !self.ignore.iter().any(matches)
    }

    /// Codes named that match no rule.
    pub fn unknown_codes(&self) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| {
                !ALL.iter().any(|r| {
                    r.code
                        .to_ascii_uppercase()
                        .starts_with(&p.to_ascii_uppercase())
                })
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_ordered() {
        let codes: Vec<&str> = ALL.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn selection_by_code_and_prefix() {
        let s = Selection {
            select: vec!["AR00".into()],
            ignore: vec!["ar003".into()],
        };
        assert!(s.enabled(CLIENT_WITHOUT_ENDPOINT));
        assert!(!s.enabled(HARDCODED_AWS_ENDPOINT));
        assert_eq!(s.unknown_codes(), Vec::<String>::new());
        let bad = Selection {
            select: vec!["X1".into()],
            ignore: vec![],
        };
        assert_eq!(bad.unknown_codes(), vec!["X1".to_string()]);
    }
}
