//! Lint findings: what `check` reports about a file, by rule, with the fix `patch` would make
//! and whether a `# awsredirect: ignore[...]` comment suppresses it.

use std::ops::Range;

use crate::engine::Options;
use crate::fix::{self, Applicability, Fix, Redirection};
use crate::rules::{self, Rule, Selection};
use crate::sdk::{Detection, Redirect, Site, SiteKind, SiteState};
use crate::suppress::suppressed;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub range: Range<usize>,
    pub rule: &'static Rule,
    pub message: String,
    pub service: Option<String>,
    /// The fix `patch` would make, where there is one.
    pub fix: Option<Fix>,
    /// Silenced by an `awsredirect: ignore` comment on its line.
    pub suppressed: bool,
}

/// The findings for one file, in source order, limited to the selected rules.
pub fn findings(
    detection: &Detection,
    text: &str,
    options: &Options,
    selection: &Selection,
) -> Vec<Finding> {
    let from_urls = detection.aws_urls.iter().map(|(range, url)| Finding {
        range: range.clone(),
        rule: rules::HARDCODED_AWS_ENDPOINT,
        message: rules::ar003::message(url),
        service: None,
        fix: None,
        suppressed: false,
    });
    let mut found: Vec<Finding> = site_findings(detection, text, options)
        .chain(from_urls.map(|f| with_suppression(f, text)))
        .filter(|f| selection.enabled(f.rule))
        .collect();
    found.sort_by_key(|f| (f.range.start, f.rule.code));
    found
}

/// The findings among `all` that the selection reports.
pub fn selected(all: &[Finding], selection: &Selection) -> Vec<Finding> {
    all.iter()
        .filter(|f| selection.enabled(f.rule))
        .cloned()
        .collect()
}

/// The findings about client sites, in the order detection found the sites: the order `patch`
/// applies their fixes in (an inner client's insertion before its outer one's at one offset).
pub fn site_findings<'a>(
    detection: &'a Detection,
    text: &'a str,
    options: &'a Options,
) -> impl Iterator<Item = Finding> + 'a {
    detection
        .sites
        .iter()
        .filter_map(move |site| site_finding(site, detection, text, options))
        .map(move |f| with_suppression(f, text))
}

fn with_suppression(finding: Finding, text: &str) -> Finding {
    Finding {
        suppressed: suppressed(text, finding.range.start, finding.rule.code.as_str()),
        ..finding
    }
}

fn site_finding(
    site: &Site,
    detection: &Detection,
    text: &str,
    options: &Options,
) -> Option<Finding> {
    let what = match &site.service {
        Some(service) => format!("`{}` ({service})", site.constructor),
        None => format!("`{}`", site.constructor),
    };
    if site.kind == SiteKind::GlobalConfig {
        return Some(finding(
            site,
            rules::GLOBAL_ENDPOINT_CONFIG,
            rules::ar006::message(&site.constructor),
        ));
    }
    let (rule, message, fix) = match &site.state {
        SiteState::Redirected(Redirect {
            missing: Some(flag),
            ..
        }) => (
            rules::S3_WITHOUT_PATH_STYLE,
            rules::ar005::message(&what, flag),
            None,
        ),
        SiteState::Redirected(_) => return None,
        SiteState::NotRedirected => {
            let rule = rules::for_site(site);
            let to = Redirection {
                endpoint: options.endpoints.for_service(site.service.as_deref()),
                style: options.style,
            };
            let edits = fix::redirect(site, text, detection, to);
            let applicability = match site.kind {
                SiteKind::PossibleClient => Applicability::Unsafe,
                _ => Applicability::Safe,
            };
            let fix = (!edits.is_empty()).then_some(Fix {
                edits,
                applicability,
            });
            let message = match site.kind {
                SiteKind::CliCall => rules::ar002::message(&what),
                SiteKind::PossibleClient => rules::ar008::message(&what),
                _ => rules::ar001::message(&what),
            };
            (rule, message, fix)
        }
        SiteState::PointsNowhere(value) => (
            rules::EMPTY_ENDPOINT_OVERRIDE,
            rules::ar007::message(&what, value),
            None,
        ),
        SiteState::CannotTell(reason) => (
            rules::CANNOT_REDIRECT,
            rules::ar004::message(&what, reason),
            None,
        ),
    };
    Some(Finding {
        range: site.range.clone(),
        rule,
        message,
        service: site.service.clone(),
        fix,
        suppressed: false,
    })
}

/// A finding without an automatic fix.
fn finding(site: &Site, rule: &'static Rule, message: String) -> Finding {
    Finding {
        range: site.range.clone(),
        rule,
        message,
        service: site.service.clone(),
        fix: None,
        suppressed: false,
    }
}
