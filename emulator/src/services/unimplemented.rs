//! Requests for services this emulator does not have: `501 NotImplemented` naming the service
//! and the operation, in the wire protocol the request used, so that an SDK or the AWS CLI shows
//! the message instead of an unparseable answer (`An error occurred (Unknown)`).
use hyper::HeaderMap;

use crate::error::ApiError;
use crate::http::{header_str, Request, Response};
use crate::protocols::{json, query, rest_json, rest_xml};

/// How a request for an unknown service is framed, from what the request itself shows.
enum Wire {
    /// `X-Amz-Target: Prefix.Operation` with a JSON 1.0 or 1.1 body.
    Json { version: &'static str },
    /// A form with `Action=Operation` (EC2 has its own error document).
    Query,
    /// Operations by method and path, JSON errors (API Gateway, AppSync, EKS, ...).
    RestJson,
    /// Operations by method and path, XML errors (Route 53, CloudFront).
    RestXml,
}

/// The answer to any request for the service whose signing name (or target prefix) is `name`.
pub fn answer(name: &str, req: &Request, request_id: &str) -> Response {
    let action_in_query = req.query.iter().any(|(k, _)| k == "Action");
    let wire = wire(name, &req.headers, action_in_query);
    let operation = operation(&wire, req);
    let mut err = ApiError::not_implemented(&display_name(name), &operation);
    err.message.push_str(&format!(
        ": it has no {name} service (it emulates S3, SQS, STS, DynamoDB, SNS, SSM Parameter Store, Secrets Manager, Lambda and IAM)"
    ));
    render(name, &wire, &err, request_id, req.method == "HEAD")
}

/// Another error (a body over the limit, say) for a request to such a service, in its protocol.
pub fn error(
    name: &str,
    headers: &HeaderMap,
    err: &ApiError,
    request_id: &str,
    is_head: bool,
) -> Response {
    render(name, &wire(name, headers, false), err, request_id, is_head)
}

fn render(name: &str, wire: &Wire, err: &ApiError, request_id: &str, is_head: bool) -> Response {
    match wire {
        Wire::Json { version } => json::error_response(err, version, name, false, request_id),
        Wire::Query if name == "ec2" => query::ec2_error_response(err, request_id),
        Wire::Query => query::error_response(err, "", request_id),
        Wire::RestJson => rest_json::error_response(err, name, request_id),
        Wire::RestXml => rest_xml::error_response(err, request_id, is_head),
    }
}

fn wire(name: &str, headers: &HeaderMap, action_in_query: bool) -> Wire {
    let content_type = header_str(headers, "content-type").unwrap_or("");
    if header_str(headers, "x-amz-target").is_some() {
        let version = if content_type.contains("json-1.0") {
            "1.0"
        } else {
            "1.1"
        };
        return Wire::Json { version };
    }
    if content_type.starts_with("application/x-www-form-urlencoded") || action_in_query {
        return Wire::Query;
    }
    if matches!(name, "route53" | "cloudfront") {
        return Wire::RestXml;
    }
    Wire::RestJson
}

/// The operation's name where the request carries it; for REST requests, method and path.
fn operation(wire: &Wire, req: &Request) -> String {
    let named = match wire {
        Wire::Json { .. } => json::target(req).map(|(_, op)| op.to_string()),
        Wire::Query => query::params(req)
            .ok()
            .and_then(|params| query::action(&params).map(str::to_string)),
        Wire::RestJson | Wire::RestXml => Some(format!("{} {}", req.method, req.path)),
    };
    named
        .filter(|op| !op.is_empty())
        .unwrap_or_else(|| "(unnamed)".to_string())
}

/// The name AWS uses for the service, for the common ones; the signing name otherwise.
fn display_name(name: &str) -> String {
    let known = match name {
        "cloudformation" => "CloudFormation",
        "ec2" => "EC2",
        "apigateway" => "API Gateway",
        "kinesis" | "Kinesis_20131202" => "Kinesis",
        "events" | "AWSEvents" => "EventBridge",
        "states" | "AWSStepFunctions" => "Step Functions",
        "logs" | "Logs_20140328" => "CloudWatch Logs",
        "monitoring" => "CloudWatch",
        "kms" | "TrentService" => "KMS",
        "ecr" => "ECR",
        "ecs" => "ECS",
        "rds" => "RDS",
        "route53" => "Route 53",
        "cloudfront" => "CloudFront",
        "cognito-idp" => "Cognito User Pools",
        other => return other.to_string(),
    };
    known.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::HeaderMap;

    fn request(method: &str, path: &str, headers: &[(&'static str, &str)], body: &str) -> Request {
        let mut map = HeaderMap::new();
        for &(name, value) in headers {
            map.insert(name, value.parse().unwrap());
        }
        Request {
            method: method.parse().unwrap(),
            path: path.to_string(),
            query: Vec::new(),
            headers: map,
            body: body.to_string().into(),
        }
    }

    /// The status and body text of a response (its body is already in memory).
    fn text(response: Response) -> (u16, String) {
        use http_body_util::BodyExt;
        let status = response.status().as_u16();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = runtime
            .block_on(response.into_body().collect())
            .unwrap()
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn names_service_and_operation_in_each_protocol() {
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let (status, body) = text(answer(
            "cloudformation",
            &request("POST", "/", &form, "Action=CreateStack&StackName=s"),
            "r1",
        ));
        assert_eq!(status, 501);
        assert!(
            body.contains("<ErrorResponse><Error><Type>Receiver</Type><Code>NotImplemented</Code>"),
            "{body}"
        );
        assert!(
            body.contains(
                "CloudFormation operation CreateStack is not implemented by awsredirect serve"
            ),
            "{body}"
        );
        let (_, body) = text(answer(
            "ec2",
            &request("POST", "/", &form, "Action=DescribeInstances"),
            "r2",
        ));
        assert!(
            body.contains("<Response><Errors><Error><Code>NotImplemented</Code>"),
            "{body}"
        );
        assert!(
            body.contains("EC2 operation DescribeInstances is not"),
            "{body}"
        );
        let json10 = [
            ("x-amz-target", "AWSStepFunctions.ListStateMachines"),
            ("content-type", "application/x-amz-json-1.0"),
        ];
        let (_, body) = text(answer("states", &request("POST", "/", &json10, "{}"), "r3"));
        assert!(
            body.contains("\"__type\":\"states#NotImplemented\""),
            "{body}"
        );
        assert!(
            body.contains("Step Functions operation ListStateMachines is not"),
            "{body}"
        );
        let (_, body) = text(answer(
            "apigateway",
            &request("GET", "/restapis", &[], ""),
            "r4",
        ));
        assert!(
            body.contains("API Gateway operation GET /restapis is not implemented"),
            "{body}"
        );
    }
}
