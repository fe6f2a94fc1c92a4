//! STS over the query protocol (GetCallerIdentity), on the shapes generated from the STS model.
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sts::{self as model, Operations};
use crate::http::{Request, Response};
use crate::protocols::modeled;

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
pub async fn handle(ctx: &Context, req: &Request) -> Response {
    model::handle(&Sts, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

/// The security token service: every caller is the root of its account.
struct Sts;

impl Operations for Sts {
    async fn get_caller_identity(
        &self,
        ctx: &Context,
        _input: model::GetCallerIdentityRequest,
    ) -> Result<model::GetCallerIdentityResponse, ApiError> {
        Ok(model::GetCallerIdentityResponse {
            user_id: Some(ctx.account.clone()),
            account: Some(ctx.account.clone()),
            arn: Some(format!("arn:aws:iam::{}:root", ctx.account)),
        })
    }
}
