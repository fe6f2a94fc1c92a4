//! SQS's errors with the messages SQS sends: the modeled ones from `generated::sqs::errors`
//! (shape name on the JSON wire, legacy code on the query wire), and the common ones.
use crate::error::ApiError;
use crate::generated::sqs::errors;

pub fn queue_does_not_exist() -> ApiError {
    errors::QUEUE_DOES_NOT_EXIST.with("The specified queue does not exist.")
}

pub fn queue_name_exists(name: &str) -> ApiError {
    errors::QUEUE_NAME_EXISTS.with(format!(
        "A queue named {name} already exists with different attributes."
    ))
}

pub fn missing_parameter(name: &str) -> ApiError {
    ApiError::new(
        400,
        "MissingParameter",
        format!("The request must contain the parameter {name}."),
    )
}

pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValue", message)
}

pub fn invalid_attribute_name(name: &str) -> ApiError {
    errors::INVALID_ATTRIBUTE_NAME.with(format!("Unknown Attribute {name}."))
}

pub fn invalid_attribute_value(name: &str) -> ApiError {
    errors::INVALID_ATTRIBUTE_VALUE.with(format!("Invalid value for the parameter {name}."))
}

pub fn receipt_handle_invalid(handle: &str) -> ApiError {
    errors::RECEIPT_HANDLE_IS_INVALID.with(format!(
        "The input receipt handle \"{handle}\" is not a valid receipt handle."
    ))
}

pub fn message_not_inflight() -> ApiError {
    errors::MESSAGE_NOT_INFLIGHT.with("The message referred to isn't in flight.")
}

/// An empty batch; `entry` is the type of its entries (`SendMessageBatchRequestEntry`, ...).
pub fn empty_batch(entry: &str) -> ApiError {
    errors::EMPTY_BATCH_REQUEST.with(format!(
        "There should be at least one {entry} in the request."
    ))
}

pub fn too_many_entries(count: usize) -> ApiError {
    errors::TOO_MANY_ENTRIES_IN_BATCH_REQUEST.with(format!(
        "Maximum number of entries per request are 10. You have sent {count}."
    ))
}

pub fn ids_not_distinct(id: &str) -> ApiError {
    errors::BATCH_ENTRY_IDS_NOT_DISTINCT.with(format!("Id {id} repeated."))
}

pub fn batch_too_long(limit: usize, size: usize) -> ApiError {
    errors::BATCH_REQUEST_TOO_LONG.with(format!(
        "Batch requests cannot be longer than {limit} bytes. You have sent {size} bytes."
    ))
}

pub fn invalid_batch_entry_id() -> ApiError {
    errors::INVALID_BATCH_ENTRY_ID.with(
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    )
}
