//! Lint findings: the sites `check` reports, each with a rule code.
//!
//! - AR001: an AWS SDK client without an endpoint override (`patch` fixes it).
//! - AR002: an `aws` CLI call without `--endpoint-url` (`patch` fixes it).
//! - AR004: a client that cannot be redirected automatically (for example `**kwargs`).

use std::ops::Range;

use crate::sdk::{Site, SiteKind, SiteState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub range: Range<usize>,
    pub code: &'static str,
    pub message: String,
    /// What to do about it.
    pub hint: String,
    pub service: Option<String>,
}

/// The findings for a file's sites, in source order.
pub fn findings(sites: &[Site]) -> Vec<Finding> {
    let mut found: Vec<Finding> = sites.iter().filter_map(finding).collect();
    found.sort_by_key(|f| f.range.start);
    found
}

fn finding(site: &Site) -> Option<Finding> {
    let what = match &site.service {
        Some(service) => format!("`{}` ({service})", site.constructor),
        None => format!("`{}`", site.constructor),
    };
    let (code, message, hint) = match &site.state {
        SiteState::Redirected(_) => return None,
        SiteState::NotRedirected if site.kind == SiteKind::CliCall => (
            "AR002",
            format!("{what} has no --endpoint-url: it talks to real AWS"),
            "run `awsredirect patch` to add `--endpoint-url` after `aws`".to_string(),
        ),
        SiteState::NotRedirected => (
            "AR001",
            format!("{what} has no endpoint override: it talks to real AWS"),
            "run `awsredirect patch` to add the endpoint override".to_string(),
        ),
        SiteState::CannotTell(reason) if site.kind == SiteKind::CliCall => (
            "AR004",
            format!("{what} cannot be checked: {reason}"),
            "call `aws` by name with `--endpoint-url`, or make sure the assembled command carries it".to_string(),
        ),
        SiteState::CannotTell(reason) => (
            "AR004",
            format!("{what} cannot be redirected automatically: {reason}"),
            "pass the endpoint explicitly at this call, or make sure the unpacked arguments carry it".to_string(),
        ),
    };
    Some(Finding {
        range: site.range.clone(),
        code,
        message,
        hint,
        service: site.service.clone(),
    })
}
