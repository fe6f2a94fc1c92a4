//! Python AWS SDKs: boto3, botocore, aioboto3 and aiobotocore client factories.

use crate::lang::python::{self, ArgKind, ArgList, Call};
use crate::lang::Language;

use super::{Detection, Redirect, Site, SiteKind, SiteState, Target};

/// Resolved callee paths that construct a client or resource and accept `endpoint_url`.
/// Sessions themselves (`boto3.Session(...)`) accept no endpoint and are not listed.
const FACTORIES: &[&str] = &[
    "boto3.client",
    "boto3.resource",
    "boto3.Session().client",
    "boto3.Session().resource",
    "boto3.session.Session().client",
    "boto3.session.Session().resource",
    "botocore.session.get_session().create_client",
    "botocore.session.Session().create_client",
    "aioboto3.Session().client",
    "aioboto3.Session().resource",
    "aioboto3.session.Session().client",
    "aioboto3.session.Session().resource",
    "aiobotocore.session.get_session().create_client",
    "aiobotocore.session.AioSession().create_client",
    "aiobotocore.get_session().create_client",
];

/// `endpoint_url` is the sixth positional parameter of every factory above.
const ENDPOINT_POSITION: usize = 5;
pub const ENDPOINT_KEYWORD: &str = "endpoint_url";

pub fn detect(tree: &tree_sitter::Tree, text: &str) -> Detection {
    let facts = python::facts(tree, text);
    let sites = facts
        .calls
        .into_iter()
        .filter_map(|call| site(call, text))
        .collect();
    let aws_urls = super::aws_urls(facts.url_literals);
    let preferred_quote = super::preferred_quote(Language::Python, text);
    Detection {
        sites,
        aws_urls,
        preferred_quote,
        env_readable: facts
            .module_imports
            .iter()
            .any(|(name, path)| name == "os" && path == "os"),
        import_point: facts.import_point,
    }
}

fn site(call: Call, text: &str) -> Option<Site> {
    if !FACTORIES.contains(&call.callee.as_str()) {
        return None;
    }
    let kind = if call.callee.ends_with("resource") {
        SiteKind::Resource
    } else {
        SiteKind::Client
    };
    Some(Site {
        range: call.range,
        language: Language::Python,
        kind,
        service: service(&call.args),
        state: state(&call.args, text),
        constructor: call.callee,
        target: Target::PythonCall(call.args),
    })
}

/// The service name, when the call names it with a string literal.
pub fn service(args: &ArgList) -> Option<String> {
    let arg = args.items.iter().enumerate().find(|(i, a)| match &a.kind {
        ArgKind::Positional => *i == 0,
        ArgKind::Keyword { name, .. } => name == "service_name",
        _ => false,
    })?;
    arg.1.string.as_ref()?.value.clone()
}

/// Whether the call already carries `endpoint_url` (by keyword or position), or may.
pub fn state(args: &ArgList, text: &str) -> SiteState {
    let keyword = args
        .items
        .iter()
        .find(|a| matches!(&a.kind, ArgKind::Keyword { name, .. } if name == ENDPOINT_KEYWORD));
    let positional = args
        .items
        .iter()
        .take_while(|a| a.kind == ArgKind::Positional)
        .nth(ENDPOINT_POSITION);
    if let Some(arg) = keyword.or(positional) {
        let endpoint = arg.string.as_ref().and_then(|s| s.value.clone());
        let value = match &arg.kind {
            ArgKind::Keyword { value, .. } => &text[value.clone()],
            _ => &text[arg.range.clone()],
        };
        if value.trim() == "None" || endpoint.as_deref() == Some("") {
            return SiteState::PointsNowhere(value.trim().to_string());
        }
        let from_env = value.contains("environ") && value.contains(super::ENDPOINT_ENV_VARIABLE);
        return SiteState::Redirected(Redirect {
            endpoint,
            from_env,
            missing: None,
        });
    }
    if args.items.iter().any(|a| a.kind == ArgKind::DictSplat) {
        return SiteState::CannotTell(
            "`**kwargs` may already carry endpoint_url; adding it could raise a duplicate-keyword TypeError".into(),
        );
    }
    if args.items.iter().any(|a| a.kind == ArgKind::ListSplat) {
        return SiteState::CannotTell(
            "`*args` may already carry endpoint_url as the sixth positional argument".into(),
        );
    }
    SiteState::NotRedirected
}
