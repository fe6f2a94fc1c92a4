//! IAM over the query protocol, on the shapes generated from the IAM model: roles, users,
//! managed policies with versions, inline policies, attachments, tags and access keys. Nothing
//! is enforced: policies are stored and answered, never evaluated. IAM is global: its entities
//! are per account only (documents in the `global` region of `state::docs`).
pub mod credentials;
mod policies;
mod roles;
mod users;

pub use roles::find as find_role;

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::iam::{self as model, errors};
use crate::http::{Request, Response};
use crate::model::Empty;
use crate::protocols::modeled;
use crate::state::docs::{self, DocStore, Scope};
use crate::state::record::Entry;
use crate::state::State;
use crate::timefmt::now_seconds;

/// The region IAM's documents are kept under: IAM has none.
const GLOBAL: &str = "global";
/// The page size of list operations without `MaxItems` (AWS's default).
const PAGE: usize = 100;

/// Answers an IAM request.
pub async fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    model::handle(&Iam { state }, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

/// The IAM operations over the emulator's state.
struct Iam<'a> {
    state: &'a State,
}

/// A role or a user: the principals that hold inline and attached policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Role,
    User,
}

impl Kind {
    /// The word in ARNs, document kinds and messages.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::User => "user",
        }
    }
}

/// A stored role or user: the entity as answered, its inline policies (name → document, as
/// given) and the ARNs of its attached managed policies.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Holder<T> {
    pub entity: T,
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    #[serde(default)]
    pub attached: Vec<String>,
}

/// The scope of one kind of IAM document in an account.
pub fn scope(account: &str, kind: &str) -> Scope {
    docs::scope("iam", account, GLOBAL, kind)
}

/// A stored document as its typed form.
fn typed<T: DeserializeOwned>(doc: &Value) -> Result<T, ApiError> {
    serde_json::from_value(doc.clone()).map_err(|e| {
        ApiError::new(
            500,
            "ServiceFailure",
            format!("a stored IAM document is unreadable: {e}"),
        )
    })
}

/// The entry that stores `value` under `name`.
fn put<T: Serialize>(scope: &Scope, name: &str, value: &T) -> Entry {
    docs::put(
        scope,
        name,
        serde_json::to_value(value).unwrap_or(Value::Null),
    )
}

/// The role or user `name` of the caller's account.
fn load<T: DeserializeOwned>(
    store: &DocStore,
    account: &str,
    kind: Kind,
    name: &str,
) -> Result<Holder<T>, ApiError> {
    let doc = store
        .get(&scope(account, kind.word()), name)
        .ok_or_else(|| no_such_principal(kind, name))?;
    typed(doc)
}

fn no_such_principal(kind: Kind, name: &str) -> ApiError {
    no_such_entity(format!(
        "The {} with name {name} cannot be found.",
        kind.word()
    ))
}

pub fn no_such_entity(message: impl Into<String>) -> ApiError {
    errors::NO_SUCH_ENTITY_EXCEPTION.with(message)
}

fn already_exists(message: impl Into<String>) -> ApiError {
    errors::ENTITY_ALREADY_EXISTS_EXCEPTION.with(message)
}

fn delete_conflict(message: impl Into<String>) -> ApiError {
    errors::DELETE_CONFLICT_EXCEPTION.with(message)
}

fn invalid_input(message: impl Into<String>) -> ApiError {
    errors::INVALID_INPUT_EXCEPTION.with(message)
}

/// A policy document must be JSON with a `Statement`, as AWS's parser requires (it checks much
/// more, which this emulator does not).
fn check_document(document: &str) -> Result<(), ApiError> {
    let malformed = |m: &str| errors::MALFORMED_POLICY_DOCUMENT_EXCEPTION.with(m);
    let parsed: Value = serde_json::from_str(document)
        .map_err(|_| malformed("This policy contains invalid Json"))?;
    match parsed.get("Statement") {
        Some(Value::Object(_) | Value::Array(_)) => Ok(()),
        _ => Err(malformed("Syntax errors in policy.")),
    }
}

/// Characters IAM leaves as they are in the policy documents it answers (RFC 3986 unreserved).
const DOCUMENT_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A policy document as IAM answers it: URL-encoded (the SDKs decode it).
fn encoded(document: &str) -> String {
    utf8_percent_encode(document, DOCUMENT_SAFE).to_string()
}

