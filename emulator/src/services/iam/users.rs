//! Users and their access keys: create, get, list, update (rename, move), delete (refused while
//! access keys or policies remain); access keys the emulator then accepts as the user's.
use serde_json::Value;

use super::credentials::{self, Credential};
use super::roles::refuse_while_in_use;
use super::{
    already_exists, delete_conflict, load, no_such_entity, now, page, path_or_root, put, scope,
    typed, unique_id, Holder, Kind,
};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::iam::{self as model, errors};
use crate::model::Empty;
use crate::state::docs;
use crate::state::State;

/// How many access keys a user may have.
const MAX_ACCESS_KEYS: usize = 2;

fn arn(ctx: &Context, path: &str, name: &str) -> String {
    ctx.global_arn("iam", &ctx.account, &format!("user{path}{name}"))
}

pub fn create(
    state: &State,
    ctx: &Context,
    input: model::CreateUserRequest,
) -> Result<model::CreateUserResponse, ApiError> {
    let path = path_or_root(input.path);
    let name = input.user_name;
    let user = model::User {
        arn: arn(ctx, &path, &name),
        path,
        user_name: name.clone(),
        user_id: unique_id("AIDA"),
        create_date: now(),
        permissions_boundary: input.permissions_boundary.map(|arn| {
            model::AttachedPermissionsBoundary {
                permissions_boundary_type: Some("PermissionsBoundaryPolicy".to_string()),
                permissions_boundary_arn: Some(arn),
            }
        }),
        tags: input.tags.filter(|t| !t.is_empty()),
        ..Default::default()
    };
    let scope = scope(&ctx.account, "user");
    state.commit_docs(|store| {
        if store.get(&scope, &name).is_some() {
            return Err(already_exists(format!(
                "User with name {name} already exists."
            )));
        }
        let holder = Holder {
            entity: user.clone(),
            ..Default::default()
        };
        Ok((vec![put(&scope, &name, &holder)], ()))
    })?;
    Ok(model::CreateUserResponse { user: Some(user) })
}

/// The user `name`, or the calling user when none is named.
pub fn get(
    state: &State,
    ctx: &Context,
    name: Option<&str>,
) -> Result<model::GetUserResponse, ApiError> {
    let name = match name {
        Some(name) => name.to_string(),
        None if credentials::find(state, &ctx.access_key).is_none() => return Ok(root(ctx)),
        None => calling_user(state, ctx)?,
    };
    let holder: Holder<model::User> = load(&state.docs(), &ctx.account, Kind::User, &name)?;
    Ok(model::GetUserResponse {
        user: holder.entity,
    })
}

/// GetUser without a name for the account's root (credentials the emulator did not issue):
/// its id and ARN, with no user name, as AWS answers it.
fn root(ctx: &Context) -> model::GetUserResponse {
    model::GetUserResponse {
        user: model::User {
            path: "/".to_string(),
            user_id: ctx.account.clone(),
            arn: ctx.global_arn("iam", &ctx.account, "root"),
            ..Default::default()
        },
    }
}

/// The IAM user whose access key signed the request.
fn calling_user(state: &State, ctx: &Context) -> Result<String, ApiError> {
    credentials::find(state, &ctx.access_key)
        .filter(|c| c.session_token.is_none())
        .and_then(|c| c.user_name)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "ValidationError",
                "Must specify userName when calling with non-User credentials",
            )
        })
}

pub fn list(
    state: &State,
    ctx: &Context,
    input: model::ListUsersRequest,
) -> Result<model::ListUsersResponse, ApiError> {
    let prefix = input.path_prefix.unwrap_or_else(|| "/".to_string());
    let store = state.docs();
    let mut users = Vec::new();
    let all = store.all(&scope(&ctx.account, "user"));
    for doc in all.into_iter().flat_map(|docs| docs.values()) {
        let mut user = typed::<Holder<model::User>>(doc)?.entity;
        if user.path.starts_with(&prefix) {
            user.tags = None;
            user.permissions_boundary = None;
            users.push(user);
        }
    }
    let (users, truncated, marker) = page(users, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListUsersResponse {
        users,
        is_truncated: Some(truncated),
        marker,
    })
}

/// Changes the user `name` with `edit`.
pub fn change(
    state: &State,
    ctx: &Context,
    name: &str,
    edit: impl FnOnce(&mut model::User),
) -> Result<Empty, ApiError> {
    let scope = scope(&ctx.account, "user");
    state.commit_docs(|store| {
        let mut holder: Holder<model::User> = load(store, &ctx.account, Kind::User, name)?;
        edit(&mut holder.entity);
        Ok((vec![put(&scope, name, &holder)], Empty {}))
    })
}

