//! DynamoDB's error codes, with messages that mean what the real service's messages mean.
use crate::error::ApiError;

pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

pub fn table_not_found(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceNotFoundException",
        format!("Requested resource not found: Table: {name} not found"),
    )
}

pub fn table_in_use(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceInUseException",
        format!("Table already exists: {name}"),
    )
}

pub fn condition_failed() -> ApiError {
    ApiError::new(
        400,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
}

pub fn key_mismatch() -> ApiError {
    validation("The provided key element does not match the schema")
}