/// Now, as the typed shapes carry timestamps (epoch seconds).
fn now() -> f64 {
    now_seconds()
}

/// An entity path: `/` when none is given.
fn path_or_root(path: Option<String>) -> String {
    path.unwrap_or_else(|| "/".to_string())
}

/// A unique id with IAM's prefix for its kind (`AROA` roles, `AIDA` users, `ANPA` policies):
/// the prefix and 17 characters.
pub fn unique_id(prefix: &str) -> String {
    let mut id = prefix.to_string();
    id.push_str(&credentials::base32(uuid::Uuid::new_v4().as_bytes())[..17]);
    id
}

/// One page of `items` after `marker` (an index this emulator handed out): the page, whether
/// more follow, and the marker of the next page.
fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<(Vec<T>, bool, Option<String>), ApiError> {
    let start = match marker {
        Some(marker) => marker
            .parse::<usize>()
            .map_err(|_| invalid_input("Invalid Marker."))?,
        None => 0,
    };
    let size = max_items.map_or(PAGE, |n| usize::try_from(n).unwrap_or(PAGE));
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let next = start + size;
    let truncated = next < total;
    Ok((page, truncated, truncated.then(|| next.to_string())))
}

/// Tags after adding `new` (a key given again takes its new value).
fn merged_tags(mut tags: Vec<model::Tag>, new: Vec<model::Tag>) -> Vec<model::Tag> {
    for tag in new {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => tags.push(tag),
        }
    }
    tags
}

/// Tags without the keys in `keys`.
fn without_tags(tags: Vec<model::Tag>, keys: &[String]) -> Vec<model::Tag> {
    tags.into_iter()
        .filter(|t| !keys.contains(&t.key))
        .collect()
}

