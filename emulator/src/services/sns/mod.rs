//! SNS over the query protocol: topics, subscriptions and publishing, with `sqs` subscriptions
//! delivered into the emulator's own queues and `lambda` subscriptions invoking its functions;
//! SMS is checked and accepted but not sent (`sms`).
pub(crate) mod filter;
mod permissions;
mod publish;
mod rules;
mod sms;
pub use publish::publish_from;
mod topics;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sns::{self as model, errors};
use crate::http::{Request, Response};
use crate::model::Empty;
use crate::protocols::modeled;
use crate::server::App;
use crate::state::State;

/// Whether the topic `arn` names exists (S3 checks its notification destinations).
pub fn topic_exists(state: &State, arn: &str) -> bool {
    topics::find_topic(&state.docs(), arn).is_ok()
}

/// One SNS call: the emulator and the caller.
pub struct Call<'a> {
    pub app: &'a App,
    pub state: &'a State,
    pub ctx: &'a Context,
}

/// The SNS operations over the emulator's state (and its queues and functions, for delivery).
pub struct Sns<'a> {
    pub app: &'a App,
}

impl<'a> Sns<'a> {
    fn call(&self, ctx: &'a Context) -> Call<'a> {
        Call {
            app: self.app,
            state: &self.app.state,
            ctx,
        }
    }
}

/// Answers an SNS request.
pub async fn handle(app: &App, ctx: &Context, req: &Request) -> Response {
    model::handle(&Sns { app }, ctx, req).await
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    modeled::error_response(&model::MODEL, err, request_id)
}

impl model::Operations for Sns<'_> {
    async fn confirm_subscription(
        &self,
        ctx: &Context,
        input: model::ConfirmSubscriptionInput,
    ) -> Result<model::ConfirmSubscriptionResponse, ApiError> {
        topics::confirm_subscription(&self.call(ctx), input)
    }

    async fn create_topic(
        &self,
        ctx: &Context,
        input: model::CreateTopicInput,
    ) -> Result<model::CreateTopicResponse, ApiError> {
        topics::create(&self.call(ctx), input)
    }

    async fn delete_topic(
        &self,
        ctx: &Context,
        input: model::DeleteTopicInput,
    ) -> Result<Empty, ApiError> {
        topics::delete(&self.call(ctx), &input.topic_arn)
    }

    async fn get_subscription_attributes(
        &self,
        ctx: &Context,
        input: model::GetSubscriptionAttributesInput,
    ) -> Result<model::GetSubscriptionAttributesResponse, ApiError> {
        topics::get_subscription_attributes(&self.call(ctx), &input.subscription_arn)
    }

    async fn get_topic_attributes(
        &self,
        ctx: &Context,
        input: model::GetTopicAttributesInput,
    ) -> Result<model::GetTopicAttributesResponse, ApiError> {
        topics::get_attributes(&self.call(ctx), &input.topic_arn)
    }

    async fn list_subscriptions(
        &self,
        ctx: &Context,
        input: model::ListSubscriptionsInput,
    ) -> Result<model::ListSubscriptionsResponse, ApiError> {
        let (subscriptions, next_token) =
            topics::list_subscriptions(&self.call(ctx), None, input.next_token.as_deref())?;
        Ok(model::ListSubscriptionsResponse {
            subscriptions: Some(subscriptions),
            next_token,
        })
    }

    async fn list_subscriptions_by_topic(
        &self,
        ctx: &Context,
        input: model::ListSubscriptionsByTopicInput,
    ) -> Result<model::ListSubscriptionsByTopicResponse, ApiError> {
        let (subscriptions, next_token) = topics::list_subscriptions(
            &self.call(ctx),
            Some(&input.topic_arn),
            input.next_token.as_deref(),
        )?;
        Ok(model::ListSubscriptionsByTopicResponse {
            subscriptions: Some(subscriptions),
            next_token,
        })
    }

    async fn list_topics(
        &self,
        ctx: &Context,
        input: model::ListTopicsInput,
    ) -> Result<model::ListTopicsResponse, ApiError> {
        topics::list(&self.call(ctx), input.next_token.as_deref())
    }

