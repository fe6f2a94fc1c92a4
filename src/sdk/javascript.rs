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
/// The AWS X-Ray SDK for Node.js, whose `captureAWS(AWS)` returns the v2 namespace it is given,
/// instrumented (`captureAWSClient(client)` returns the client; the `new` inside is the site).
const XRAY_MODULES: &[&str] = &["aws-xray-sdk", "aws-xray-sdk-core"];

/// `aws-sdk/global` is the SDK's core, the same namespace object as `aws-sdk`: requiring a
/// service module (`aws-sdk/clients/s3`) adds that service to it.
const V2_GLOBAL_MODULE: &str = "aws-sdk/global";
/// Every v2 service class as a named export.
const V2_ALL_MODULE: &str = "aws-sdk/clients/all";
/// The v2 service clients, `<module id> <class name>` per line, generated from the SDK's own
/// `apis/metadata.json` by scripts/gen-js-v2-services.py. Every other export of `aws-sdk`
/// (credentials, token providers, `Endpoint`, `Config`, ...) is not a client.
const V2_SERVICES: &str = include_str!("../../data/aws-sdk-v2-services.txt");

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
    let facts = javascript::facts(language, tree, text, returns_its_argument);
    let mut sites: Vec<Site> = facts
        .news
        .into_iter()
        .filter_map(|new| {
            managed_upload_site(language, &new)
                .or_else(|| client_site(language, new, &facts.indent_unit, text))
        })
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
        factories: Vec::new(),
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

/// `captureAWS(AWS)` of the X-Ray SDK: resolves to the namespace it is given.
fn returns_its_argument(callee: &Resolved) -> bool {
    XRAY_MODULES.contains(&callee.module.as_str()) && without_default(callee) == ["captureAWS"]
}

const UPLOAD_WITHOUT_SERVICE: &str = "it builds its own S3 client when its options pass no \
`service`; pass `service: new AWS.S3({ endpoint, s3ForcePathStyle: true })` in its options";
const UPLOAD_OPTIONS_UNKNOWN: &str = "it builds its own S3 client unless its options pass a \
`service`, and they are not written here; make sure they pass `service: new AWS.S3({ endpoint, \
s3ForcePathStyle: true })`";

/// `new AWS.S3.ManagedUpload({ params })` builds its own S3 client unless its options pass one
/// as `service`: reported (it cannot be redirected by adding an endpoint), never edited. With a
/// `service` it is not a site: the client passed is.
fn managed_upload_site(language: Language, new: &New) -> Option<Site> {
    let path = v2_path(&new.constructor).or_else(|| v2_all_path(&new.constructor));
    let in_s3_module = new.constructor.module == format!("{V2_SERVICE_MODULE}s3");
    let is_upload = match path {
        Some(path) => path == ["S3", "ManagedUpload"],
        None => in_s3_module && without_default(&new.constructor) == ["ManagedUpload"],
    };
    if !is_upload {
        return None;
    }
    let state = managed_upload_state(new.args.as_ref())?;
    Some(Site {
        range: new.range.clone(),
        language,
        kind: SiteKind::Client,
        constructor: display(&new.constructor),
        service: Some("s3".to_string()),
        state,
        target: Target::Nothing,
    })
}

