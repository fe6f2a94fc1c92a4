//! STS over the query protocol, on the shapes generated from the STS model: GetCallerIdentity,
//! AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken, GetFederationToken and
//! GetAccessKeyInfo, AssumeRoleWithSAML. The temporary credentials it hands out are stored with IAM's
//! (`iam::credentials`), so requests signed with them act in the role's account and
//! GetCallerIdentity names the session. Nothing is enforced: any role ARN may be assumed (an
//! IAM role of that name, if the emulator has one, gives its id and session limit), and web
//! identity tokens and SAML assertions are read, not verified.
mod saml;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sts::{self as model, Operations};
use crate::http::{Request, Response};
use crate::protocols::modeled;
use crate::services::iam::credentials::{self, Credential};
use crate::services::iam::{self, unique_id};
use crate::state::State;
use crate::timefmt::now_seconds;

/// How long temporary credentials last when no `DurationSeconds` is given: AssumeRole's one
/// hour, GetSessionToken's and GetFederationToken's twelve.
const ROLE_SECONDS: i32 = 3600;
const TOKEN_SECONDS: i32 = 43_200;

/// Whether an `Action` belongs to STS (used to route unsigned query requests): every operation
/// of the STS API, implemented or not, so the unimplemented ones are answered as STS errors.
pub fn handles(action: &str) -> bool {
    matches!(
        action,
        "GetCallerIdentity"
            | "AssumeRole"
            | "AssumeRoleWithWebIdentity"
            | "AssumeRoleWithSAML"
            | "GetSessionToken"
            | "GetFederationToken"
            | "GetAccessKeyInfo"
            | "DecodeAuthorizationMessage"
    )
}

/// Answers an STS request.
pub async fn handle(
    state: &State,
    default_account: &str,
    ctx: &Context,
    req: &Request,
) -> Response {
    model::handle(
        &Sts {
            state,
            default_account,
        },
        ctx,
        req,
    )
    .await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

/// The security token service over the emulator's credentials.
struct Sts<'a> {
    state: &'a State,
    /// The account of keys that name none (`serve --account-id`).
    default_account: &'a str,
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationError", message)
}

fn invalid_identity_token(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidIdentityToken", message)
}

fn access_denied(message: impl Into<String>) -> ApiError {
    ApiError::new(403, "AccessDenied", message)
}

