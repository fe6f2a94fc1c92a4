//! Which table a request names. DynamoDB takes a table's name or its ARN wherever it takes an
//! existing table (the model's `TableArn` members: `TableName`, the keys of a batch's
//! `RequestItems`, RestoreTableToPointInTime's `SourceTableArn`; API reference: "You can also
//! provide the Amazon Resource Name (ARN) of the table in this parameter"). Every operation
//! resolves what it was given here: a name is checked as the model's `TableName`, an ARN must
//! name a table of the caller's account and region. Answers name the table by its name.
use serde_json::Value;

use super::errors::validation;
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb as model;

/// The name of the table `given` (a table name or a table ARN) names.
pub fn resolve(call: &Call, given: &str) -> Result<String, ApiError> {
    if !given.starts_with("arn:") {
        check_name(given)?;
        return Ok(given.to_string());
    }
    let arn = match TableArn::parse(given) {
        Ok(arn) => arn,
        Err(NotTable::ResourceType) => return Err(invalid_arn("Invalid resource type", given)),
        Err(NotTable::Malformed) => return Err(malformed(given)),
    };
    match arn.place(call) {
        Place::Here => Ok(arn.name.to_string()),
        Place::OtherPartition => Err(invalid_arn("Invalid AWS partition", given)),
        Place::OtherRegion => Err(invalid_arn("Invalid AWS region", given)),
        Place::OtherAccount => Err(cross_account(call, given)),
    }
}

/// Checks a table name against the model's `TableName` (3 to 255 of `[a-zA-Z0-9_.-]`), with
/// AWS's "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint:
/// Member must have length greater than or equal to 3".
pub fn check_name(name: &str) -> Result<(), ApiError> {
    crate::model::validate::check_value(
        &model::MODEL,
        "TableName",
        &Value::String(name.to_string()),
        "tableName",
    )
}

/// The parts of `arn:<partition>:dynamodb:<region>:<account>:table/<name>`.
pub struct TableArn<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
    pub name: &'a str,
}

/// Why a text is not a table's ARN.
pub enum NotTable {
    /// Not of the form `arn:<partition>:dynamodb:<region>:<account>:table/<name>` (an index or
    /// stream ARN, a missing part, a name DynamoDB would not take).
    Malformed,
    /// A DynamoDB ARN of another resource type (`backup/…`).
    ResourceType,
}

/// Where a table ARN points, seen from the request.
pub enum Place {
    Here,
    OtherPartition,
    OtherRegion,
    OtherAccount,
}

impl<'a> TableArn<'a> {
    /// The parts of a table ARN.
    pub fn parse(text: &'a str) -> Result<Self, NotTable> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [_, partition, vendor, region, account, resource] = parts[..] else {
            return Err(NotTable::Malformed);
        };
        if vendor != "dynamodb" || partition.is_empty() || region.is_empty() {
            return Err(NotTable::Malformed);
        }
        let Some((kind, name)) = resource.split_once('/') else {
            return Err(NotTable::Malformed);
        };
        if kind != "table" {
            return Err(NotTable::ResourceType);
        }
        if check_name(name).is_err() {
            return Err(NotTable::Malformed);
        }
        Ok(TableArn {
            partition,
            region,
            account,
            name,
        })
    }

    /// Whether the table is in the caller's partition, region and account (checked in that
    /// order: a place the request cannot reach before whose table it is).
    pub fn place(&self, call: &Call) -> Place {
        if self.partition != crate::context::partition(&call.ctx.region) {
            Place::OtherPartition
        } else if self.region != call.ctx.region {
            Place::OtherRegion
        } else if self.account != call.ctx.account {
            Place::OtherAccount
        } else {
            Place::Here
        }
    }
}

