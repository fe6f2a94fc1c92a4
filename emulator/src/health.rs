//! Health endpoints: our own and LocalStack's shape, so tools that wait for LocalStack work.
use hyper::Method;
use serde_json::json;

use super::http::{Response, ResponseBuilder};

/// The answer to a health request, or `None` if this is not one.
pub fn answer(method: &Method, path: &str) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let services: serde_json::Map<String, serde_json::Value> = crate::services::NAMES
        .iter()
        .map(|s| ((*s).to_string(), json!("running")))
        .collect();
    let body = match path.trim_end_matches('/') {
        "/_awsredirect/health" => json!({
            "status": "running",
            "services": services,
            "version": env!("CARGO_PKG_VERSION"),
        }),
        "/_localstack/health" => json!({
            "services": services,
            "edition": "community",
            "version": format!("awsredirect-{}", env!("CARGO_PKG_VERSION")),
        }),
        _ => return None,
    };
    Some(
        ResponseBuilder::new(200)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
}
