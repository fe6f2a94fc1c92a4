//! Managed policies (with versions), inline policies of roles and users, and attaching managed
//! policies to them. AWS managed policies (`arn:aws:iam::aws:policy/...`) are not in the
//! emulator; attaching one is accepted as is.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    already_exists, check_document, delete_conflict, encoded, invalid_input, load, no_such_entity,
    now, page, path_or_root, put, scope, typed, unique_id, Holder, Kind,
};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::iam::{self as model, errors};
use crate::model::Empty;
use crate::state::docs::{self, DocStore};
use crate::state::State;

/// How many versions a managed policy may have.
const MAX_VERSIONS: usize = 5;

/// A stored managed policy: the policy as answered (without its attachment count, which is
/// counted when asked) and its versions, documents as given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stored {
    policy: model::Policy,
    versions: Vec<model::PolicyVersion>,
}

/// (account, name) of a policy ARN, `arn:aws:iam::<account>:policy/<path><name>`.
fn parse_arn(arn: &str) -> Result<(String, String), ApiError> {
    let invalid = || invalid_input(format!("ARN {arn} is not valid."));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" {
        return Err(invalid());
    }
    let resource = parts[5].strip_prefix("policy/").ok_or_else(invalid)?;
    let name = resource.rsplit('/').next().unwrap_or(resource);
    if name.is_empty() {
        return Err(invalid());
    }
    Ok((parts[4].to_string(), name.to_string()))
}

fn not_found(arn: &str) -> ApiError {
    no_such_entity(format!("Policy {arn} was not found."))
}

/// The stored policy an ARN names.
fn find(store: &DocStore, arn: &str) -> Result<Stored, ApiError> {
    let (account, name) = parse_arn(arn)?;
    let doc = store
        .get(&scope(&account, "policy"), &name)
        .ok_or_else(|| not_found(arn))?;
    let stored: Stored = typed(doc)?;
    if stored.policy.arn.as_deref() != Some(arn) {
        return Err(not_found(arn));
    }
    Ok(stored)
}

/// How many roles and users of `account` have `arn` attached.
fn attachment_count(store: &DocStore, account: &str, arn: &str) -> i32 {
    let mut count = 0;
    for kind in [Kind::Role, Kind::User] {
        let all = store.all(&scope(account, kind.word()));
        for doc in all.into_iter().flat_map(|docs| docs.values()) {
            let attached = doc["Attached"].as_array().into_iter().flatten();
            if attached.into_iter().any(|a| a == arn) {
                count += 1;
            }
        }
    }
    count
}

/// The policy as answered, with its attachment count.
fn answered(store: &DocStore, account: &str, stored: &Stored) -> model::Policy {
    let mut policy = stored.policy.clone();
    let arn = policy.arn.clone().unwrap_or_default();
    policy.attachment_count = Some(attachment_count(store, account, &arn));
    policy
}

pub fn create(
    state: &State,
    ctx: &Context,
    input: model::CreatePolicyRequest,
) -> Result<model::CreatePolicyResponse, ApiError> {
    check_document(&input.policy_document)?;
    let path = path_or_root(input.path);
    let name = input.policy_name;
    let created = now();
    let policy = model::Policy {
        policy_name: Some(name.clone()),
        policy_id: Some(unique_id("ANPA")),
        arn: Some(ctx.global_arn("iam", &ctx.account, &format!("policy{path}{name}"))),
        path: Some(path),
        default_version_id: Some("v1".to_string()),
        attachment_count: Some(0),
        permissions_boundary_usage_count: Some(0),
        is_attachable: Some(true),
        description: input.description,
        create_date: Some(created),
        update_date: Some(created),
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    let stored = Stored {
        policy: policy.clone(),
        versions: vec![model::PolicyVersion {
            document: Some(input.policy_document),
            version_id: Some("v1".to_string()),
            is_default_version: Some(true),
            create_date: Some(created),
        }],
    };
    let scope = scope(&ctx.account, "policy");
    state.commit_docs(|store| {
        if store.get(&scope, &name).is_some() {
            return Err(already_exists(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            )));
        }
        Ok((vec![put(&scope, &name, &stored)], ()))
    })?;
    Ok(model::CreatePolicyResponse {
        policy: Some(policy),
    })
}

