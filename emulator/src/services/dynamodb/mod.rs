//! DynamoDB over JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.Operation`): tables, items,
//! expressions, queries, scans, batches and transactions; Time to Live, tags, limits and
//! endpoints (`settings`); on-demand backups and point-in-time recovery (`backups`). Every
//! operation that takes an existing table reads its name or ARN through `names::resolve`.
mod backups;
mod batch;
mod errors;
pub(crate) mod eval;
pub(crate) mod expr;
mod items;
mod legacy;
mod names;
mod query;
mod reserved;
mod settings;
mod tables;
pub mod values;

use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::error::ApiError;
use crate::generated::dynamodb::{self as model, Operations};
use crate::http::{Request, Response};
use crate::state::State;

/// One DynamoDB call: the state, the caller and the input (the typed input as the expression
/// and item code reads it: attribute values in their JSON form).
pub struct Call<'a> {
    pub state: &'a State,
    pub ctx: &'a Context,
    /// The operation's name (`GetItem`), for the messages that name the action.
    pub operation: &'a str,
    pub input: &'a Value,
}

impl Call<'_> {
    /// A string member of the input, if present (the codec has checked required members).
    pub fn text(&self, member: &str) -> Option<&str> {
        self.input.get(member).and_then(Value::as_str)
    }
}

/// DynamoDB on the emulator's state.
pub struct DynamoDb<'a> {
    pub state: &'a State,
    /// The operation the request names (`X-Amz-Target`), for the messages that name it.
    pub operation: &'a str,
}

/// Answers a DynamoDB request.
pub async fn handle(state: &State, ctx: &Context, req: &Request) -> Response {
    let operation = crate::protocols::json::target(req).map_or("", |(_, op)| op);
    model::handle(&DynamoDb { state, operation }, ctx, req).await
}

/// A DynamoDB error: `__type` with the service namespace, and the cancellation reasons of a
/// cancelled transaction (carried as a JSON field of the error).
pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    crate::protocols::modeled::error_response(&model::MODEL, err, request_id)
}

impl DynamoDb<'_> {
    /// Runs one operation on the typed input in the form the expression and item code reads
    /// (attribute values as JSON), refusing a mix of expression and legacy parameters.
    fn run<I: Serialize, O>(
        &self,
        ctx: &Context,
        input: &I,
        op: fn(&Call) -> Result<O, ApiError>,
    ) -> Result<O, ApiError> {
        let input = crate::model::encode(input)?;
        legacy::check_not_mixed(&input)?;
        let call = Call {
            state: self.state,
            ctx,
            operation: self.operation,
            input: &input,
        };
        op(&call)
    }
}

impl DynamoDb<'_> {
    /// A call for the operations that read their typed input directly.
    fn call<'a>(&'a self, ctx: &'a Context) -> Call<'a> {
        Call {
            state: self.state,
            ctx,
            operation: self.operation,
            input: &Value::Null,
        }
    }
}

