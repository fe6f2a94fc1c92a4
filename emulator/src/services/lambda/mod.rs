//! Lambda over rest-json (`/2015-03-31/functions/...`), on the shapes generated from the Lambda
//! model (routes come from the model's `http` traits): function management, and Invoke, which
//! runs Python and Node.js handlers from the stored zip in a local subprocess; published
//! versions, aliases and reserved concurrency (`versions`); SQS event source mappings
//! (`mappings`) and the poller that feeds them to functions (`poller`, started by the server).
mod event_config;
mod functions;
mod invoke;
mod mappings;
mod permissions;
mod poller;
mod sqs_event;
mod versions;

pub use functions::code_download;
pub use invoke::{invoke_async, invoke_waiting};
pub use poller::start as start_poller;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda::{self as model, errors, Operations};
use crate::http::{Request, Response};
use crate::model::Empty;
use crate::protocols::modeled;
use crate::server::App;

/// Whether the function `arn` names (with its qualifier, if any) exists in `ctx`'s account and
/// region (S3 checks its notification destinations).
pub fn function_exists(app: &App, ctx: &Context, arn: &str) -> bool {
    versions::resolve(app, ctx, arn, None).is_ok()
}

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
        let publish = input.publish == Some(true);
        let name = function_name(&input.function_name);
        let config = functions::create(self.app, ctx, input)?;
        // CreateFunction answers the published version's number with the unqualified ARN
        // (UpdateFunctionCode answers the qualified one).
        let mut config = self.published(ctx, &name, publish, config)?;
        config.function_arn = Some(functions::arn(ctx, &name));
        Ok(config)
    }

    async fn delete_function(
        &self,
        ctx: &Context,
        input: model::DeleteFunctionRequest,
    ) -> Result<model::DeleteFunctionResponse, ApiError> {
        let target = versions::resolve(
            self.app,
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
        )?;
        match target.qualifier {
            None => functions::delete(self.app, ctx, &target.name)?,
            Some(_) => versions::delete_version(self.app, ctx, &target)?,
        }
        Ok(model::DeleteFunctionResponse {
            status_code: Some(204),
        })
    }

    async fn get_function(
        &self,
        ctx: &Context,
        input: model::GetFunctionRequest,
    ) -> Result<model::GetFunctionResponse, ApiError> {
        let target = versions::resolve(
            self.app,
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
        )?;
        functions::get(self.app, ctx, &target)
    }

    async fn get_function_configuration(
        &self,
        ctx: &Context,
        input: model::GetFunctionConfigurationRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        let target = versions::resolve(
            self.app,
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
        )?;
        functions::configuration(&versions::stored_configuration(self.app, ctx, &target)?)
    }

    async fn invoke(
        &self,
        ctx: &Context,
        input: model::InvocationRequest,
    ) -> Result<model::InvocationResponse, ApiError> {
        let target = versions::resolve(
            self.app,
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
        )?;
        let mut output = invoke::invoke(self.app, ctx, &target, input).await?;
        output.executed_version = Some(target.version.unwrap_or_else(|| "$LATEST".to_string()));
        Ok(output)
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
        let name = latest_only(&input.function_name)?;
        let publish = input.publish == Some(true);
        let config = functions::update_code(self.app, ctx, &name, input)?;
        self.published(ctx, &name, publish, config)
    }

    async fn update_function_configuration(
        &self,
        ctx: &Context,
        input: model::UpdateFunctionConfigurationRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        let name = latest_only(&input.function_name)?;
        functions::update_configuration(self.app, ctx, &name, input)
    }

    async fn publish_version(
        &self,
        ctx: &Context,
        input: model::PublishVersionRequest,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        versions::publish(self.app, ctx, &input)
    }

    async fn list_versions_by_function(
        &self,
        ctx: &Context,
        input: model::ListVersionsByFunctionRequest,
    ) -> Result<model::ListVersionsByFunctionResponse, ApiError> {
        versions::list_versions(self.app, ctx, &input)
    }

    async fn create_alias(
        &self,
        ctx: &Context,
        input: model::CreateAliasRequest,
    ) -> Result<model::AliasConfiguration, ApiError> {
        versions::create_alias(self.app, ctx, input)
    }

    async fn get_alias(
        &self,
        ctx: &Context,
        input: model::GetAliasRequest,
    ) -> Result<model::AliasConfiguration, ApiError> {
        versions::get_alias(self.app, ctx, &input.function_name, &input.name)
    }

    async fn update_alias(
        &self,
        ctx: &Context,
        input: model::UpdateAliasRequest,
    ) -> Result<model::AliasConfiguration, ApiError> {
        versions::update_alias(self.app, ctx, input)
    }

    async fn delete_alias(
        &self,
        ctx: &Context,
        input: model::DeleteAliasRequest,
    ) -> Result<Empty, ApiError> {
        versions::delete_alias(self.app, ctx, &input.function_name, &input.name)?;
        Ok(Empty {})
    }

    async fn list_aliases(
        &self,
        ctx: &Context,
        input: model::ListAliasesRequest,
    ) -> Result<model::ListAliasesResponse, ApiError> {
        versions::list_aliases(self.app, ctx, &input)
    }

    async fn put_function_concurrency(
        &self,
        ctx: &Context,
        input: model::PutFunctionConcurrencyRequest,
    ) -> Result<model::Concurrency, ApiError> {
        let reserved = input.reserved_concurrent_executions;
        versions::set_concurrency(self.app, ctx, &input.function_name, Some(reserved))?;
        Ok(model::Concurrency {
            reserved_concurrent_executions: Some(reserved),
        })
    }

    async fn get_function_concurrency(
        &self,
        ctx: &Context,
        input: model::GetFunctionConcurrencyRequest,
    ) -> Result<model::GetFunctionConcurrencyResponse, ApiError> {
        Ok(model::GetFunctionConcurrencyResponse {
            reserved_concurrent_executions: versions::concurrency(
                self.app,
                ctx,
                &input.function_name,
            )?,
        })
    }

    async fn delete_function_concurrency(
        &self,
        ctx: &Context,
        input: model::DeleteFunctionConcurrencyRequest,
    ) -> Result<Empty, ApiError> {
        versions::set_concurrency(self.app, ctx, &input.function_name, None)?;
        Ok(Empty {})
    }

    async fn put_function_event_invoke_config(
        &self,
        ctx: &Context,
        input: model::PutFunctionEventInvokeConfigRequest,
    ) -> Result<model::FunctionEventInvokeConfig, ApiError> {
        event_config::put(self.app, ctx, input)
    }

    async fn update_function_event_invoke_config(
        &self,
        ctx: &Context,
        input: model::UpdateFunctionEventInvokeConfigRequest,
    ) -> Result<model::FunctionEventInvokeConfig, ApiError> {
        event_config::update(self.app, ctx, input)
    }

    async fn get_function_event_invoke_config(
        &self,
        ctx: &Context,
        input: model::GetFunctionEventInvokeConfigRequest,
    ) -> Result<model::FunctionEventInvokeConfig, ApiError> {
        event_config::get(
            self.app,
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
        )
    }

    async fn delete_function_event_invoke_config(
        &self,
        ctx: &Context,
        input: model::DeleteFunctionEventInvokeConfigRequest,
    ) -> Result<Empty, ApiError> {
        event_config::delete(
            self.app,
            ctx,
            &input.function_name,
            input.qualifier.as_deref(),
        )?;
        Ok(Empty {})
    }

    async fn list_function_event_invoke_configs(
        &self,
        ctx: &Context,
        input: model::ListFunctionEventInvokeConfigsRequest,
    ) -> Result<model::ListFunctionEventInvokeConfigsResponse, ApiError> {
        event_config::list(self.app, ctx, &input)
    }

    async fn add_permission(
        &self,
        ctx: &Context,
        input: model::AddPermissionRequest,
    ) -> Result<model::AddPermissionResponse, ApiError> {
        permissions::add(self.app, ctx, input)
    }

    async fn get_policy(
        &self,
        ctx: &Context,
        input: model::GetPolicyRequest,
    ) -> Result<model::GetPolicyResponse, ApiError> {
        permissions::get(self.app, ctx, &input)
    }

    async fn remove_permission(
        &self,
        ctx: &Context,
        input: model::RemovePermissionRequest,
    ) -> Result<Empty, ApiError> {
        permissions::remove(self.app, ctx, &input)?;
        Ok(Empty {})
    }

    async fn create_event_source_mapping(
        &self,
        ctx: &Context,
        input: model::CreateEventSourceMappingRequest,
    ) -> Result<model::EventSourceMappingConfiguration, ApiError> {
        mappings::create(self.app, ctx, input)
    }

    async fn get_event_source_mapping(
        &self,
        ctx: &Context,
        input: model::GetEventSourceMappingRequest,
    ) -> Result<model::EventSourceMappingConfiguration, ApiError> {
        mappings::get(self.app, ctx, &input.uuid)
    }

    async fn list_event_source_mappings(
        &self,
        ctx: &Context,
        input: model::ListEventSourceMappingsRequest,
    ) -> Result<model::ListEventSourceMappingsResponse, ApiError> {
        mappings::list(self.app, ctx, &input)
    }

    async fn update_event_source_mapping(
        &self,
        ctx: &Context,
        input: model::UpdateEventSourceMappingRequest,
    ) -> Result<model::EventSourceMappingConfiguration, ApiError> {
        mappings::update(self.app, ctx, input)
    }

    async fn delete_event_source_mapping(
        &self,
        ctx: &Context,
        input: model::DeleteEventSourceMappingRequest,
    ) -> Result<model::EventSourceMappingConfiguration, ApiError> {
        mappings::delete(self.app, ctx, &input.uuid)
    }
}

