//! Python AWS SDKs: boto3, botocore, aioboto3 and aiobotocore client factories.

use crate::lang::python::{self, ArgKind, ArgList, Call, Reference, UnresolvedCall, Wanted};
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

/// The methods that build a client on a session; called on a receiver that does not resolve,
/// with a literal AWS service name, they are possible clients.
const CLIENT_METHODS: &[&str] = &["client", "resource", "create_client"];

pub fn detect(
    tree: &tree_sitter::Tree,
    text: &str,
    project: Option<python::ProjectReturns>,
) -> Detection {
    let wanted = Wanted {
        methods: CLIENT_METHODS,
        project,
    };
    let facts = python::facts(tree, text, wanted);
    let mut sites: Vec<Site> = facts
        .calls
        .into_iter()
        .filter_map(|call| site(call, text))
        .chain(
            facts
                .unresolved_calls
                .into_iter()
                .filter_map(|call| possible_site(call, text)),
        )
        .chain(facts.references.into_iter().filter_map(reference_site))
        .collect();
    sites.sort_by_key(|s| (s.range.start, s.range.end));
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
        factories: sdk_returns(facts.function_returns),
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
    let state = if call.dynamic {
        SiteState::CannotTell(
            "the factory is looked up at run time (`getattr`); write the call out to redirect it"
                .into(),
        )
    } else {
        state(&call.args, text)
    };
    Some(Site {
        range: call.range,
        language: Language::Python,
        kind,
        service: service(&call.args),
        state,
        constructor: call.callee,
        target: Target::PythonCall(call.args),
    })
}

/// The module-level functions of a file that return an SDK session or client (the project-wide
/// facts other files' resolution uses), with what they return.
pub fn factories(tree: &tree_sitter::Tree, text: &str) -> Vec<(String, String)> {
    sdk_returns(python::facts(tree, text, Wanted::default()).function_returns)
}

/// The function returns that are SDK sessions or clients.
fn sdk_returns(returns: Vec<(String, String)>) -> Vec<(String, String)> {
    returns
        .into_iter()
        .filter(|(_, returned)| is_sdk_path(returned))
        .collect()
}

/// Whether a resolved path is inside one of the Python AWS SDKs.
fn is_sdk_path(path: &str) -> bool {
    let root = path.split(['.', '(']).next().unwrap_or("");
    ["boto3", "botocore", "aioboto3", "aiobotocore"].contains(&root)
}

/// `<receiver>.client("s3")` where the receiver does not resolve but the service is a literal
/// naming a real AWS service: almost certainly a client.
fn possible_site(call: UnresolvedCall, text: &str) -> Option<Site> {
    let service = service(&call.args).filter(|s| super::services::is_aws_service(s))?;
    Some(Site {
        range: call.range,
        language: Language::Python,
        kind: SiteKind::PossibleClient,
        service: Some(service),
        state: state(&call.args, text),
        constructor: format!("{}.{}", call.receiver, call.method),
        target: Target::PythonCall(call.args),
    })
}

/// A factory passed as a value (`functools.partial(boto3.client, "s3")`, `map(boto3.client,
/// names)`): the clients it builds are made elsewhere, out of reach of an edit here.
fn reference_site(reference: Reference) -> Option<Site> {
    if !FACTORIES.contains(&reference.path.as_str()) {
        return None;
    }
    Some(Site {
        range: reference.range,
        language: Language::Python,
        kind: SiteKind::Client,
        service: None,
        state: SiteState::CannotTell(format!(
            "`{}` is passed as a value, so the clients it builds are made where it is called; give them endpoint_url there",
            reference.path
        )),
        constructor: reference.path,
        target: Target::Nothing,
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
