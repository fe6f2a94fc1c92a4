//! STS over the query protocol: GetCallerIdentity.
use super::super::context::Context;
use super::super::error::ApiError;
use super::super::http::{Request, Response};
use super::super::protocols::query;
use super::super::protocols::xml::XmlWriter;

pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Whether an `Action` belongs to STS (used to route unsigned query requests).
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
pub fn handle(ctx: &Context, req: &Request) -> Response {
    match answer(ctx, req) {
        Ok(response) => response,
        Err(err) => query::error_response(&err, XMLNS, &ctx.request_id),
    }
}

fn answer(ctx: &Context, req: &Request) -> Result<Response, ApiError> {
    let params = query::params(req)?;
    match query::action(&params) {
        Some("GetCallerIdentity") => Ok(caller_identity(ctx)),
        Some(other) => Err(ApiError::not_implemented("STS", other)),
        None => Err(ApiError::new(
            400,
            "MissingAction",
            "the request names no Action",
        )),
    }
}

fn caller_identity(ctx: &Context) -> Response {
    let mut w = XmlWriter::default();
    w.elem("Arn", &format!("arn:aws:iam::{}:root", ctx.account));
    w.elem("UserId", &ctx.account);
    w.elem("Account", &ctx.account);
    query::ok_response("GetCallerIdentity", XMLNS, &ctx.request_id, &w.finish())
}