impl Lambda<'_> {
    /// `config`, or the version published from it when the request asked to publish.
    fn published(
        &self,
        ctx: &Context,
        name: &str,
        publish: bool,
        config: model::FunctionConfiguration,
    ) -> Result<model::FunctionConfiguration, ApiError> {
        if !publish {
            return Ok(config);
        }
        versions::publish(
            self.app,
            ctx,
            &model::PublishVersionRequest {
                function_name: name.to_string(),
                ..Default::default()
            },
        )
    }
}

/// A function name from a name, a partial ARN or a full ARN (any qualifier dropped).
pub fn function_name(text: &str) -> String {
    match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_string(),
        None => text.split(':').next().unwrap_or(text).to_string(),
    }
}

/// The function an update addresses: updates change `$LATEST` only, so a name may carry no
/// other qualifier.
fn latest_only(text: &str) -> Result<String, ApiError> {
    let name = function_name(text);
    match versions::qualifier_in(text) {
        Some(q) if q != "$LATEST" => Err(invalid(format!(
            "Updates change $LATEST only; remove the qualifier ({q}) from {text}"
        ))),
        _ => Ok(name),
    }
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    errors::INVALID_PARAMETER_VALUE_EXCEPTION.with(message)
}

pub fn not_found(arn: &str) -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION.with(format!("Function not found: {arn}"))
}
