//! Wire protocols, kept apart from the services: query (form in, XML out), JSON 1.0/1.1 and
//! rest-xml. Each turns bytes into plain values and values or [`ApiError`]s back into responses;
//! `modeled` drives JSON and query from the botocore models for services on generated shapes.
//!
//! [`ApiError`]: crate::error::ApiError
pub mod json;
pub mod modeled;
pub mod query;
pub mod rest_json;
pub mod rest_xml;
pub mod xml;
