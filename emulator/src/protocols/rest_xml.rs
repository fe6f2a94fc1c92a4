//! The rest-xml protocol (S3): errors as `<Error>` XML. Answers are rendered from typed outputs
//! by `model::rest::output_xml`.
use super::xml::XmlWriter;
use crate::error::ApiError;
use crate::http::{Response, ResponseBuilder};

/// An error in S3's shape. HEAD answers carry no body, as S3 does.
pub fn error_response(err: &ApiError, request_id: &str, is_head: bool) -> Response {
    let builder = ResponseBuilder::new(err.status)
        .header("x-amz-request-id", request_id)
        .header("x-amz-error-code", &err.code);
    if is_head {
        return builder.empty();
    }
    let mut w = XmlWriter::new();
    w.open("Error", None);
    w.elem("Code", &err.code).elem("Message", &err.message);
    for (name, value) in &err.fields {
        w.elem(name, value);
    }
    w.elem("RequestId", request_id).close("Error");
    builder
        .header("content-type", "application/xml")
        .body(w.finish())
}