/// A `ManagedUpload`'s state: `None` when its options pass a `service` (not a site), else cannot
/// be redirected automatically, with the reason.
pub fn managed_upload_state(args: Option<&ArgList>) -> Option<SiteState> {
    let first = args.and_then(|a| a.items.first());
    let options = first.and_then(|a| a.object.as_ref().or(a.bound_object.as_ref()));
    let reason = match options {
        Some(object) if object.find("service").is_some() => return None,
        Some(object)
            if object
                .props
                .iter()
                .any(|p| matches!(p.kind, PropKind::Spread(_))) =>
        {
            UPLOAD_OPTIONS_UNKNOWN
        }
        Some(_) => UPLOAD_WITHOUT_SERVICE,
        None if first.is_none() => UPLOAD_WITHOUT_SERVICE,
        None => UPLOAD_OPTIONS_UNKNOWN,
    };
    Some(SiteState::CannotTell(reason.to_string()))
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

/// The path inside the `aws-sdk` namespace of a resolved export (`import AWS from` adds a
/// `default`); `aws-sdk/global` is that namespace too.
fn v2_path(resolved: &Resolved) -> Option<Vec<&str>> {
    if resolved.module != V2_MODULE && resolved.module != V2_GLOBAL_MODULE {
        return None;
    }
    Some(without_default(resolved))
}

/// The resolved path without the `default` an ES default import of a CommonJS module adds.
fn without_default(resolved: &Resolved) -> Vec<&str> {
    let path: Vec<&str> = resolved.path.iter().map(String::as_str).collect();
    match path.split_first() {
        Some((&"default", rest)) => rest.to_vec(),
        _ => path,
    }
}

fn client(resolved: &Resolved) -> Option<Client> {
    if let Some(path) = v2_path(resolved).or_else(|| v2_all_path(resolved)) {
        return match path.as_slice() {
            ["DynamoDB", "DocumentClient"] => Some(v2_client("dynamodb")),
            [name] => v2_service_id(name).map(v2_client),
            _ => None,
        };
    }
    if let Some(id) = resolved.module.strip_prefix(V2_SERVICE_MODULE) {
        if !is_v2_module_id(id) {
            return None;
        }
        return match without_default(resolved).as_slice() {
            [] => Some(v2_client(id)),
            ["DocumentClient"] if id == "dynamodb" => Some(v2_client(id)),
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

/// The path inside `aws-sdk/clients/all`, whose exports are the service classes.
fn v2_all_path(resolved: &Resolved) -> Option<Vec<&str>> {
    (resolved.module == V2_ALL_MODULE).then(|| without_default(resolved))
}

fn v2_client(service: &str) -> Client {
    Client {
        service: service.to_string(),
        path_style: (service == "s3").then_some(V2_PATH_STYLE),
    }
}

/// `(module id, class name)` of every v2 service client, from the generated table.
fn v2_services() -> impl Iterator<Item = (&'static str, &'static str)> {
    V2_SERVICES
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_once(' '))
}

/// The module id (`s3`, `dynamodb`) of a v2 service class name (`S3`, `DynamoDB`); `None` for
/// every export of `aws-sdk` that is not a service client.
pub fn v2_service_id(name: &str) -> Option<&'static str> {
    v2_services()
        .find(|(_, class)| *class == name)
        .map(|(id, _)| id)
}

/// Whether `aws-sdk/clients/<id>` is a service module (`all` is not: it holds them all).
fn is_v2_module_id(id: &str) -> bool {
    v2_services().any(|(module, _)| module == id)
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
    // An object literal, or the one a name is bound to (`const opts = { ... }; new S3(opts)`).
    let Some(object) = first.object.as_ref().or(first.bound_object.as_ref()) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_clients_come_from_the_generated_service_list() {
        assert!(v2_services().count() > 300);
        assert_eq!(v2_service_id("S3"), Some("s3"));
        assert_eq!(v2_service_id("DynamoDB"), Some("dynamodb"));
        assert_eq!(
            v2_service_id("CognitoIdentityServiceProvider"),
            Some("cognitoidentityserviceprovider")
        );
        for not_a_client in [
            "StaticTokenProvider",
            "SSOTokenProvider",
            "TokenProviderChain",
            "Token",
            "Endpoint",
            "Config",
            "Credentials",
            "SharedIniFileCredentials",
            "Service",
            "Request",
        ] {
            assert_eq!(v2_service_id(not_a_client), None, "{not_a_client}");
        }
        assert!(is_v2_module_id("s3"));
        assert!(!is_v2_module_id("all"));
    }

    #[test]
    fn xray_capture_aws_returns_its_argument() {
        let resolved = |module: &str, path: &[&str]| Resolved {
            module: module.to_string(),
            path: path.iter().map(|p| p.to_string()).collect(),
        };
        assert!(returns_its_argument(&resolved(
            "aws-xray-sdk",
            &["captureAWS"]
        )));
        assert!(returns_its_argument(&resolved(
            "aws-xray-sdk-core",
            &["default", "captureAWS"]
        )));
        assert!(!returns_its_argument(&resolved(
            "aws-xray-sdk",
            &["captureAWSClient"]
        )));
        assert!(!returns_its_argument(&resolved("./xray", &["captureAWS"])));
    }
}
