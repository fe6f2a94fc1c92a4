//! Published versions, aliases and reserved concurrency. A version is a journaled document of
//! its own (`version` kind, named `<function>:<n>`) holding the configuration of `$LATEST` when
//! it was published, with that zip as its binary part; an alias is a document (`alias` kind,
//! `<function>:<alias>`) naming a version and optional weights for a second one. The function's
//! document keeps `LastVersion` (numbers are never reused), `PublishedRevision` (the `$LATEST`
//! revision the last version was made from) and `Concurrency`.
use bytes::Bytes;
use serde_json::{json, Value};

use super::functions::{self, arn, configuration, load};
use super::{invalid, not_found};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors};
use crate::server::App;
use crate::state::docs::{self, DocStore, Scope};
use crate::state::record::Entry;

/// What a function name with a qualifier (in the name or beside it) addresses.
pub struct Target {
    pub name: String,
    /// A published version's number; `None` is `$LATEST`.
    pub version: Option<String>,
    /// The qualifier as the caller wrote it (a version number, an alias or `$LATEST`).
    pub qualifier: Option<String>,
}

impl Target {
    /// The ARN the caller addressed: qualified when a qualifier was given.
    pub fn arn(&self, ctx: &Context) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{q}", arn(ctx, &self.name)),
            None => arn(ctx, &self.name),
        }
    }
}

pub fn version_scope(ctx: &Context) -> Scope {
    docs::scope("lambda", &ctx.account, &ctx.region, "version")
}

pub fn alias_scope(ctx: &Context) -> Scope {
    docs::scope("lambda", &ctx.account, &ctx.region, "alias")
}

fn key(name: &str, qualifier: &str) -> String {
    format!("{name}:{qualifier}")
}

/// The qualifier in a name or ARN (`name:q`, `...:function:name:q`), if any.
pub fn qualifier_in(text: &str) -> Option<&str> {
    match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').nth(1),
        None => text.split(':').nth(1),
    }
}

/// Resolves a function name and qualifier to the function and version they address: `$LATEST`,
/// a published version, or the version an alias points at (its weights drawn when it has them).
pub fn resolve(
    app: &App,
    ctx: &Context,
    text: &str,
    qualifier: Option<&str>,
) -> Result<Target, ApiError> {
    let name = super::function_name(text);
    let in_name = qualifier_in(text);
    if let (Some(a), Some(b)) = (in_name, qualifier) {
        if a != b {
            return Err(invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
    }
    let qualifier = in_name.or(qualifier).map(str::to_string);
    load(app, ctx, &name)?;
    let store = app.state.docs();
    let version = match qualifier.as_deref() {
        None | Some("$LATEST") => None,
        Some(q) if is_version(q) => {
            if store.get(&version_scope(ctx), &key(&name, q)).is_none() {
                return Err(not_found(&format!("{}:{q}", arn(ctx, &name))));
            }
            Some(q.to_string())
        }
        Some(q) => {
            let alias = store
                .get(&alias_scope(ctx), &key(&name, q))
                .ok_or_else(|| not_found(&format!("{}:{q}", arn(ctx, &name))))?;
            routed_version(alias)
        }
    };
    Ok(Target {
        name,
        version,
        qualifier,
    })
}

fn is_version(q: &str) -> bool {
    !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit())
}

/// The version an invocation through `alias` runs: its `FunctionVersion`, or a version of
/// `RoutingConfig.AdditionalVersionWeights` with that version's probability.
fn routed_version(alias: &Value) -> Option<String> {
    let primary = alias["FunctionVersion"].as_str().unwrap_or("$LATEST");
    let mut draw = uniform();
    if let Some(weights) = alias["RoutingConfig"]["AdditionalVersionWeights"].as_object() {
        for (version, weight) in weights {
            let weight = weight.as_f64().unwrap_or(0.0);
            if draw < weight {
                return Some(version.clone());
            }
            draw -= weight;
        }
    }
    (primary != "$LATEST").then(|| primary.to_string())
}

/// A number drawn uniformly from [0, 1) (from a random UUID's bits).
fn uniform() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() >> 75;
    bits as f64 / (1u64 << 53) as f64
}

