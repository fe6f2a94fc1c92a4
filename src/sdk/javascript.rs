//! AWS SDK for JavaScript: v2 (`aws-sdk`, `aws-sdk/clients/*`) and v3 (`@aws-sdk/client-*`)
//! client classes constructed with `new`, and v2's global `AWS.config.update({ endpoint })`.

use crate::lang::javascript::{self, ArgList, Call, New, PropKind, Resolved};
use crate::lang::Language;

use super::{Detection, Redirect, Site, SiteKind, SiteState, Target};

/// The configuration property that overrides the endpoint, in v2 and v3 alike.
pub const ENDPOINT_KEY: &str = "endpoint";
const V2_MODULE: &str = "aws-sdk";
const V2_SERVICE_MODULE: &str = "aws-sdk/clients/";
const V3_CLIENT_MODULE: &str = "@aws-sdk/client-";

/// Capitalised exports of `aws-sdk` that are not service clients (credentials, configuration,
/// endpoints, transport and helpers); every other capitalised export is a service.
const V2_NOT_SERVICES: &[&str] = &[
    "ChainableTemporaryCredentials",
    "CognitoIdentityCredentials",
    "Config",
    "CredentialProviderChain",
    "Credentials",
    "EC2MetadataCredentials",
    "ECSCredentials",
    "Endpoint",
    "EndpointCache",
    "EnvironmentCredentials",
    "EventListeners",
    "FileSystemCredentials",
    "HttpClient",
    "HttpRequest",
    "HttpResponse",
    "IniLoader",
    "JSON",
    "MetadataService",
    "Model",
    "NodeHttpClient",
    "ParamValidator",
    "ProcessCredentials",
    "Protocol",
    "RemoteCredentials",
    "Request",
    "ResourceWaiter",
    "Response",
    "SAMLCredentials",
    "SSOTokenProvider",
    "SequentialExecutor",
    "Service",
    "SharedIniFileCredentials",
    "Signers",
    "SsoCredentials",
    "TemporaryCredentials",
    "Token",
    "TokenFileWebIdentityCredentials",
    "TokenProviderChain",
    "VERSION",
    "WebIdentityCredentials",
    "XML",
];

/// The S3 setting a local endpoint needs (bucket in the path, not in the host name).
pub const V2_PATH_STYLE: &str = "s3ForcePathStyle";
pub const V3_PATH_STYLE: &str = "forcePathStyle";

/// What the fixer needs to redirect one `new` expression.
#[derive(Debug, Clone)]
pub struct NewTarget {
    /// End of the `new` expression (where `new X` without parentheses gets its arguments).
    pub end: usize,
    pub args: Option<ArgList>,
    /// The S3 path-style property to set with the endpoint, for S3 clients.
    pub path_style: Option<&'static str>,
    /// The file's indentation step.
    pub indent_unit: String,
}

/// One client class, as the SDK names it.
struct Client {
    service: String,
    path_style: Option<&'static str>,
}

pub fn detect(language: Language, tree: &tree_sitter::Tree, text: &str) -> Detection {
    let facts = javascript::facts(language, tree, text);
    let mut sites: Vec<Site> = facts
        .news
        .into_iter()
        .filter_map(|new| client_site(language, new, &facts.indent_unit, text))
        .collect();
    sites.extend(
        facts
            .calls
            .into_iter()
            .filter_map(|c| global_config_site(language, c)),
    );
    // Innermost first: where an inner client's edit and an outer one's fall on the same offset
    // (`new AWS.SQS({ s3: new AWS.S3 })`), the inner edit must come first.
    sites.sort_by_key(|s| (s.range.end, std::cmp::Reverse(s.range.start)));
    let preferred_quote = super::preferred_quote(language, text);
    let aws_urls = super::aws_urls(facts.url_literals);
    Detection {
        sites,
        aws_urls,
        preferred_quote,
        env_readable: true,
        import_point: 0,
    }
}

fn client_site(language: Language, new: New, indent_unit: &str, text: &str) -> Option<Site> {
    let client = client(&new.constructor)?;
    Some(Site {
        range: new.range.clone(),
        language,
        kind: SiteKind::Client,
        constructor: display(&new.constructor),
        service: Some(client.service),
        state: state(new.args.as_ref(), client.path_style, text),
        target: Target::JsNew(NewTarget {
            end: new.range.end,
            args: new.args,
            path_style: client.path_style,
            indent_unit: indent_unit.to_string(),
        }),
    })
}

/// `AWS.config.update({ endpoint: ... })`: left alone, but reported, since it redirects every
/// v2 client created after it.
fn global_config_site(language: Language, call: Call) -> Option<Site> {
    let path = v2_path(&call.callee)?;
    if path != ["config", "update"] {
        return None;
    }
    let object = call.args.items.first()?.object.as_ref()?;
    let (_, prop) = object.find(ENDPOINT_KEY)?;
    Some(Site {
        range: call.range.clone(),
        language,
        kind: SiteKind::GlobalConfig,
        constructor: "AWS.config.update".to_string(),
        service: None,
        state: SiteState::Redirected(Redirect {
            endpoint: literal_value(&prop.kind),
            from_env: false,
            missing: None,
        }),
        target: Target::JsGlobalConfig,
    })
}