/// UpdateUser: a new name and / or path; the user's access keys follow it.
pub fn update(
    state: &State,
    ctx: &Context,
    input: model::UpdateUserRequest,
) -> Result<Empty, ApiError> {
    let scope = scope(&ctx.account, "user");
    let old = input.user_name;
    state.commit_docs(|store| {
        let mut holder: Holder<model::User> = load(store, &ctx.account, Kind::User, &old)?;
        let new = input.new_user_name.unwrap_or_else(|| old.clone());
        if new != old && store.get(&scope, &new).is_some() {
            return Err(already_exists(format!(
                "User with name {new} already exists."
            )));
        }
        let user = &mut holder.entity;
        if let Some(path) = input.new_path {
            user.path = path;
        }
        user.user_name = new.clone();
        user.arn = arn(ctx, &user.path, &new);
        let mut changes = vec![docs::delete(&scope, &old), put(&scope, &new, &holder)];
        for mut key in credentials::of_user(store, &ctx.account, &old) {
            key.user_name = Some(new.clone());
            key.arn = holder.entity.arn.clone();
            changes.push(credentials::put_entry(&key));
        }
        Ok((changes, Empty {}))
    })
}

pub fn delete(state: &State, ctx: &Context, name: &str) -> Result<Empty, ApiError> {
    let scope = scope(&ctx.account, "user");
    state.commit_docs(|store| {
        let holder: Holder<Value> = load(store, &ctx.account, Kind::User, name)?;
        if !credentials::of_user(store, &ctx.account, name).is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must delete access keys first.",
            ));
        }
        refuse_while_in_use(&holder)?;
        Ok((vec![docs::delete(&scope, name)], Empty {}))
    })
}

/// The user an access key operation is about: the named one, else the caller.
fn key_owner(state: &State, ctx: &Context, name: Option<String>) -> Result<String, ApiError> {
    match name {
        Some(name) => Ok(name),
        None => calling_user(state, ctx),
    }
}

pub fn create_access_key(
    state: &State,
    ctx: &Context,
    input: model::CreateAccessKeyRequest,
) -> Result<model::CreateAccessKeyResponse, ApiError> {
    let name = key_owner(state, ctx, input.user_name)?;
    state.commit_docs(|store| {
        let holder: Holder<model::User> = load(store, &ctx.account, Kind::User, &name)?;
        if credentials::of_user(store, &ctx.account, &name).len() >= MAX_ACCESS_KEYS {
            return Err(errors::LIMIT_EXCEEDED_EXCEPTION
                .with("Cannot exceed quota for AccessKeysPerUser: 2"));
        }
        let credential = Credential {
            access_key_id: credentials::new_key_id("AKIA", &ctx.account),
            secret_access_key: credentials::new_secret(),
            account: ctx.account.clone(),
            arn: holder.entity.arn.clone(),
            user_id: holder.entity.user_id.clone(),
            user_name: Some(name.clone()),
            status: "Active".to_string(),
            create_date: now(),
            ..Default::default()
        };
        let output = model::CreateAccessKeyResponse {
            access_key: model::AccessKey {
                user_name: name.clone(),
                access_key_id: credential.access_key_id.clone(),
                status: credential.status.clone(),
                secret_access_key: credential.secret_access_key.clone(),
                create_date: Some(credential.create_date),
            },
        };
        Ok((vec![credentials::put_entry(&credential)], output))
    })
}

pub fn list_access_keys(
    state: &State,
    ctx: &Context,
    input: model::ListAccessKeysRequest,
) -> Result<model::ListAccessKeysResponse, ApiError> {
    let name = key_owner(state, ctx, input.user_name)?;
    let store = state.docs();
    load::<Value>(&store, &ctx.account, Kind::User, &name)?;
    let keys = credentials::of_user(&store, &ctx.account, &name)
        .into_iter()
        .map(|c| model::AccessKeyMetadata {
            user_name: c.user_name,
            access_key_id: Some(c.access_key_id),
            status: Some(c.status),
            create_date: Some(c.create_date),
        })
        .collect();
    let (keys, truncated, marker) = page(keys, input.marker.as_deref(), input.max_items)?;
    Ok(model::ListAccessKeysResponse {
        access_key_metadata: keys,
        is_truncated: Some(truncated),
        marker,
    })
}

/// The access key `key_id` of the user `name` (the caller when none is named).
fn user_key(
    state: &State,
    ctx: &Context,
    name: Option<String>,
    key_id: &str,
) -> Result<Credential, ApiError> {
    let name = key_owner(state, ctx, name)?;
    let store = state.docs();
    load::<Value>(&store, &ctx.account, Kind::User, &name)?;
    credentials::of_user(&store, &ctx.account, &name)
        .into_iter()
        .find(|c| c.access_key_id == key_id)
        .ok_or_else(|| no_such_entity(format!("The Access Key with id {key_id} cannot be found")))
}

pub fn delete_access_key(
    state: &State,
    ctx: &Context,
    input: model::DeleteAccessKeyRequest,
) -> Result<Empty, ApiError> {
    let key = user_key(state, ctx, input.user_name, &input.access_key_id)?;
    state.commit_docs(|_| {
        Ok((
            vec![credentials::delete_entry(&key.access_key_id)],
            Empty {},
        ))
    })
}

pub fn update_access_key(
    state: &State,
    ctx: &Context,
    input: model::UpdateAccessKeyRequest,
) -> Result<Empty, ApiError> {
    let mut key = user_key(state, ctx, input.user_name, &input.access_key_id)?;
    key.status = input.status;
    state.commit_docs(|_| Ok((vec![credentials::put_entry(&key)], Empty {})))
}