/// The stored configuration the target addresses.
pub fn stored_configuration(app: &App, ctx: &Context, target: &Target) -> Result<Value, ApiError> {
    match &target.version {
        None => {
            let mut config = load(app, ctx, &target.name)?["Configuration"].clone();
            // Addressed as `$LATEST` explicitly, its ARN carries the qualifier.
            if target.qualifier.as_deref() == Some("$LATEST") {
                config["FunctionArn"] = json!(latest_arn(ctx, &target.name));
            }
            Ok(config)
        }
        Some(v) => app
            .state
            .docs()
            .get(&version_scope(ctx), &key(&target.name, v))
            .map(|doc| doc["Configuration"].clone())
            .ok_or_else(|| not_found(&target.arn(ctx))),
    }
}

/// The zip of the target's version.
pub fn stored_code(store: &DocStore, ctx: &Context, target: &Target) -> Option<Bytes> {
    match &target.version {
        None => functions::code(store, &functions::scope(ctx), &target.name),
        Some(v) => store
            .blob(&version_scope(ctx), &key(&target.name, v))
            .cloned(),
    }
}

/// The names of the versions of `name`, in number order.
fn versions_of(store: &DocStore, ctx: &Context, name: &str) -> Vec<(u64, Value)> {
    let prefix = format!("{name}:");
    let mut found: Vec<(u64, Value)> = store
        .all(&version_scope(ctx))
        .into_iter()
        .flatten()
        .filter_map(|(k, doc)| {
            let n = k.strip_prefix(&prefix)?.parse::<u64>().ok()?;
            Some((n, doc["Configuration"].clone()))
        })
        .collect();
    found.sort_by_key(|(n, _)| *n);
    found
}

/// The documents of `scope` that belong to function `name` (named `<name>:<qualifier>`).
pub fn of_function<'a>(
    store: &'a DocStore,
    scope: &Scope,
    name: &str,
) -> Vec<(&'a String, &'a Value)> {
    let prefix = format!("{name}:");
    store
        .all(scope)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with(&prefix))
        .collect()
}

/// The aliases of `name`, in name order.
fn aliases_of<'a>(store: &'a DocStore, ctx: &Context, name: &str) -> Vec<(&'a String, &'a Value)> {
    of_function(store, &alias_scope(ctx), name)
}

/// The entries that remove a function's versions, aliases, asynchronous invocation settings
/// and resource policies (with the function itself).
pub fn delete_all(store: &DocStore, ctx: &Context, name: &str) -> Vec<Entry> {
    let versions = versions_of(store, ctx, name)
        .into_iter()
        .map(|(n, _)| docs::delete(&version_scope(ctx), &key(name, &n.to_string())));
    let others = [
        alias_scope(ctx),
        super::event_config::scope(ctx),
        super::permissions::scope(ctx),
    ]
    .into_iter()
    .flat_map(|scope| {
        of_function(store, &scope, name)
            .into_iter()
            .map(move |(k, _)| docs::delete(&scope, k))
            .collect::<Vec<_>>()
    });
    versions.chain(others).collect()
}

/// DeleteFunction with a version qualifier: that version, unless an alias points at it.
pub fn delete_version(app: &App, ctx: &Context, target: &Target) -> Result<(), ApiError> {
    let Some(version) = &target.version else {
        return Err(invalid(
            "$LATEST version cannot be deleted without deleting the function.",
        ));
    };
    if target.qualifier.as_deref() != Some(version.as_str()) {
        return Err(invalid(
            "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.",
        ));
    }
    app.state.commit_docs(|store| {
        let users: Vec<&str> = aliases_of(store, ctx, &target.name)
            .into_iter()
            .filter(|(_, alias)| points_at(alias, version))
            .filter_map(|(_, alias)| alias["Name"].as_str())
            .collect();
        if !users.is_empty() {
            return Err(errors::RESOURCE_CONFLICT_EXCEPTION.with(format!(
                "Unable to delete version because the following aliases reference it: [{}]",
                users.join(", ")
            )));
        }
        Ok((
            vec![docs::delete(
                &version_scope(ctx),
                &key(&target.name, version),
            )],
            (),
        ))
    })
}

