//! Lambda over rest-json (`/2015-03-31/functions/...`), on the shapes generated from the Lambda
//! model (routes come from the model's `http` traits): function management, and Invoke, which
//! runs Python and Node.js handlers from the stored zip in a local subprocess.
mod functions;
mod invoke;

pub use functions::code_download;
pub use invoke::invoke_detached;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors, Operations};
use crate::http::{Request, Response};
use crate::protocols::modeled;
use crate::server::App;

/// Answers a Lambda request.
pub async fn handle(app: &App, ctx: &Context, req: Request) -> Response {
    model::handle(&Lambda { app }, ctx, &req).await
}

/// A Lambda error: the code in `x-amzn-ErrorType`, `Type` and `message` in the body.
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

/// The functions of one server.
struct Lambda<'a> {
    app: &'a App,
}

impl Operations for Lambda<'_> {
    async fn create_function(
        &self,
        ctx: &Context,
        input: model::CreateFunctionRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        functions::create(self.app, ctx, input)
    }

    async fn delete_function(
        &self,
        ctx: &Context,
        input: model::DeleteFunctionRequest,
    ) -> Result<model::DeleteFunctionResponse, ApiError> {
        let name = addressed(&input.function_name, input.qualifier.as_deref())?;
        functions::delete(self.app, ctx, &name)?;
        Ok(model::DeleteFunctionResponse {
            status_code: Some(204),
        })
    }

    async fn get_function(
        &self,
        ctx: &Context,
        input: model::GetFunctionRequest,
    ) -> Result<model::GetFunctionResponse, ApiError> {
        let name = addressed(&input.function_name, input.qualifier.as_deref())?;
        functions::get(self.app, ctx, &name)
    }

    async fn get_function_configuration(
        &self,
        ctx: &Context,
        input: model::GetFunctionConfigurationRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        let name = addressed(&input.function_name, input.qualifier.as_deref())?;
        functions::get_configuration(self.app, ctx, &name)
    }

    async fn invoke(
        &self,
        ctx: &Context,
        input: model::InvocationRequest,
    ) -> Result<model::InvocationResponse, ApiError> {
        let name = addressed(&input.function_name, input.qualifier.as_deref())?;
        invoke::invoke(self.app, ctx, &name, input).await
    }

    async fn list_functions(
        &self,
        ctx: &Context,
        input: model::ListFunctionsRequest,
    ) -> Result<model::ListFunctionsResponse, ApiError> {
        functions::list(self.app, ctx, &input)
    }

    async fn update_function_code(
        &self,
        ctx: &Context,
        input: model::UpdateFunctionCodeRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        let name = addressed(&input.function_name, None)?;
        functions::update_code(self.app, ctx, &name, input)
    }

    async fn update_function_configuration(
        &self,
        ctx: &Context,
        input: model::UpdateFunctionConfigurationRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        let name = addressed(&input.function_name, None)?;
        functions::update_configuration(self.app, ctx, &name, input)
    }
}

/// The function a name, partial ARN or ARN (with a qualifier in it or beside it) addresses.
fn addressed(text: &str, qualifier: Option<&str>) -> Result<String, ApiError> {
    check_qualifier(text, qualifier)?;
    Ok(function_name(text))
}

/// A function name from a name, a partial ARN or a full ARN (any qualifier dropped).
pub fn function_name(text: &str) -> String {
    match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_string(),
        None => text.split(':').next().unwrap_or(text).to_string(),
    }
}

/// Only `$LATEST` exists (no published versions or aliases): any other qualifier, in the name
/// or as `Qualifier`, names a function version that is not there.
fn check_qualifier(text: &str, qualifier: Option<&str>) -> Result<(), ApiError> {
    let name = function_name(text);
    let in_name = match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').nth(1),
        None => text.split(':').nth(1),
    };
    match in_name.or(qualifier) {
        Some(q) if q != "$LATEST" => Err(errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!(
            "Function not found: {name}:{q} (awsredirect serve keeps only $LATEST; versions and aliases are not implemented)"
        ))),
        _ => Ok(()),
    }
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    errors::INVALID_PARAMETER_VALUE_EXCEPTION.with(message)
}

pub fn not_found(arn: &str) -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!("Function not found: {arn}"))
}