impl model::Operations for Iam<'_> {
    async fn attach_role_policy(
        &self,
        ctx: &Context,
        input: model::AttachRolePolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::attach(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            &input.policy_arn,
        )
    }

    async fn attach_user_policy(
        &self,
        ctx: &Context,
        input: model::AttachUserPolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::attach(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            &input.policy_arn,
        )
    }

    async fn create_access_key(
        &self,
        ctx: &Context,
        input: model::CreateAccessKeyRequest,
    ) -> Result<model::CreateAccessKeyResponse, ApiError> {
        users::create_access_key(self.state, ctx, input)
    }

    async fn create_policy(
        &self,
        ctx: &Context,
        input: model::CreatePolicyRequest,
    ) -> Result<model::CreatePolicyResponse, ApiError> {
        policies::create(self.state, ctx, input)
    }

    async fn create_policy_version(
        &self,
        _ctx: &Context,
        input: model::CreatePolicyVersionRequest,
    ) -> Result<model::CreatePolicyVersionResponse, ApiError> {
        policies::create_version(self.state, input)
    }

    async fn create_role(
        &self,
        ctx: &Context,
        input: model::CreateRoleRequest,
    ) -> Result<model::CreateRoleResponse, ApiError> {
        roles::create(self.state, ctx, input)
    }

    async fn create_user(
        &self,
        ctx: &Context,
        input: model::CreateUserRequest,
    ) -> Result<model::CreateUserResponse, ApiError> {
        users::create(self.state, ctx, input)
    }

    async fn delete_access_key(
        &self,
        ctx: &Context,
        input: model::DeleteAccessKeyRequest,
    ) -> Result<Empty, ApiError> {
        users::delete_access_key(self.state, ctx, input)
    }

    async fn delete_policy(
        &self,
        _ctx: &Context,
        input: model::DeletePolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::delete(self.state, &input.policy_arn)
    }

    async fn delete_policy_version(
        &self,
        _ctx: &Context,
        input: model::DeletePolicyVersionRequest,
    ) -> Result<Empty, ApiError> {
        policies::delete_version(self.state, &input.policy_arn, &input.version_id)
    }

    async fn delete_role(
        &self,
        ctx: &Context,
        input: model::DeleteRoleRequest,
    ) -> Result<Empty, ApiError> {
        roles::delete(self.state, ctx, &input.role_name)
    }

    async fn delete_role_policy(
        &self,
        ctx: &Context,
        input: model::DeleteRolePolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::delete_inline(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            &input.policy_name,
        )
    }

    async fn delete_user(
        &self,
        ctx: &Context,
        input: model::DeleteUserRequest,
    ) -> Result<Empty, ApiError> {
        users::delete(self.state, ctx, &input.user_name)
    }

    async fn delete_user_policy(
        &self,
        ctx: &Context,
        input: model::DeleteUserPolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::delete_inline(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            &input.policy_name,
        )
    }

    async fn detach_role_policy(
        &self,
        ctx: &Context,
        input: model::DetachRolePolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::detach(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            &input.policy_arn,
        )
    }

    async fn detach_user_policy(
        &self,
        ctx: &Context,
        input: model::DetachUserPolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::detach(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            &input.policy_arn,
        )
    }

    async fn get_policy(
        &self,
        _ctx: &Context,
        input: model::GetPolicyRequest,
    ) -> Result<model::GetPolicyResponse, ApiError> {
        policies::get(self.state, &input.policy_arn)
    }

    async fn get_policy_version(
        &self,
        _ctx: &Context,
        input: model::GetPolicyVersionRequest,
    ) -> Result<model::GetPolicyVersionResponse, ApiError> {
        policies::get_version(self.state, &input.policy_arn, &input.version_id)
    }

    async fn get_role(
        &self,
        ctx: &Context,
        input: model::GetRoleRequest,
    ) -> Result<model::GetRoleResponse, ApiError> {
        roles::get(self.state, ctx, &input.role_name)
    }

    async fn get_role_policy(
        &self,
        ctx: &Context,
        input: model::GetRolePolicyRequest,
    ) -> Result<model::GetRolePolicyResponse, ApiError> {
        let document = policies::get_inline(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            &input.policy_name,
        )?;
        Ok(model::GetRolePolicyResponse {
            role_name: input.role_name,
            policy_name: input.policy_name,
            policy_document: encoded(&document),
        })
    }

    async fn get_user(
        &self,
        ctx: &Context,
        input: model::GetUserRequest,
    ) -> Result<model::GetUserResponse, ApiError> {
        users::get(self.state, ctx, input.user_name.as_deref())
    }

    async fn get_user_policy(
        &self,
        ctx: &Context,
        input: model::GetUserPolicyRequest,
    ) -> Result<model::GetUserPolicyResponse, ApiError> {
        let document = policies::get_inline(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            &input.policy_name,
        )?;
        Ok(model::GetUserPolicyResponse {
            user_name: input.user_name,
            policy_name: input.policy_name,
            policy_document: encoded(&document),
        })
    }

    async fn list_access_keys(
        &self,
        ctx: &Context,
        input: model::ListAccessKeysRequest,
    ) -> Result<model::ListAccessKeysResponse, ApiError> {
        users::list_access_keys(self.state, ctx, input)
    }

    async fn list_attached_role_policies(
        &self,
        ctx: &Context,
        input: model::ListAttachedRolePoliciesRequest,
    ) -> Result<model::ListAttachedRolePoliciesResponse, ApiError> {
        let (attached, truncated, marker) = policies::list_attached(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            input.path_prefix.as_deref(),
            (input.marker.as_deref(), input.max_items),
        )?;
        Ok(model::ListAttachedRolePoliciesResponse {
            attached_policies: Some(attached),
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_attached_user_policies(
        &self,
        ctx: &Context,
        input: model::ListAttachedUserPoliciesRequest,
    ) -> Result<model::ListAttachedUserPoliciesResponse, ApiError> {
        let (attached, truncated, marker) = policies::list_attached(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            input.path_prefix.as_deref(),
            (input.marker.as_deref(), input.max_items),
        )?;
        Ok(model::ListAttachedUserPoliciesResponse {
            attached_policies: Some(attached),
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_instance_profiles_for_role(
        &self,
        ctx: &Context,
        input: model::ListInstanceProfilesForRoleRequest,
    ) -> Result<model::ListInstanceProfilesForRoleResponse, ApiError> {
        // Instance profiles are not emulated: a role is in none.
        load::<Value>(
            &self.state.docs(),
            &ctx.account,
            Kind::Role,
            &input.role_name,
        )?;
        Ok(model::ListInstanceProfilesForRoleResponse {
            instance_profiles: Vec::new(),
            is_truncated: Some(false),
            marker: None,
        })
    }

    async fn list_policies(
        &self,
        ctx: &Context,
        input: model::ListPoliciesRequest,
    ) -> Result<model::ListPoliciesResponse, ApiError> {
        policies::list(self.state, ctx, input)
    }

    async fn list_policy_versions(
        &self,
        _ctx: &Context,
        input: model::ListPolicyVersionsRequest,
    ) -> Result<model::ListPolicyVersionsResponse, ApiError> {
        policies::list_versions(self.state, input)
    }

    async fn list_policy_tags(
        &self,
        _ctx: &Context,
        input: model::ListPolicyTagsRequest,
    ) -> Result<model::ListPolicyTagsResponse, ApiError> {
        let tags = policies::tags(self.state, &input.policy_arn)?;
        let (tags, truncated, marker) = page(tags, input.marker.as_deref(), input.max_items)?;
        Ok(model::ListPolicyTagsResponse {
            tags,
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_role_policies(
        &self,
        ctx: &Context,
        input: model::ListRolePoliciesRequest,
    ) -> Result<model::ListRolePoliciesResponse, ApiError> {
        let (names, truncated, marker) = policies::list_inline(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            (input.marker.as_deref(), input.max_items),
        )?;
        Ok(model::ListRolePoliciesResponse {
            policy_names: names,
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_role_tags(
        &self,
        ctx: &Context,
        input: model::ListRoleTagsRequest,
    ) -> Result<model::ListRoleTagsResponse, ApiError> {
        let role: Holder<model::Role> = load(
            &self.state.docs(),
            &ctx.account,
            Kind::Role,
            &input.role_name,
        )?;
        let tags = role.entity.tags.unwrap_or_default();
        let (tags, truncated, marker) = page(tags, input.marker.as_deref(), input.max_items)?;
        Ok(model::ListRoleTagsResponse {
            tags,
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_roles(
        &self,
        ctx: &Context,
        input: model::ListRolesRequest,
    ) -> Result<model::ListRolesResponse, ApiError> {
        roles::list(self.state, ctx, input)
    }

    async fn list_user_policies(
        &self,
        ctx: &Context,
        input: model::ListUserPoliciesRequest,
    ) -> Result<model::ListUserPoliciesResponse, ApiError> {
        let (names, truncated, marker) = policies::list_inline(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            (input.marker.as_deref(), input.max_items),
        )?;
        Ok(model::ListUserPoliciesResponse {
            policy_names: names,
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_user_tags(
        &self,
        ctx: &Context,
        input: model::ListUserTagsRequest,
    ) -> Result<model::ListUserTagsResponse, ApiError> {
        let user: Holder<model::User> = load(
            &self.state.docs(),
            &ctx.account,
            Kind::User,
            &input.user_name,
        )?;
        let tags = user.entity.tags.unwrap_or_default();
        let (tags, truncated, marker) = page(tags, input.marker.as_deref(), input.max_items)?;
        Ok(model::ListUserTagsResponse {
            tags,
            is_truncated: Some(truncated),
            marker,
        })
    }

    async fn list_users(
        &self,
        ctx: &Context,
        input: model::ListUsersRequest,
    ) -> Result<model::ListUsersResponse, ApiError> {
        users::list(self.state, ctx, input)
    }

    async fn put_role_policy(
        &self,
        ctx: &Context,
        input: model::PutRolePolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::put_inline(
            self.state,
            ctx,
            Kind::Role,
            &input.role_name,
            &input.policy_name,
            input.policy_document,
        )
    }

    async fn put_user_policy(
        &self,
        ctx: &Context,
        input: model::PutUserPolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::put_inline(
            self.state,
            ctx,
            Kind::User,
            &input.user_name,
            &input.policy_name,
            input.policy_document,
        )
    }

    async fn set_default_policy_version(
        &self,
        _ctx: &Context,
        input: model::SetDefaultPolicyVersionRequest,
    ) -> Result<Empty, ApiError> {
        policies::set_default_version(self.state, &input.policy_arn, &input.version_id)
    }

    async fn tag_policy(
        &self,
        _ctx: &Context,
        input: model::TagPolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::retag(self.state, &input.policy_arn, |tags| {
            merged_tags(tags, input.tags)
        })
    }

    async fn untag_policy(
        &self,
        _ctx: &Context,
        input: model::UntagPolicyRequest,
    ) -> Result<Empty, ApiError> {
        policies::retag(self.state, &input.policy_arn, |tags| {
            without_tags(tags, &input.tag_keys)
        })
    }

    async fn tag_role(
        &self,
        ctx: &Context,
        input: model::TagRoleRequest,
    ) -> Result<Empty, ApiError> {
        roles::change(self.state, ctx, &input.role_name, |role| {
            role.tags = Some(merged_tags(
                role.tags.take().unwrap_or_default(),
                input.tags,
            ));
            Ok(())
        })
    }

    async fn tag_user(
        &self,
        ctx: &Context,
        input: model::TagUserRequest,
    ) -> Result<Empty, ApiError> {
        users::change(self.state, ctx, &input.user_name, |user| {
            user.tags = Some(merged_tags(
                user.tags.take().unwrap_or_default(),
                input.tags,
            ));
        })
    }

    async fn untag_role(
        &self,
        ctx: &Context,
        input: model::UntagRoleRequest,
    ) -> Result<Empty, ApiError> {
        roles::change(self.state, ctx, &input.role_name, |role| {
            let tags = role.tags.take().unwrap_or_default();
            role.tags = Some(without_tags(tags, &input.tag_keys));
            Ok(())
        })
    }

    async fn untag_user(
        &self,
        ctx: &Context,
        input: model::UntagUserRequest,
    ) -> Result<Empty, ApiError> {
        users::change(self.state, ctx, &input.user_name, |user| {
            let tags = user.tags.take().unwrap_or_default();
            user.tags = Some(without_tags(tags, &input.tag_keys));
        })
    }

    async fn update_access_key(
        &self,
        ctx: &Context,
        input: model::UpdateAccessKeyRequest,
    ) -> Result<Empty, ApiError> {
        users::update_access_key(self.state, ctx, input)
    }

    async fn update_assume_role_policy(
        &self,
        ctx: &Context,
        input: model::UpdateAssumeRolePolicyRequest,
    ) -> Result<Empty, ApiError> {
        check_document(&input.policy_document)?;
        roles::change(self.state, ctx, &input.role_name, |role| {
            role.assume_role_policy_document = Some(input.policy_document);
            Ok(())
        })
    }

    async fn update_role(
        &self,
        ctx: &Context,
        input: model::UpdateRoleRequest,
    ) -> Result<model::UpdateRoleResponse, ApiError> {
        roles::change(self.state, ctx, &input.role_name, |role| {
            if let Some(description) = input.description {
                role.description = Some(description);
            }
            if let Some(seconds) = input.max_session_duration {
                role.max_session_duration = Some(seconds);
            }
            Ok(())
        })?;
        Ok(model::UpdateRoleResponse {})
    }

    async fn update_user(
        &self,
        ctx: &Context,
        input: model::UpdateUserRequest,
    ) -> Result<Empty, ApiError> {
        users::update(self.state, ctx, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_answered_url_encoded() {
        let document = r#"{"Version": "2012-10-17", "Statement": []}"#;
        let text = encoded(document);
        assert_eq!(
            text,
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%5D%7D"
        );
        let decoded = percent_encoding::percent_decode_str(&text).decode_utf8_lossy();
        assert_eq!(decoded, document);
    }

    #[test]
    fn documents_need_json_with_a_statement() {
        assert!(check_document(r#"{"Statement": []}"#).is_ok());
        assert!(check_document(r#"{"Statement": {"Effect": "Allow"}}"#).is_ok());
        let invalid = check_document("{not json").unwrap_err();
        assert_eq!(invalid.code, "MalformedPolicyDocument");
        assert_eq!(invalid.message, "This policy contains invalid Json");
        let no_statement = check_document(r#"{"Version": "2012-10-17"}"#).unwrap_err();
        assert_eq!(no_statement.message, "Syntax errors in policy.");
    }

    #[test]
    fn pages_hand_out_the_next_index() {
        let (first, truncated, marker) = page(vec![1, 2, 3], None, Some(2)).unwrap();
        assert_eq!((first, truncated), (vec![1, 2], true));
        let (rest, truncated, next) = page(vec![1, 2, 3], marker.as_deref(), Some(2)).unwrap();
        assert_eq!((rest, truncated, next), (vec![3], false, None));
        assert_eq!(
            page(vec![1], Some("x"), None).unwrap_err().code,
            "InvalidInput"
        );
    }

    #[test]
    fn unique_ids_have_the_prefix_and_21_characters() {
        let id = unique_id("AROA");
        assert!(id.starts_with("AROA") && id.len() == 21, "{id}");
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_ne!(id, unique_id("AROA"));
    }
}