fn points_at(alias: &Value, version: &str) -> bool {
    alias["FunctionVersion"].as_str() == Some(version)
        || alias["RoutingConfig"]["AdditionalVersionWeights"]
            .get(version)
            .is_some()
}

/// PublishVersion: `$LATEST`'s configuration and code as the next version, unless nothing
/// changed since the last one (then that one is answered, as Lambda does).
pub fn publish(
    app: &App,
    ctx: &Context,
    input: &model::PublishVersionRequest,
) -> Result<model::FunctionConfiguration, ApiError> {
    let name = super::function_name(&input.function_name);
    let config = app.state.commit_docs(|store| {
        let scope = functions::scope(ctx);
        let mut doc = store
            .get(&scope, &name)
            .cloned()
            .ok_or_else(|| not_found(&arn(ctx, &name)))?;
        let latest = doc["Configuration"].clone();
        check_expected(&latest, input)?;
        let last = doc["LastVersion"].as_u64().unwrap_or(0);
        if last > 0 && doc["PublishedRevision"] == latest["RevisionId"] {
            let version_key = key(&name, &last.to_string());
            if let Some(existing) = store.get(&version_scope(ctx), &version_key) {
                return Ok((Vec::new(), existing["Configuration"].clone()));
            }
        }
        let number = (last + 1).to_string();
        let mut config = latest.clone();
        config["Version"] = json!(number);
        config["FunctionArn"] = json!(format!("{}:{number}", arn(ctx, &name)));
        config["RevisionId"] = json!(uuid::Uuid::new_v4().to_string());
        if let Some(description) = &input.description {
            config["Description"] = json!(description);
        }
        doc["LastVersion"] = json!(last + 1);
        doc["PublishedRevision"] = latest["RevisionId"].clone();
        let zip = functions::code(store, &scope, &name).unwrap_or_default();
        let entries = vec![
            docs::put_with_blob(&scope, &name, doc, zip.clone()),
            docs::put_with_blob(
                &version_scope(ctx),
                &key(&name, &number),
                json!({ "Configuration": config }),
                zip,
            ),
        ];
        Ok((entries, config))
    })?;
    configuration(&config)
}

/// PublishVersion's `CodeSha256` and `RevisionId` preconditions.
fn check_expected(latest: &Value, input: &model::PublishVersionRequest) -> Result<(), ApiError> {
    let current = latest["CodeSha256"].as_str().unwrap_or_default();
    if let Some(expected) = input.code_sha256.as_deref() {
        if expected != current {
            return Err(invalid(format!(
                "CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST ({current}). Please try again."
            )));
        }
    }
    check_revision(latest, input.revision_id.as_deref(), "GetFunction/GetAlias")
}

/// A `RevisionId` precondition against the document's current one; `get_api` names the call
/// that answers the current revision.
pub fn check_revision(
    current: &Value,
    expected: Option<&str>,
    get_api: &str,
) -> Result<(), ApiError> {
    match expected {
        Some(expected) if current["RevisionId"].as_str() != Some(expected) => {
            Err(errors::PRECONDITION_FAILED_EXCEPTION.with(format!(
                "The Revision Id provided does not match the latest Revision Id. Call the {get_api} API to retrieve the latest Revision Id"
            )))
        }
        _ => Ok(()),
    }
}

/// ListVersionsByFunction: `$LATEST` (its ARN qualified) first, then the versions by number.
pub fn list_versions(
    app: &App,
    ctx: &Context,
    input: &model::ListVersionsByFunctionRequest,
) -> Result<model::ListVersionsByFunctionResponse, ApiError> {
    let name = super::function_name(&input.function_name);
    let latest = load(app, ctx, &name)?["Configuration"].clone();
    let all = with_versions(&app.state.docs(), ctx, latest);
    let (page, next_marker) = page(&all, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListVersionsByFunctionResponse {
        versions: Some(page.iter().map(configuration).collect::<Result<_, _>>()?),
        next_marker,
    })
}