/// An ARN that is not of a table's form (an index or stream ARN, a missing part).
fn malformed(arn: &str) -> ApiError {
    validation(format!(
        "1 validation error detected: Value '{arn}' at 'tableName' failed to satisfy constraint: Valid ARN format is 'arn:<awsPartition>:<vendor>:<region>:<subscriber>:resourceType/resourceName', where Resource name must have length less than or equal to 255, Resource name must have length greater than or equal to 3, Resource name must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    ))
}

/// A table ARN whose partition, region or resource type cannot be this request's, as
/// DynamoDB words it ("1 validation error detected: Invalid AWS region in 'arn:…'").
fn invalid_arn(what: &str, arn: &str) -> ApiError {
    validation(format!("1 validation error detected: {what} in '{arn}'"))
}

/// A table of another account. DynamoDB reaches another account's table only where a
/// resource-based policy of that table allows it (developer guide, "Using resource-based
/// policies for DynamoDB"); the emulator keeps no such policies, so the request is denied with
/// IAM's wording for a request no resource-based policy allows.
pub fn cross_account(call: &Call, arn: &str) -> ApiError {
    let caller = crate::services::iam::credentials::caller(call.state, call.ctx);
    let action = format!("dynamodb:{}", call.operation);
    ApiError::new(
        400,
        "AccessDeniedException",
        format!(
            "User: {} is not authorized to perform: {action} on resource: {arn} because no resource-based policy allows the {action} action",
            caller.arn
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::state::State;

    fn context(region: &str) -> Context {
        Context {
            account: "111122223333".into(),
            region: region.into(),
            access_key: "test".into(),
            request_id: "r".into(),
            host: "localhost".into(),
            scheme: Default::default(),
        }
    }

    fn resolved(region: &str, given: &str) -> Result<String, ApiError> {
        let state = State::in_memory();
        let ctx = context(region);
        let call = Call {
            state: &state,
            ctx: &ctx,
            operation: "DescribeTable",
            input: &Value::Null,
        };
        resolve(&call, given)
    }

    #[test]
    fn names_and_arns_of_the_callers_region_resolve_to_the_name() {
        assert_eq!(resolved("us-east-1", "orders").unwrap(), "orders");
        let arn = "arn:aws:dynamodb:us-east-1:111122223333:table/orders";
        assert_eq!(resolved("us-east-1", arn).unwrap(), "orders");
        let china = "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders";
        assert_eq!(resolved("cn-north-1", china).unwrap(), "orders");
    }

    #[test]
    fn a_name_is_checked_as_a_name() {
        let err = resolved("us-east-1", "ab").unwrap_err();
        assert_eq!(
            err.message,
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
        );
        let err = resolved("us-east-1", "bad name").unwrap_err();
        assert!(err.message.contains("regular expression pattern"));
    }

    #[test]
    fn arns_of_other_places_and_forms_are_refused() {
        let other_region = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders";
        let err = resolved("us-east-1", other_region).unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert_eq!(
            err.message,
            format!("1 validation error detected: Invalid AWS region in '{other_region}'")
        );
        let other_account = "arn:aws:dynamodb:us-east-1:999988887777:table/orders";
        let err = resolved("us-east-1", other_account).unwrap_err();
        assert_eq!(err.code, "AccessDeniedException");
        assert!(err.message.contains("dynamodb:DescribeTable on resource"));
        for bad in [
            "arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/by-date",
            "arn:aws:dynamodb:us-east-1:111122223333:orders",
            "arn:aws:dynamodb:us-east-1",
            "arn:aws:s3:us-east-1:111122223333:table/orders",
        ] {
            assert!(resolved("us-east-1", bad)
                .unwrap_err()
                .message
                .contains("Valid ARN format is"));
        }
        let stream = "arn:aws:dynamodb:us-east-1:111122223333:stream/orders";
        assert!(resolved("us-east-1", stream)
            .unwrap_err()
            .message
            .contains("Invalid resource type in"));
        let partition = "arn:aws-cn:dynamodb:us-east-1:111122223333:table/orders";
        assert!(resolved("us-east-1", partition)
            .unwrap_err()
            .message
            .contains("Invalid AWS partition in"));
    }
}