/// (partition, account, name) of a role ARN, `arn:<partition>:iam::<account>:role/<path><name>`.
fn parse_role_arn(arn: &str) -> Result<(String, String, String), ApiError> {
    let invalid = || validation(format!("{arn} is invalid"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" {
        return Err(invalid());
    }
    let resource = parts[5].strip_prefix("role/").ok_or_else(invalid)?;
    let name = resource.rsplit('/').next().unwrap_or(resource);
    let account = parts[4];
    if name.is_empty() || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    Ok((parts[1].to_string(), account.to_string(), name.to_string()))
}

/// Temporary credentials for `principal`, lasting `seconds`, stored so they are accepted.
fn issue(
    state: &State,
    account: &str,
    (arn, user_id): (String, String),
    seconds: i32,
) -> Result<model::Credentials, ApiError> {
    let now = now_seconds();
    let credential = Credential {
        access_key_id: credentials::new_key_id("ASIA", account),
        secret_access_key: credentials::new_secret(),
        session_token: Some(credentials::new_session_token()),
        account: account.to_string(),
        arn,
        user_id,
        user_name: None,
        status: "Active".to_string(),
        create_date: now,
        expiration: Some(now + f64::from(seconds)),
    };
    credentials::issue(state, &credential)?;
    Ok(model::Credentials {
        access_key_id: credential.access_key_id,
        secret_access_key: credential.secret_access_key,
        session_token: credential.session_token.unwrap_or_default(),
        expiration: credential.expiration.unwrap_or(now),
    })
}

/// A session of role `role_arn` named `session`: its assumed-role user and credentials.
fn assume(
    state: &State,
    role_arn: &str,
    session: &str,
    duration: Option<i32>,
) -> Result<(model::AssumedRoleUser, model::Credentials), ApiError> {
    let (partition, account, name) = parse_role_arn(role_arn)?;
    let role = iam::find_role(state, &account, &name);
    let seconds = duration.unwrap_or(ROLE_SECONDS);
    let limit = role.as_ref().and_then(|r| r.max_session_duration);
    if limit.is_some_and(|limit| seconds > limit) {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let role_id = role.map_or_else(|| unique_id("AROA"), |r| r.role_id);
    let user = model::AssumedRoleUser {
        assumed_role_id: format!("{role_id}:{session}"),
        // In the role's partition: the request may be unsigned (AssumeRoleWithSAML /
        // WebIdentity), so its region is not known, but a role lives in one partition.
        arn: format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session}"),
    };
    let principal = (user.arn.clone(), user.assumed_role_id.clone());
    let credentials = issue(state, &account, principal, seconds)?;
    Ok((user, credentials))
}

/// The claims of a JSON Web Token, read without verifying it; `None` if it is not one.
fn token_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A claim as text: a string, or the first of a list (`aud` may be either).
fn claim(claims: Option<&Value>, name: &str) -> Option<String> {
    let value = claims?.get(name)?;
    let value = value.as_array().and_then(|a| a.first()).unwrap_or(value);
    value.as_str().map(str::to_string)
}

/// The caller, refused if it already holds temporary credentials (AWS allows GetSessionToken
/// and GetFederationToken only with long-term ones).
fn long_term_caller(state: &State, ctx: &Context, operation: &str) -> Result<Credential, ApiError> {
    let caller = credentials::caller(state, ctx);
    if caller.session_token.is_some() {
        return Err(access_denied(format!(
            "Cannot call {operation} with session credentials"
        )));
    }
    Ok(caller)
}

impl Operations for Sts<'_> {
    async fn assume_role(
        &self,
        _ctx: &Context,
        input: model::AssumeRoleRequest,
    ) -> Result<model::AssumeRoleResponse, ApiError> {
        let (user, credentials) = assume(
            self.state,
            &input.role_arn,
            &input.role_session_name,
            input.duration_seconds,
        )?;
        Ok(model::AssumeRoleResponse {
            credentials: Some(credentials),
            assumed_role_user: Some(user),
            source_identity: input.source_identity,
            ..Default::default()
        })
    }

    async fn assume_role_with_saml(
        &self,
        _ctx: &Context,
        input: model::AssumeRoleWithSAMLRequest,
    ) -> Result<model::AssumeRoleWithSAMLResponse, ApiError> {
        let assertion = saml::parse(&input.saml_assertion)
            .ok_or_else(|| invalid_identity_token("Invalid SAML response: not a SAML assertion"))?;
        let session = assertion
            .attribute(saml::ROLE_SESSION_NAME)
            .ok_or_else(|| {
                invalid_identity_token(format!(
                    "Invalid SAML response: no {} attribute",
                    saml::ROLE_SESSION_NAME
                ))
            })?
            .to_string();
        let (user, credentials) = assume(
            self.state,
            &input.role_arn,
            &session,
            input.duration_seconds,
        )?;
        Ok(model::AssumeRoleWithSAMLResponse {
            credentials: Some(credentials),
            assumed_role_user: Some(user),
            subject: assertion.subject,
            subject_type: assertion.subject_format.as_deref().map(saml::subject_type),
            issuer: assertion.issuer,
            audience: assertion.recipient,
            ..Default::default()
        })
    }

    async fn assume_role_with_web_identity(
        &self,
        _ctx: &Context,
        input: model::AssumeRoleWithWebIdentityRequest,
    ) -> Result<model::AssumeRoleWithWebIdentityResponse, ApiError> {
        let claims = token_claims(&input.web_identity_token);
        let (user, credentials) = assume(
            self.state,
            &input.role_arn,
            &input.role_session_name,
            input.duration_seconds,
        )?;
        Ok(model::AssumeRoleWithWebIdentityResponse {
            credentials: Some(credentials),
            subject_from_web_identity_token: claim(claims.as_ref(), "sub"),
            assumed_role_user: Some(user),
            provider: input.provider_id.or_else(|| claim(claims.as_ref(), "iss")),
            audience: claim(claims.as_ref(), "aud"),
            ..Default::default()
        })
    }

    async fn get_access_key_info(
        &self,
        _ctx: &Context,
        input: model::GetAccessKeyInfoRequest,
    ) -> Result<model::GetAccessKeyInfoResponse, ApiError> {
        Ok(model::GetAccessKeyInfoResponse {
            account: Some(credentials::account_for(
                self.state,
                &input.access_key_id,
                self.default_account,
            )),
        })
    }

    async fn get_caller_identity(
        &self,
        ctx: &Context,
        _input: model::GetCallerIdentityRequest,
    ) -> Result<model::GetCallerIdentityResponse, ApiError> {
        let caller = credentials::caller(self.state, ctx);
        Ok(model::GetCallerIdentityResponse {
            user_id: Some(caller.user_id),
            account: Some(caller.account),
            arn: Some(caller.arn),
        })
    }

    async fn get_federation_token(
        &self,
        ctx: &Context,
        input: model::GetFederationTokenRequest,
    ) -> Result<model::GetFederationTokenResponse, ApiError> {
        let caller = long_term_caller(self.state, ctx, "GetFederationToken")?;
        let account = caller.account;
        let user = model::FederatedUser {
            federated_user_id: format!("{account}:{}", input.name),
            arn: ctx.global_arn("sts", &account, &format!("federated-user/{}", input.name)),
        };
        let principal = (user.arn.clone(), user.federated_user_id.clone());
        let seconds = input.duration_seconds.unwrap_or(TOKEN_SECONDS);
        let credentials = issue(self.state, &account, principal, seconds)?;
        Ok(model::GetFederationTokenResponse {
            credentials: Some(credentials),
            federated_user: Some(user),
            ..Default::default()
        })
    }

    async fn get_session_token(
        &self,
        ctx: &Context,
        input: model::GetSessionTokenRequest,
    ) -> Result<model::GetSessionTokenResponse, ApiError> {
        let caller = long_term_caller(self.state, ctx, "GetSessionToken")?;
        let seconds = input.duration_seconds.unwrap_or(TOKEN_SECONDS);
        let principal = (caller.arn, caller.user_id);
        let credentials = issue(self.state, &caller.account, principal, seconds)?;
        Ok(model::GetSessionTokenResponse {
            credentials: Some(credentials),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_name_account_and_role() {
        let (partition, account, name) =
            parse_role_arn("arn:aws-cn:iam::123456789012:role/service/deployer").unwrap();
        assert_eq!(
            (partition.as_str(), account.as_str(), name.as_str()),
            ("aws-cn", "123456789012", "deployer")
        );
        for bad in [
            "arn:aws:iam::123:role/r",
            "arn:aws:iam::123456789012:user/u",
            "role",
        ] {
            assert_eq!(
                parse_role_arn(bad).unwrap_err().code,
                "ValidationError",
                "{bad}"
            );
        }
    }

    #[test]
    fn web_identity_tokens_are_read_not_verified() {
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"alice","aud":["app"],"iss":"idp"}"#);
        let claims = token_claims(&format!("header.{payload}.signature"));
        assert_eq!(claim(claims.as_ref(), "sub").as_deref(), Some("alice"));
        assert_eq!(claim(claims.as_ref(), "aud").as_deref(), Some("app"));
        assert!(token_claims("not-a-jwt").is_none());
    }
}