pub fn get(state: &State, arn: &str) -> Result<model::GetPolicyResponse, ApiError> {
    let store = state.docs();
    let stored = find(&store, arn)?;
    let (account, _) = parse_arn(arn)?;
    Ok(model::GetPolicyResponse {
        policy: Some(answered(&store, &account, &stored)),
    })
}

pub fn list(
    state: &State,
    ctx: &Context,
    input: model::ListPoliciesRequest,
) -> Result<model::ListPoliciesResponse, ApiError> {
    let prefix = input.path_prefix.unwrap_or_else(|| "/".to_string());
    let store = state.docs();
    let mut policies = Vec::new();
    // Only the account's own policies: the emulator has no AWS managed ones.
    if input.scope.as_deref() != Some("AWS") {
        let all = store.all(&scope(&ctx.account, "policy"));
        for doc in all.into_iter().flat_map(|docs| docs.values()) {
            let mut policy = answered(&store, &ctx.account, &typed::<Stored>(doc)?);
            let attached = policy.attachment_count.unwrap_or(0) > 0;
            let in_path = policy.path.as_deref().unwrap_or("/").starts_with(&prefix);
            if in_path && (attached || input.only_attached != Some(true)) {
                // ListPolicies leaves out descriptions and tags.
                policy.description = None;
                policy.tags = None;
                policies.push(policy);
            }
        }
    }
    let (policies, truncated, marker) = page(policies, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListPoliciesResponse {
        policies: Some(policies),
        is_truncated: Some(truncated),
        marker,
    })
}