    async fn check_if_phone_number_is_opted_out(
        &self,
        _ctx: &Context,
        input: model::CheckIfPhoneNumberIsOptedOutInput,
    ) -> Result<model::CheckIfPhoneNumberIsOptedOutResponse, ApiError> {
        sms::check_number(&input.phone_number)?;
        Ok(model::CheckIfPhoneNumberIsOptedOutResponse {
            is_opted_out: Some(false),
        })
    }

    async fn list_phone_numbers_opted_out(
        &self,
        _ctx: &Context,
        _input: model::ListPhoneNumbersOptedOutInput,
    ) -> Result<model::ListPhoneNumbersOptedOutResponse, ApiError> {
        Ok(model::ListPhoneNumbersOptedOutResponse {
            phone_numbers: Some(Vec::new()),
            next_token: None,
        })
    }

    async fn opt_in_phone_number(
        &self,
        _ctx: &Context,
        input: model::OptInPhoneNumberInput,
    ) -> Result<model::OptInPhoneNumberResponse, ApiError> {
        sms::check_number(&input.phone_number)?;
        Ok(model::OptInPhoneNumberResponse {})
    }

    async fn publish(
        &self,
        ctx: &Context,
        input: model::PublishInput,
    ) -> Result<model::PublishResponse, ApiError> {
        publish::publish(&self.call(ctx), input)
    }

    async fn publish_batch(
        &self,
        ctx: &Context,
        input: model::PublishBatchInput,
    ) -> Result<model::PublishBatchResponse, ApiError> {
        publish::publish_batch(&self.call(ctx), input)
    }

    async fn set_subscription_attributes(
        &self,
        ctx: &Context,
        input: model::SetSubscriptionAttributesInput,
    ) -> Result<Empty, ApiError> {
        topics::set_subscription_attributes(&self.call(ctx), input)
    }

    async fn set_topic_attributes(
        &self,
        ctx: &Context,
        input: model::SetTopicAttributesInput,
    ) -> Result<Empty, ApiError> {
        topics::set_attributes(&self.call(ctx), input)
    }

    async fn subscribe(
        &self,
        ctx: &Context,
        input: model::SubscribeInput,
    ) -> Result<model::SubscribeResponse, ApiError> {
        topics::subscribe(&self.call(ctx), input)
    }

    async fn unsubscribe(
        &self,
        ctx: &Context,
        input: model::UnsubscribeInput,
    ) -> Result<Empty, ApiError> {
        topics::unsubscribe(&self.call(ctx), &input.subscription_arn)
    }

    async fn add_permission(
        &self,
        ctx: &Context,
        input: model::AddPermissionInput,
    ) -> Result<Empty, ApiError> {
        permissions::add(&self.call(ctx), input)
    }

    async fn remove_permission(
        &self,
        ctx: &Context,
        input: model::RemovePermissionInput,
    ) -> Result<Empty, ApiError> {
        permissions::remove(&self.call(ctx), input)
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &Context,
        input: model::ListTagsForResourceRequest,
    ) -> Result<model::ListTagsForResourceResponse, ApiError> {
        permissions::list_tags(&self.call(ctx), &input.resource_arn)
    }

    async fn tag_resource(
        &self,
        ctx: &Context,
        input: model::TagResourceRequest,
    ) -> Result<model::TagResourceResponse, ApiError> {
        permissions::change_tags(&self.call(ctx), &input.resource_arn, input.tags, &[])?;
        Ok(model::TagResourceResponse {})
    }

    async fn untag_resource(
        &self,
        ctx: &Context,
        input: model::UntagResourceRequest,
    ) -> Result<model::UntagResourceResponse, ApiError> {
        let call = self.call(ctx);
        permissions::change_tags(&call, &input.resource_arn, Vec::new(), &input.tag_keys)?;
        Ok(model::UntagResourceResponse {})
    }
}

/// Whether a boolean attribute is set (SNS reads `true` in any case, as `"True"` from Python's
/// `str(True)`).
pub fn is_true(value: &serde_json::Value) -> bool {
    value
        .as_str()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub fn invalid(message: impl Into<String>) -> ApiError {
    errors::INVALID_PARAMETER_EXCEPTION.with(message)
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    errors::NOT_FOUND_EXCEPTION.with(message)
}

/// The (account, region, name) an SNS ARN names.
pub fn parse_arn(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" {
        return None;
    }
    Some((
        parts[4].to_string(),
        parts[3].to_string(),
        parts[5].to_string(),
    ))
}
