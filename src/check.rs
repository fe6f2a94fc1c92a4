//! Lint findings: what `check` reports about a file, by rule, with the fix `patch` would make
//! and whether a `# awsredirect: ignore[...]` comment suppresses it.

use std::ops::Range;

use crate::engine::Options;
use crate::fix::{self, Edit, Redirection};
use crate::rules::{self, Rule, Selection};
use crate::sdk::{Detection, Redirect, Site, SiteKind, SiteState};
use crate::suppress::suppressed;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub range: Range<usize>,
    pub rule: &'static Rule,
    pub message: String,
    pub service: Option<String>,
    /// The edits `patch` would make; empty where there is no automatic fix.
    pub fix: Vec<Edit>,
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
    let from_sites = detection
        .sites
        .iter()
        .filter_map(|site| site_finding(site, detection, text, options));
    let from_urls = detection.aws_urls.iter().map(|(range, url)| Finding {
        range: range.clone(),
        rule: rules::HARDCODED_AWS_ENDPOINT,
        message: rules::ar003::message(url),
        service: None,
        fix: Vec::new(),
        suppressed: false,
    });
    let mut found: Vec<Finding> = from_sites
        .chain(from_urls)
        .filter(|f| selection.enabled(f.rule))
        .map(|f| Finding {
            suppressed: suppressed(text, f.range.start, f.rule.code),
            ..f
        })
        .collect();
    found.sort_by_key(|f| (f.range.start, f.rule.code));
    found
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
            Vec::new(),
        ),
        SiteState::Redirected(_) => return None,
        SiteState::NotRedirected => {
            let rule = rules::for_site(site);
            let to = Redirection {
                endpoint: options.endpoints.for_service(site.service.as_deref()),
                style: options.style,
            };
            let edits = fix::redirect(site, text, detection, to);
            let message = match site.kind {
                SiteKind::CliCall => rules::ar002::message(&what),
                _ => rules::ar001::message(&what),
            };
            (rule, message, edits)
        }
        SiteState::CannotTell(reason) => (
            rules::CANNOT_REDIRECT,
            rules::ar004::message(&what, reason),
            Vec::new(),
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
        fix: Vec::new(),
        suppressed: false,
    }
}