/// The path inside `aws-sdk` of a resolved export (`import AWS from` adds a `default`).
fn v2_path(resolved: &Resolved) -> Option<Vec<&str>> {
    if resolved.module != V2_MODULE {
        return None;
    }
    let path: Vec<&str> = resolved.path.iter().map(String::as_str).collect();
    Some(match path.split_first() {
        Some((&"default", rest)) => rest.to_vec(),
        _ => path,
    })
}

fn client(resolved: &Resolved) -> Option<Client> {
    if let Some(path) = v2_path(resolved) {
        return match path.as_slice() {
            ["DynamoDB", "DocumentClient"] => Some(v2_client("dynamodb")),
            [name] if is_v2_service(name) => Some(v2_client(&name.to_ascii_lowercase())),
            _ => None,
        };
    }
    if let Some(id) = resolved.module.strip_prefix(V2_SERVICE_MODULE) {
        let path: Vec<&str> = resolved.path.iter().map(String::as_str).collect();
        return match path.as_slice() {
            [] | ["default"] => Some(v2_client(id)),
            ["DocumentClient"] | ["default", "DocumentClient"] if id == "dynamodb" => {
                Some(v2_client(id))
            }
            _ => None,
        };
    }
    let package = resolved.module.strip_prefix(V3_CLIENT_MODULE)?;
    match resolved.path.as_slice() {
        [name] if is_v3_client(package, name) => Some(Client {
            service: package.to_string(),
            path_style: (package == "s3").then_some(V3_PATH_STYLE),
        }),
        _ => None,
    }
}

fn v2_client(service: &str) -> Client {
    Client {
        service: service.to_string(),
        path_style: (service == "s3").then_some(V2_PATH_STYLE),
    }
}

fn is_v2_service(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && !V2_NOT_SERVICES.contains(&name)
}

/// A v3 package exports its bare client (`S3Client`) and its aggregated client (`S3`, named
/// like the package); commands, exceptions, paginators and waiters are none of these.
fn is_v3_client(package: &str, name: &str) -> bool {
    let compact: String = package.chars().filter(|c| *c != '-').collect();
    let bare = name.strip_suffix("Client").unwrap_or(name);
    let named_like_package = bare.eq_ignore_ascii_case(&compact);
    let other_client = name.ends_with("Client") && name.len() > "Client".len();
    !name.starts_with('_') && (named_like_package || other_client)
}

fn display(resolved: &Resolved) -> String {
    let path: Vec<&str> = resolved
        .path
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "default")
        .collect();
    match path.as_slice() {
        [] => resolved.module.clone(),
        _ => format!("{}.{}", resolved.module, path.join(".")),
    }
}

/// Whether the construction already sets `endpoint` (and, for S3, the path-style flag), or may.
pub fn state(args: Option<&ArgList>, path_style: Option<&'static str>, text: &str) -> SiteState {
    if args.is_some_and(|a| a.items.is_empty() && a.trailing_comma.is_some()) {
        return SiteState::CannotTell(
            "the argument list holds only a comma, which JavaScript rejects; fix the syntax first"
                .into(),
        );
    }
    let Some(first) = args.and_then(|a| a.items.first()) else {
        return SiteState::NotRedirected;
    };
    if first.spread {
        return SiteState::CannotTell(
            "the configuration comes from `...args`; add the endpoint where it is built".into(),
        );
    }
    let Some(object) = first.object.as_ref() else {
        return SiteState::NotRedirected;
    };
    match object.find(ENDPOINT_KEY) {
        Some((_, prop)) if points_nowhere(&prop.kind, text) => {
            SiteState::PointsNowhere(text[prop.range.clone()].to_string())
        }
        Some((_, prop)) => SiteState::Redirected(Redirect {
            endpoint: literal_value(&prop.kind),
            from_env: text[prop.range.clone()].contains(super::ENDPOINT_ENV_VARIABLE),
            missing: path_style.filter(|flag| object.find(flag).is_none()),
        }),
        None => SiteState::NotRedirected,
    }
}

/// Whether an `endpoint` property's value is statically empty or absent (`""`, `null`,
/// `undefined`), so the client falls back to real AWS.
fn points_nowhere(kind: &PropKind, text: &str) -> bool {
    match kind {
        PropKind::Pair { value, string, .. } => {
            matches!(text[value.clone()].trim(), "null" | "undefined" | "``")
                || string.as_ref().and_then(|s| s.value.as_deref()) == Some("")
        }
        _ => false,
    }
}

fn literal_value(kind: &PropKind) -> Option<String> {
    match kind {
        PropKind::Pair { string, .. } => string.as_ref()?.value.clone(),
        _ => None,
    }
}