/// `$LATEST` (its ARN qualified) followed by the function's versions in number order.
pub fn with_versions(store: &DocStore, ctx: &Context, mut latest: Value) -> Vec<Value> {
    let name = latest["FunctionName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    latest["FunctionArn"] = json!(latest_arn(ctx, &name));
    std::iter::once(latest)
        .chain(versions_of(store, ctx, &name).into_iter().map(|(_, c)| c))
        .collect()
}

fn latest_arn(ctx: &Context, name: &str) -> String {
    format!("{}:$LATEST", arn(ctx, name))
}

/// One page of `all` from a `Marker` (an index) and `MaxItems` (50 by default).
pub fn page<'a, T>(
    all: &'a [T],
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<(&'a [T], Option<String>), ApiError> {
    let size = max_items.map_or(50, |n| usize::try_from(n).unwrap_or(50));
    let start = match marker {
        Some(m) => m.parse::<usize>().map_err(|_| invalid("Invalid Marker"))?,
        None => 0,
    };
    let start = start.min(all.len());
    let end = start.saturating_add(size).min(all.len());
    let next = (end < all.len()).then(|| end.to_string());
    Ok((&all[start..end], next))
}

fn alias_arn(ctx: &Context, name: &str, alias: &str) -> String {
    format!("{}:{alias}", arn(ctx, name))
}

fn alias_output(doc: &Value) -> Result<model::AliasConfiguration, ApiError> {
    serde_json::from_value(doc.clone())
        .map_err(|e| errors::SERVICE_EXCEPTION.with(format!("the stored alias is unreadable: {e}")))
}

/// Fails unless `version` is `$LATEST` or a published version of `name`.
fn check_version_exists(
    store: &DocStore,
    ctx: &Context,
    name: &str,
    version: &str,
) -> Result<(), ApiError> {
    let exists = version == "$LATEST"
        || (is_version(version)
            && store
                .get(&version_scope(ctx), &key(name, version))
                .is_some());
    if exists {
        Ok(())
    } else {
        Err(not_found(&format!("{}:{version}", arn(ctx, name))))
    }
}

fn check_routing(
    store: &DocStore,
    ctx: &Context,
    name: &str,
    routing: Option<&model::AliasRoutingConfiguration>,
) -> Result<(), ApiError> {
    let weights = routing.and_then(|r| r.additional_version_weights.as_ref());
    for version in weights.into_iter().flatten().map(|(v, _)| v) {
        check_version_exists(store, ctx, name, version)?;
    }
    Ok(())
}

pub fn create_alias(
    app: &App,
    ctx: &Context,
    input: model::CreateAliasRequest,
) -> Result<model::AliasConfiguration, ApiError> {
    let name = super::function_name(&input.function_name);
    load(app, ctx, &name)?;
    let alias_arn = alias_arn(ctx, &name, &input.name);
    let doc = app.state.commit_docs(|store| {
        check_version_exists(store, ctx, &name, &input.function_version)?;
        check_routing(store, ctx, &name, input.routing_config.as_ref())?;
        let k = key(&name, &input.name);
        if store.get(&alias_scope(ctx), &k).is_some() {
            return Err(errors::RESOURCE_CONFLICT_EXCEPTION
                .with(format!("Alias already exists: {alias_arn}")));
        }
        let doc = json!({
            "AliasArn": alias_arn,
            "Name": input.name,
            "FunctionVersion": input.function_version,
            "Description": input.description.clone().unwrap_or_default(),
            "RoutingConfig": input.routing_config,
            "RevisionId": uuid::Uuid::new_v4().to_string(),
        });
        let doc = without_nulls(doc);
        Ok((vec![docs::put(&alias_scope(ctx), &k, doc.clone())], doc))
    })?;
    alias_output(&doc)
}

fn without_nulls(mut doc: Value) -> Value {
    if let Some(fields) = doc.as_object_mut() {
        fields.retain(|_, v| !v.is_null());
    }
    doc
}

pub fn get_alias(
    app: &App,
    ctx: &Context,
    function: &str,
    alias: &str,
) -> Result<model::AliasConfiguration, ApiError> {
    let name = super::function_name(function);
    load(app, ctx, &name)?;
    let store = app.state.docs();
    let doc = store
        .get(&alias_scope(ctx), &key(&name, alias))
        .ok_or_else(|| alias_not_found(ctx, &name, alias))?;
    alias_output(doc)
}

fn alias_not_found(ctx: &Context, name: &str, alias: &str) -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
        "Cannot find alias arn: {}",
        alias_arn(ctx, name, alias)
    ))
}

