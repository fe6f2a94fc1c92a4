//! Roles: create (with the trust policy), get, list, update, delete (refused while policies
//! are attached or inline policies remain).
use serde_json::Value;

use super::{
    already_exists, check_document, delete_conflict, encoded, load, now, page, path_or_root, put,
    scope, typed, unique_id, Holder, Kind,
};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::iam as model;
use crate::model::Empty;
use crate::state::State;

/// The default `MaxSessionDuration` of a role (one hour).
const DEFAULT_SESSION_SECONDS: i32 = 3600;

/// A role as answered: its trust policy URL-encoded, as IAM sends it.
fn answered(mut role: model::Role) -> model::Role {
    role.assume_role_policy_document = role.assume_role_policy_document.as_deref().map(encoded);
    role
}

pub fn create(
    state: &State,
    ctx: &Context,
    input: model::CreateRoleRequest,
) -> Result<model::CreateRoleResponse, ApiError> {
    check_document(&input.assume_role_policy_document)?;
    let path = path_or_root(input.path);
    let name = input.role_name;
    let role = model::Role {
        arn: ctx.global_arn("iam", &ctx.account, &format!("role{path}{name}")),
        path,
        role_id: unique_id("AROA"),
        role_name: name.clone(),
        create_date: now(),
        assume_role_policy_document: Some(input.assume_role_policy_document),
        description: input.description,
        max_session_duration: Some(
            input
                .max_session_duration
                .unwrap_or(DEFAULT_SESSION_SECONDS),
        ),
        permissions_boundary: input.permissions_boundary.map(|arn| {
            model::AttachedPermissionsBoundary {
                permissions_boundary_type: Some("PermissionsBoundaryPolicy".to_string()),
                permissions_boundary_arn: Some(arn),
            }
        }),
        tags: input.tags.filter(|t| !t.is_empty()),
        ..Default::default()
    };
    let scope = scope(&ctx.account, "role");
    state.commit_docs(|store| {
        if store.get(&scope, &name).is_some() {
            return Err(already_exists(format!(
                "Role with name {name} already exists."
            )));
        }
        let holder = Holder {
            entity: role.clone(),
            ..Default::default()
        };
        Ok((vec![put(&scope, &name, &holder)], ()))
    })?;
    Ok(model::CreateRoleResponse {
        role: answered(role),
    })
}

pub fn get(state: &State, ctx: &Context, name: &str) -> Result<model::GetRoleResponse, ApiError> {
    let holder: Holder<model::Role> = load(&state.docs(), &ctx.account, Kind::Role, name)?;
    let mut role = answered(holder.entity);
    role.role_last_used = Some(model::RoleLastUsed::default());
    Ok(model::GetRoleResponse { role })
}

/// The role `name` of the caller's account, if there is one (for STS).
pub fn find(state: &State, account: &str, name: &str) -> Option<model::Role> {
    let store = state.docs();
    let doc = store.get(&scope(account, "role"), name)?;
    typed::<Holder<model::Role>>(doc).ok().map(|h| h.entity)
}

pub fn list(
    state: &State,
    ctx: &Context,
    input: model::ListRolesRequest,
) -> Result<model::ListRolesResponse, ApiError> {
    let prefix = input.path_prefix.unwrap_or_else(|| "/".to_string());
    let store = state.docs();
    let mut roles = Vec::new();
    for doc in store
        .all(&scope(&ctx.account, "role"))
        .into_iter()
        .flat_map(|docs| docs.values())
    {
        let mut role = answered(typed::<Holder<model::Role>>(doc)?.entity);
        if role.path.starts_with(&prefix) {
            // ListRoles leaves out tags, the boundary and the last use.
            role.tags = None;
            role.permissions_boundary = None;
            roles.push(role);
        }
    }
    let (roles, truncated, marker) = page(roles, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListRolesResponse {
        roles,
        is_truncated: Some(truncated),
        marker,
    })
}

/// Changes the role `name` with `edit`.
pub fn change(
    state: &State,
    ctx: &Context,
    name: &str,
    edit: impl FnOnce(&mut model::Role) -> Result<(), ApiError>,
) -> Result<Empty, ApiError> {
    let scope = scope(&ctx.account, "role");
    state.commit_docs(|store| {
        let mut holder: Holder<Value> = load(store, &ctx.account, Kind::Role, name)?;
        let mut role: model::Role = typed(&holder.entity)?;
        edit(&mut role)?;
        holder.entity = serde_json::to_value(role).unwrap_or(Value::Null);
        Ok((vec![put(&scope, name, &holder)], Empty {}))
    })
}

pub fn delete(state: &State, ctx: &Context, name: &str) -> Result<Empty, ApiError> {
    let scope = scope(&ctx.account, "role");
    state.commit_docs(|store| {
        let holder: Holder<Value> = load(store, &ctx.account, Kind::Role, name)?;
        refuse_while_in_use(&holder)?;
        Ok((vec![crate::state::docs::delete(&scope, name)], Empty {}))
    })
}

/// AWS refuses to delete a role or user that still has policies.
pub fn refuse_while_in_use<T>(holder: &Holder<T>) -> Result<(), ApiError> {
    if !holder.attached.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    if !holder.inline.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    Ok(())
}
