//! DynamoDB's error codes, with messages that mean what the real service's messages mean: the
//! modeled ones from `generated::dynamodb::errors`, and the common `ValidationException`.
use crate::error::ApiError;
use crate::generated::dynamodb::errors;

pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationException", message)
}

pub fn table_not_found(name: &str) -> ApiError {
    resource_not_found(&format!("Table: {name}"))
}

pub fn resource_not_found(what: &str) -> ApiError {
    errors::RESOURCE_NOT_FOUND_EXCEPTION
        .with(format!("Requested resource not found: {what} not found"))
}

pub fn table_in_use(name: &str) -> ApiError {
    errors::RESOURCE_IN_USE_EXCEPTION.with(format!("Table already exists: {name}"))
}

pub fn condition_failed() -> ApiError {
    errors::CONDITIONAL_CHECK_FAILED_EXCEPTION.with("The conditional request failed")
}

pub fn key_mismatch() -> ApiError {
    validation("The provided key element does not match the schema")
}