pub fn update_alias(
    app: &App,
    ctx: &Context,
    input: model::UpdateAliasRequest,
) -> Result<model::AliasConfiguration, ApiError> {
    let name = super::function_name(&input.function_name);
    load(app, ctx, &name)?;
    let k = key(&name, &input.name);
    let doc = app.state.commit_docs(|store| {
        let mut doc = store
            .get(&alias_scope(ctx), &k)
            .cloned()
            .ok_or_else(|| alias_not_found(ctx, &name, &input.name))?;
        check_revision(&doc, input.revision_id.as_deref(), "GetFunction/GetAlias")?;
        if let Some(version) = &input.function_version {
            check_version_exists(store, ctx, &name, version)?;
            doc["FunctionVersion"] = json!(version);
        }
        if let Some(description) = &input.description {
            doc["Description"] = json!(description);
        }
        if let Some(routing) = &input.routing_config {
            check_routing(store, ctx, &name, Some(routing))?;
            doc["RoutingConfig"] = json!(routing);
        }
        doc["RevisionId"] = json!(uuid::Uuid::new_v4().to_string());
        let doc = without_nulls(doc);
        Ok((vec![docs::put(&alias_scope(ctx), &k, doc.clone())], doc))
    })?;
    alias_output(&doc)
}

pub fn delete_alias(app: &App, ctx: &Context, function: &str, alias: &str) -> Result<(), ApiError> {
    let name = super::function_name(function);
    load(app, ctx, &name)?;
    let k = key(&name, alias);
    app.state.commit_docs(|store| {
        if store.get(&alias_scope(ctx), &k).is_none() {
            return Err(alias_not_found(ctx, &name, alias));
        }
        Ok((vec![docs::delete(&alias_scope(ctx), &k)], ()))
    })
}

pub fn list_aliases(
    app: &App,
    ctx: &Context,
    input: &model::ListAliasesRequest,
) -> Result<model::ListAliasesResponse, ApiError> {
    let name = super::function_name(&input.function_name);
    load(app, ctx, &name)?;
    let store = app.state.docs();
    let all: Vec<&Value> = aliases_of(&store, ctx, &name)
        .into_iter()
        .map(|(_, doc)| doc)
        .filter(|doc| match &input.function_version {
            Some(v) => points_at(doc, v),
            None => true,
        })
        .collect();
    let (page, next_marker) = page(&all, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListAliasesResponse {
        aliases: Some(
            page.iter()
                .map(|doc| alias_output(doc))
                .collect::<Result<_, _>>()?,
        ),
        next_marker,
    })
}

/// PutFunctionConcurrency / DeleteFunctionConcurrency: the stored reservation (`None` removes
/// it). It is recorded and answered, not enforced: invocations are not throttled.
pub fn set_concurrency(
    app: &App,
    ctx: &Context,
    function: &str,
    reserved: Option<i32>,
) -> Result<(), ApiError> {
    let name = super::function_name(function);
    let scope = functions::scope(ctx);
    app.state.commit_docs(|store| {
        let mut doc = store
            .get(&scope, &name)
            .cloned()
            .ok_or_else(|| not_found(&arn(ctx, &name)))?;
        match (reserved, doc.as_object_mut()) {
            (Some(n), _) => doc["Concurrency"] = json!(n),
            (None, Some(fields)) => {
                fields.remove("Concurrency");
            }
            (None, None) => {}
        }
        let zip = store.blob(&scope, &name).cloned().unwrap_or_default();
        Ok((vec![docs::put_with_blob(&scope, &name, doc, zip)], ()))
    })
}

/// The reserved concurrency of a function, if set.
pub fn concurrency(app: &App, ctx: &Context, function: &str) -> Result<Option<i32>, ApiError> {
    let name = super::function_name(function);
    let doc = load(app, ctx, &name)?;
    Ok(doc["Concurrency"]
        .as_i64()
        .and_then(|n| i32::try_from(n).ok()))
}
