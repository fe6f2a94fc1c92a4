//! SQS over both its JSON protocol (current SDKs, decoded and validated by the model) and the
//! query protocol (older SDKs, adapted by [`query_wire`]): both call the same typed operations.
mod digest;
mod errors;
mod messages;
mod query_wire;
mod queues;
mod receive;

pub use messages::deliver;
pub use queues::QueueRef;
pub use receive::receive as receive_messages;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::sqs::{self as model, Operations};
use crate::http::{Request, Response};
use crate::server::App;
use crate::state::State;

pub const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// SQS on the emulator's state.
pub struct Sqs<'a> {
    pub state: &'a State,
    /// Turns true when the server shuts down (long polls then answer at once).
    pub stopping: &'a tokio::sync::watch::Receiver<bool>,
}

/// Answers an SQS request in the protocol it came in.
pub async fn handle(app: &App, ctx: &Context, req: Request) -> Response {
    let sqs = Sqs {
        state: &app.state,
        stopping: &app.stopping,
    };
    if req.header("x-amz-target").is_some() {
        return model::handle(&sqs, ctx, &req).await;
    }
    query_wire::handle(&sqs, ctx, &req).await
}

/// What a Lambda event source mapping checks of its queue.
pub struct QueueSettings {
    pub fifo: bool,
    /// The queue's `VisibilityTimeout` in seconds.
    pub visibility_timeout: i64,
}

/// The settings of queue `name` of `account` in `region`, or `None` if there is no such queue.
pub fn queue_settings(
    state: &State,
    account: &str,
    region: &str,
    name: &str,
) -> Option<QueueSettings> {
    let store = state.sqs();
    let queue = store.queue(account, region, name)?;
    Some(QueueSettings {
        fifo: queues::is_fifo(queue),
        visibility_timeout: queues::queue_int(queue, "VisibilityTimeout", 30),
    })
}

/// Deletes received messages by their receipt handles, as DeleteMessage does (journaled);
/// handles of messages already gone are skipped.
pub fn delete_received(
    sqs: &Sqs,
    ctx: &Context,
    queue_url: &str,
    handles: &[String],
) -> Result<(), ApiError> {
    for handle in handles {
        messages::delete(
            sqs,
            ctx,
            model::DeleteMessageRequest {
                queue_url: queue_url.to_string(),
                receipt_handle: handle.clone(),
            },
        )?;
    }
    Ok(())
}

/// Makes received messages visible again at once, as ChangeMessageVisibility with a timeout of
/// 0 does; handles of messages already gone are skipped.
pub fn release_received(sqs: &Sqs, ctx: &Context, queue_url: &str, handles: &[String]) {
    for handle in handles {
        let input = model::ChangeMessageVisibilityRequest {
            queue_url: queue_url.to_string(),
            receipt_handle: handle.clone(),
            visibility_timeout: 0,
        };
        let _ = messages::change_visibility(sqs, ctx, input);
    }
}

/// An SQS error in the JSON protocol, with the legacy code in `x-amzn-query-error`.
pub fn json_error(err: &ApiError, request_id: &str) -> Response {
    crate::protocols::modeled::error_response(&model::MODEL, err, request_id)
}

impl Operations for Sqs<'_> {
    async fn add_permission(
        &self,
        ctx: &Context,
        input: model::AddPermissionRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::add_permission(self, ctx, input)
    }

    async fn remove_permission(
        &self,
        ctx: &Context,
        input: model::RemovePermissionRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::remove_permission(self, ctx, input)
    }

    async fn change_message_visibility(
        &self,
        ctx: &Context,
        input: model::ChangeMessageVisibilityRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        messages::change_visibility(self, ctx, input)
    }

    async fn change_message_visibility_batch(
        &self,
        ctx: &Context,
        input: model::ChangeMessageVisibilityBatchRequest,
    ) -> Result<model::ChangeMessageVisibilityBatchResult, ApiError> {
        messages::change_visibility_batch(self, ctx, input)
    }

    async fn create_queue(
        &self,
        ctx: &Context,
        input: model::CreateQueueRequest,
    ) -> Result<model::CreateQueueResult, ApiError> {
        queues::create(self, ctx, input)
    }

    async fn delete_message(
        &self,
        ctx: &Context,
        input: model::DeleteMessageRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        messages::delete(self, ctx, input)
    }

    async fn delete_message_batch(
        &self,
        ctx: &Context,
        input: model::DeleteMessageBatchRequest,
    ) -> Result<model::DeleteMessageBatchResult, ApiError> {
        messages::delete_batch(self, ctx, input)
    }

    async fn delete_queue(
        &self,
        ctx: &Context,
        input: model::DeleteQueueRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::delete(self, ctx, &input.queue_url)
    }

    async fn get_queue_attributes(
        &self,
        ctx: &Context,
        input: model::GetQueueAttributesRequest,
    ) -> Result<model::GetQueueAttributesResult, ApiError> {
        queues::get_attributes(self, ctx, input)
    }

    async fn get_queue_url(
        &self,
        ctx: &Context,
        input: model::GetQueueUrlRequest,
    ) -> Result<model::GetQueueUrlResult, ApiError> {
        queues::get_url(self, ctx, input)
    }

    async fn list_queue_tags(
        &self,
        ctx: &Context,
        input: model::ListQueueTagsRequest,
    ) -> Result<model::ListQueueTagsResult, ApiError> {
        queues::list_tags(self, ctx, input)
    }

    async fn list_queues(
        &self,
        ctx: &Context,
        input: model::ListQueuesRequest,
    ) -> Result<model::ListQueuesResult, ApiError> {
        queues::list(self, ctx, input)
    }

    async fn purge_queue(
        &self,
        ctx: &Context,
        input: model::PurgeQueueRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::purge(self, ctx, &input.queue_url)
    }

    async fn receive_message(
        &self,
        ctx: &Context,
        input: model::ReceiveMessageRequest,
    ) -> Result<model::ReceiveMessageResult, ApiError> {
        receive::receive(self, ctx, input).await
    }

    async fn send_message(
        &self,
        ctx: &Context,
        input: model::SendMessageRequest,
    ) -> Result<model::SendMessageResult, ApiError> {
        messages::send(self, ctx, input)
    }

    async fn send_message_batch(
        &self,
        ctx: &Context,
        input: model::SendMessageBatchRequest,
    ) -> Result<model::SendMessageBatchResult, ApiError> {
        messages::send_batch(self, ctx, input)
    }

    async fn set_queue_attributes(
        &self,
        ctx: &Context,
        input: model::SetQueueAttributesRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::set_attributes(self, ctx, input)
    }

    async fn tag_queue(
        &self,
        ctx: &Context,
        input: model::TagQueueRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::tag(self, ctx, input)
    }

    async fn untag_queue(
        &self,
        ctx: &Context,
        input: model::UntagQueueRequest,
    ) -> Result<crate::model::Empty, ApiError> {
        queues::untag(self, ctx, input)
    }
}
