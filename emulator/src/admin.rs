//! The emulator's own control endpoints: `POST /_awsredirect/reset` and the path moto's test
//! harness calls in server mode, `POST /moto-api/reset`, so suites reset state between tests.
use hyper::Method;
use serde_json::json;

use super::http::{parse_query, Response, ResponseBuilder};
use super::server::App;
use super::services::NAMES;

/// The paths that reset state.
const RESET_PATHS: [&str; 2] = ["/_awsredirect/reset", "/moto-api/reset"];

/// The answer to a reset request, or `None` if this is not one. `?service=NAME` resets one
/// service; without it every service is reset.
pub async fn answer(
    app: &App,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Option<Response> {
    if method != Method::POST || !RESET_PATHS.contains(&path.trim_end_matches('/')) {
        return None;
    }
    let service = parse_query(query)
        .into_iter()
        .find(|(name, _)| name == "service")
        .map(|(_, value)| value);
    Some(reset(app, service.as_deref()).await)
}

/// Resets `service` (every service with `None`) and answers with the services reset, once the
/// reset is on disk when state persists.
async fn reset(app: &App, service: Option<&str>) -> Response {
    if let Some(name) = service.filter(|name| !NAMES.contains(name)) {
        let message = format!(
            "unknown service {name:?}: expected one of {}",
            NAMES.join(", ")
        );
        return json_response(400, json!({ "error": message }));
    }
    let done = app
        .state
        .acknowledged(async { app.state.reset(service) })
        .await
        .and_then(|result| result);
    match done {
        Ok(()) => {
            let reset: Vec<&str> = NAMES
                .iter()
                .copied()
                .filter(|name| service.is_none_or(|s| s == *name))
                .collect();
            json_response(200, json!({ "status": "ok", "reset": reset }))
        }
        Err(err) => json_response(err.status, json!({ "error": err.message })),
    }
}

fn json_response(status: u16, body: serde_json::Value) -> Response {
    ResponseBuilder::new(status)
        .header("content-type", "application/json")
        .body(body.to_string())
}