pub fn delete(state: &State, arn: &str) -> Result<Empty, ApiError> {
    state.commit_docs(|store| {
        let stored = find(store, arn)?;
        let (account, name) = parse_arn(arn)?;
        if attachment_count(store, &account, arn) > 0 {
            return Err(delete_conflict("Cannot delete a policy attached to entities."));
        }
        if stored.versions.len() > 1 {
            return Err(delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        Ok((vec![docs::delete(&scope(&account, "policy"), &name)], Empty {}))
    })
}

/// A version as answered: its document URL-encoded.
fn answered_version(mut version: model::PolicyVersion) -> model::PolicyVersion {
    version.document = version.document.as_deref().map(encoded);
    version
}

pub fn get_version(
    state: &State,
    arn: &str,
    version_id: &str,
) -> Result<model::GetPolicyVersionResponse, ApiError> {
    let stored = find(&state.docs(), arn)?;
    let version = stored
        .versions
        .into_iter()
        .find(|v| v.version_id.as_deref() == Some(version_id))
        .ok_or_else(|| {
            no_such_entity(format!(
                "Policy {arn} version {version_id} does not exist or is not attachable."
            ))
        })?;
    Ok(model::GetPolicyVersionResponse {
        policy_version: Some(answered_version(version)),
    })
}

/// The number after the `v` of a version id.
fn version_number(version: &model::PolicyVersion) -> u32 {
    version
        .version_id
        .as_deref()
        .and_then(|id| id.strip_prefix('v'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

pub fn create_version(
    state: &State,
    input: model::CreatePolicyVersionRequest,
) -> Result<model::CreatePolicyVersionResponse, ApiError> {
    check_document(&input.policy_document)?;
    let arn = input.policy_arn;
    let (account, name) = parse_arn(&arn)?;
    state.commit_docs(|store| {
        let mut stored = find(store, &arn)?;
        if stored.versions.len() >= MAX_VERSIONS {
            return Err(errors::LIMIT_EXCEEDED_EXCEPTION.with(
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
            ));
        }
        let next = stored.versions.iter().map(version_number).max().unwrap_or(0) + 1;
        let id = format!("v{next}");
        let default = input.set_as_default == Some(true);
        if default {
            for version in &mut stored.versions {
                version.is_default_version = Some(false);
            }
            stored.policy.default_version_id = Some(id.clone());
        }
        let version = model::PolicyVersion {
            document: Some(input.policy_document),
            version_id: Some(id),
            is_default_version: Some(default),
            create_date: Some(now()),
        };
        stored.versions.push(version.clone());
        stored.policy.update_date = version.create_date;
        let entry = put(&scope(&account, "policy"), &name, &stored);
        let output = model::CreatePolicyVersionResponse {
            policy_version: Some(answered_version(version)),
        };
        Ok((vec![entry], output))
    })
}

pub fn list_versions(
    state: &State,
    input: model::ListPolicyVersionsRequest,
) -> Result<model::ListPolicyVersionsResponse, ApiError> {
    let stored = find(&state.docs(), &input.policy_arn)?;
    // Newest first, without documents, as IAM lists them.
    let mut versions = stored.versions;
    versions.reverse();
    for version in &mut versions {
        version.document = None;
    }
    let (versions, truncated, marker) = page(versions, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListPolicyVersionsResponse {
        versions: Some(versions),
        is_truncated: Some(truncated),
        marker,
    })
}

pub fn delete_version(state: &State, arn: &str, version_id: &str) -> Result<Empty, ApiError> {
    let (account, name) = parse_arn(arn)?;
    state.commit_docs(|store| {
        let mut stored = find(store, arn)?;
        let position = stored
            .versions
            .iter()
            .position(|v| v.version_id.as_deref() == Some(version_id))
            .ok_or_else(|| {
                no_such_entity(format!("Policy {arn} version {version_id} does not exist."))
            })?;
        if stored.versions[position].is_default_version == Some(true) {
            return Err(delete_conflict(
                "Cannot delete the default version of a policy.",
            ));
        }
        stored.versions.remove(position);
        Ok((
            vec![put(&scope(&account, "policy"), &name, &stored)],
            Empty {},
        ))
    })
}

/// Changes the managed policy `arn` with `edit`.
fn change(
    state: &State,
    arn: &str,
    edit: impl FnOnce(&mut model::Policy, &mut Vec<model::PolicyVersion>) -> Result<(), ApiError>,
) -> Result<Empty, ApiError> {
    let (account, name) = parse_arn(arn)?;
    state.commit_docs(|store| {
        let mut stored = find(store, arn)?;
        edit(&mut stored.policy, &mut stored.versions)?;
        Ok((
            vec![put(&scope(&account, "policy"), &name, &stored)],
            Empty {},
        ))
    })
}

/// SetDefaultPolicyVersion: `version_id` becomes the default.
pub fn set_default_version(state: &State, arn: &str, version_id: &str) -> Result<Empty, ApiError> {
    change(state, arn, |policy, versions| {
        if !versions
            .iter()
            .any(|v| v.version_id.as_deref() == Some(version_id))
        {
            return Err(no_such_entity(format!(
                "Policy {arn} version {version_id} does not exist."
            )));
        }
        for version in versions.iter_mut() {
            version.is_default_version = Some(version.version_id.as_deref() == Some(version_id));
        }
        policy.default_version_id = Some(version_id.to_string());
        Ok(())
    })
}

/// TagPolicy and UntagPolicy: the policy's tags after `edit`.
pub fn retag(
    state: &State,
    arn: &str,
    edit: impl FnOnce(Vec<model::Tag>) -> Vec<model::Tag>,
) -> Result<Empty, ApiError> {
    change(state, arn, |policy, _| {
        policy.tags = Some(edit(policy.tags.take().unwrap_or_default()));
        Ok(())
    })
}

/// The tags of the managed policy `arn`.
pub fn tags(state: &State, arn: &str) -> Result<Vec<model::Tag>, ApiError> {
    Ok(find(&state.docs(), arn)?.policy.tags.unwrap_or_default())
}

/// Changes the inline and attached policies of role or user `name` with `edit`.
fn change_holder(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    edit: impl FnOnce(&DocStore, &mut Holder<Value>) -> Result<(), ApiError>,
) -> Result<Empty, ApiError> {
    state.commit_docs(|store| {
        let mut holder: Holder<Value> = load(store, &ctx.account, kind, name)?;
        edit(store, &mut holder)?;
        let entry = put(&scope(&ctx.account, kind.word()), name, &holder);
        Ok((vec![entry], Empty {}))
    })
}

pub fn attach(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    arn: &str,
) -> Result<Empty, ApiError> {
    let (account, _) = parse_arn(arn)?;
    change_holder(state, ctx, kind, name, |store, holder| {
        if account != "aws" {
            find(store, arn).map_err(|_| {
                no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
            })?;
        }
        if !holder.attached.iter().any(|a| a == arn) {
            holder.attached.push(arn.to_string());
        }
        Ok(())
    })
}

pub fn detach(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    arn: &str,
) -> Result<Empty, ApiError> {
    change_holder(state, ctx, kind, name, |_, holder| {
        let before = holder.attached.len();
        holder.attached.retain(|a| a != arn);
        if holder.attached.len() == before {
            return Err(no_such_entity(format!("Policy {arn} was not found.")));
        }
        Ok(())
    })
}

pub fn list_attached(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    path_prefix: Option<&str>,
    (marker, max_items): (Option<&str>, Option<i32>),
) -> Result<(Vec<model::AttachedPolicy>, bool, Option<String>), ApiError> {
    let holder: Holder<Value> = load(&state.docs(), &ctx.account, kind, name)?;
    let prefix = path_prefix.unwrap_or("/");
    let attached: Vec<model::AttachedPolicy> = holder
        .attached
        .into_iter()
        .filter(|arn| policy_path(arn).starts_with(prefix))
        .map(|arn| model::AttachedPolicy {
            policy_name: parse_arn(&arn).ok().map(|(_, name)| name),
            policy_arn: Some(arn),
        })
        .collect();
    page(attached, marker, max_items)
}

/// The path of a policy ARN (`/service-role/` of `...:policy/service-role/Name`).
fn policy_path(arn: &str) -> String {
    let resource = arn.split_once(":policy").map_or("", |(_, rest)| rest);
    match resource.rfind('/') {
        Some(end) => resource[..=end].to_string(),
        None => "/".to_string(),
    }
}

pub fn put_inline(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    policy_name: &str,
    document: String,
) -> Result<Empty, ApiError> {
    check_document(&document)?;
    change_holder(state, ctx, kind, name, |_, holder| {
        holder.inline.insert(policy_name.to_string(), document);
        Ok(())
    })
}

fn no_such_inline(kind: Kind, policy_name: &str) -> ApiError {
    no_such_entity(format!(
        "The {} policy with name {policy_name} cannot be found.",
        kind.word()
    ))
}

/// The document of inline policy `policy_name`, as given.
pub fn get_inline(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    policy_name: &str,
) -> Result<String, ApiError> {
    let mut holder: Holder<Value> = load(&state.docs(), &ctx.account, kind, name)?;
    holder
        .inline
        .remove(policy_name)
        .ok_or_else(|| no_such_inline(kind, policy_name))
}

pub fn delete_inline(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    policy_name: &str,
) -> Result<Empty, ApiError> {
    change_holder(state, ctx, kind, name, |_, holder| {
        holder
            .inline
            .remove(policy_name)
            .map(|_| ())
            .ok_or_else(|| no_such_inline(kind, policy_name))
    })
}

pub fn list_inline(
    state: &State,
    ctx: &Context,
    kind: Kind,
    name: &str,
    (marker, max_items): (Option<&str>, Option<i32>),
) -> Result<(Vec<String>, bool, Option<String>), ApiError> {
    let holder: Holder<Value> = load(&state.docs(), &ctx.account, kind, name)?;
    page(holder.inline.into_keys().collect(), marker, max_items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns_name_account_and_policy() {
        let (account, name) =
            parse_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").unwrap();
        assert_eq!(
            (account.as_str(), name.as_str()),
            ("aws", "AWSLambdaBasicExecutionRole")
        );
        assert_eq!(
            policy_path("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
            "/service-role/"
        );
        assert_eq!(policy_path("arn:aws:iam::123456789012:policy/p"), "/");
        assert_eq!(
            parse_arn("arn:aws:iam::1:role/r").unwrap_err().code,
            "InvalidInput"
        );
    }
}