impl Operations for DynamoDb<'_> {
    async fn create_backup(
        &self,
        ctx: &Context,
        input: model::CreateBackupInput,
    ) -> Result<model::CreateBackupOutput, ApiError> {
        self.run(ctx, &input, backups::create_backup)
    }

    async fn describe_backup(
        &self,
        ctx: &Context,
        input: model::DescribeBackupInput,
    ) -> Result<model::DescribeBackupOutput, ApiError> {
        self.run(ctx, &input, backups::describe_backup)
    }

    async fn delete_backup(
        &self,
        ctx: &Context,
        input: model::DeleteBackupInput,
    ) -> Result<model::DeleteBackupOutput, ApiError> {
        self.run(ctx, &input, backups::delete_backup)
    }

    async fn list_backups(
        &self,
        ctx: &Context,
        input: model::ListBackupsInput,
    ) -> Result<model::ListBackupsOutput, ApiError> {
        self.run(ctx, &input, backups::list_backups)
    }

    async fn restore_table_from_backup(
        &self,
        ctx: &Context,
        input: model::RestoreTableFromBackupInput,
    ) -> Result<model::RestoreTableFromBackupOutput, ApiError> {
        self.run(ctx, &input, backups::restore_from_backup)
    }

    async fn restore_table_to_point_in_time(
        &self,
        ctx: &Context,
        input: model::RestoreTableToPointInTimeInput,
    ) -> Result<model::RestoreTableToPointInTimeOutput, ApiError> {
        self.run(ctx, &input, backups::restore_to_point_in_time)
    }

    async fn describe_continuous_backups(
        &self,
        ctx: &Context,
        input: model::DescribeContinuousBackupsInput,
    ) -> Result<model::DescribeContinuousBackupsOutput, ApiError> {
        self.run(ctx, &input, backups::describe_continuous)
    }

    async fn update_continuous_backups(
        &self,
        ctx: &Context,
        input: model::UpdateContinuousBackupsInput,
    ) -> Result<model::UpdateContinuousBackupsOutput, ApiError> {
        self.run(ctx, &input, backups::update_continuous)
    }

    async fn update_time_to_live(
        &self,
        ctx: &Context,
        input: model::UpdateTimeToLiveInput,
    ) -> Result<model::UpdateTimeToLiveOutput, ApiError> {
        settings::update_ttl(&self.call(ctx), &input)
    }

    async fn describe_time_to_live(
        &self,
        ctx: &Context,
        input: model::DescribeTimeToLiveInput,
    ) -> Result<model::DescribeTimeToLiveOutput, ApiError> {
        settings::describe_ttl(&self.call(ctx), &input)
    }

    async fn tag_resource(
        &self,
        ctx: &Context,
        input: model::TagResourceInput,
    ) -> Result<crate::model::Empty, ApiError> {
        settings::tag(&self.call(ctx), &input)?;
        Ok(crate::model::Empty {})
    }

    async fn untag_resource(
        &self,
        ctx: &Context,
        input: model::UntagResourceInput,
    ) -> Result<crate::model::Empty, ApiError> {
        settings::untag(&self.call(ctx), &input)?;
        Ok(crate::model::Empty {})
    }

    async fn list_tags_of_resource(
        &self,
        ctx: &Context,
        input: model::ListTagsOfResourceInput,
    ) -> Result<model::ListTagsOfResourceOutput, ApiError> {
        settings::list_tags(&self.call(ctx), &input)
    }

    async fn describe_limits(
        &self,
        _ctx: &Context,
        _input: model::DescribeLimitsInput,
    ) -> Result<model::DescribeLimitsOutput, ApiError> {
        Ok(settings::limits())
    }

    async fn describe_endpoints(
        &self,
        ctx: &Context,
        _input: model::DescribeEndpointsRequest,
    ) -> Result<model::DescribeEndpointsResponse, ApiError> {
        Ok(settings::endpoints(&self.call(ctx)))
    }

    async fn batch_get_item(
        &self,
        ctx: &Context,
        input: model::BatchGetItemInput,
    ) -> Result<model::BatchGetItemOutput, ApiError> {
        self.run(ctx, &input, batch::batch_get)
    }

    async fn batch_write_item(
        &self,
        ctx: &Context,
        input: model::BatchWriteItemInput,
    ) -> Result<model::BatchWriteItemOutput, ApiError> {
        self.run(ctx, &input, batch::batch_write)
    }

    async fn create_table(
        &self,
        ctx: &Context,
        input: model::CreateTableInput,
    ) -> Result<model::CreateTableOutput, ApiError> {
        self.run(ctx, &input, tables::create)
    }

    async fn delete_item(
        &self,
        ctx: &Context,
        input: model::DeleteItemInput,
    ) -> Result<model::DeleteItemOutput, ApiError> {
        self.run(ctx, &input, items::delete)
    }

    async fn delete_table(
        &self,
        ctx: &Context,
        input: model::DeleteTableInput,
    ) -> Result<model::DeleteTableOutput, ApiError> {
        self.run(ctx, &input, tables::delete)
    }

    async fn describe_table(
        &self,
        ctx: &Context,
        input: model::DescribeTableInput,
    ) -> Result<model::DescribeTableOutput, ApiError> {
        self.run(ctx, &input, tables::describe)
    }

    async fn get_item(
        &self,
        ctx: &Context,
        input: model::GetItemInput,
    ) -> Result<model::GetItemOutput, ApiError> {
        self.run(ctx, &input, items::get)
    }

    async fn list_tables(
        &self,
        ctx: &Context,
        input: model::ListTablesInput,
    ) -> Result<model::ListTablesOutput, ApiError> {
        self.run(ctx, &input, tables::list)
    }

    async fn put_item(
        &self,
        ctx: &Context,
        input: model::PutItemInput,
    ) -> Result<model::PutItemOutput, ApiError> {
        self.run(ctx, &input, items::put)
    }

    async fn query(
        &self,
        ctx: &Context,
        input: model::QueryInput,
    ) -> Result<model::QueryOutput, ApiError> {
        self.run(ctx, &input, query::query)
    }

    async fn scan(
        &self,
        ctx: &Context,
        input: model::ScanInput,
    ) -> Result<model::ScanOutput, ApiError> {
        self.run(ctx, &input, query::scan)
    }

    async fn transact_get_items(
        &self,
        ctx: &Context,
        input: model::TransactGetItemsInput,
    ) -> Result<model::TransactGetItemsOutput, ApiError> {
        self.run(ctx, &input, batch::transact_get)
    }

    async fn transact_write_items(
        &self,
        ctx: &Context,
        input: model::TransactWriteItemsInput,
    ) -> Result<model::TransactWriteItemsOutput, ApiError> {
        self.run(ctx, &input, batch::transact_write)
    }

    async fn update_item(
        &self,
        ctx: &Context,
        input: model::UpdateItemInput,
    ) -> Result<model::UpdateItemOutput, ApiError> {
        self.run(ctx, &input, items::update)
    }

    async fn update_table(
        &self,
        ctx: &Context,
        input: model::UpdateTableInput,
    ) -> Result<model::UpdateTableOutput, ApiError> {
        self.run(ctx, &input, tables::update)
    }
}
