//! SQS's errors: the modeled shape name (JSON `__type`) and the legacy query-protocol code.
use crate::error::ApiError;

fn sqs_error(code: &str, query_code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message).with_query_code(query_code)
}

pub fn queue_does_not_exist() -> ApiError {
    sqs_error(
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.",
    )
}

pub fn queue_name_exists(name: &str) -> ApiError {
    sqs_error(
        "QueueNameExists",
        "QueueAlreadyExists",
        format!("A queue named {name} already exists with different attributes."),
    )
}

pub fn missing_parameter(name: &str) -> ApiError {
    sqs_error(
        "MissingParameter",
        "MissingParameter",
        format!("The request must contain the parameter {name}."),
    )
}

pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    sqs_error("InvalidParameterValue", "InvalidParameterValue", message)
}

pub fn invalid_attribute_name(name: &str) -> ApiError {
    sqs_error(
        "InvalidAttributeName",
        "InvalidAttributeName",
        format!("Unknown Attribute {name}."),
    )
}

pub fn invalid_attribute_value(name: &str) -> ApiError {
    sqs_error(
        "InvalidAttributeValue",
        "InvalidAttributeValue",
        format!("Invalid value for the parameter {name}."),
    )
}

pub fn receipt_handle_invalid(handle: &str) -> ApiError {
    sqs_error(
        "ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
    )
}

pub fn message_not_inflight() -> ApiError {
    sqs_error(
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
        "The message referred to isn't in flight.",
    )
}

pub fn empty_batch() -> ApiError {
    sqs_error(
        "EmptyBatchRequest",
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "There should be at least one entry in the request.",
    )
}

pub fn too_many_entries() -> ApiError {
    sqs_error(
        "TooManyEntriesInBatchRequest",
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        "Maximum number of entries per request are 10.",
    )
}

pub fn ids_not_distinct() -> ApiError {
    sqs_error(
        "BatchEntryIdsNotDistinct",
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
    )
}

pub fn invalid_batch_entry_id() -> ApiError {
    sqs_error(
        "InvalidBatchEntryId",
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    )
}
