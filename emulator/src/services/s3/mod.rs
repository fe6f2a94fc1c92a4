//! S3 over rest-xml: path-style and virtual-host (`bucket.localhost`,
//! `bucket.s3.<region>.amazonaws.com`) addressing.
mod acl;
mod attributes;
pub(crate) mod body;
mod buckets;
mod checksum;
mod config;
mod errors;
mod listing;
mod multipart;
mod notifications;
mod objects;
mod operation;
mod post;
mod presigned;
mod tagging;
mod versions;

use hyper::Method;
use serde::Serialize;

use self::operation::{Address, Operation};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::s3::MODEL;
use crate::http::{Request, Response, ResponseBuilder};
use crate::model::{encode, rest};
use crate::protocols::rest_xml;
use crate::server::App;
use crate::state::State;
use crate::timefmt::now_millis;

pub const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// One S3 call: the emulator (for event deliveries), its state, the caller, the request and what
/// it addresses.
pub struct Call<'a> {
    pub app: &'a App,
    pub state: &'a State,
    pub ctx: &'a Context,
    pub req: &'a Request,
    pub addr: &'a Address,
}

impl Call<'_> {
    pub fn account(&self) -> &str {
        &self.ctx.account
    }

    pub fn bucket(&self) -> &str {
        &self.addr.bucket
    }

    pub fn key(&self) -> &str {
        &self.addr.key
    }
}

/// Answers an S3 request.
pub fn handle(app: &App, ctx: &Context, mut req: Request) -> Response {
    if let Err(err) = presigned::check_expiry(&req, now_millis()) {
        return rest_xml::error_response(&err, &ctx.request_id, req.method == Method::HEAD);
    }
    presigned::hoist_query_headers(&mut req);
    if let Err(err) = presigned::check_signed_headers(&req) {
        return rest_xml::error_response(&err, &ctx.request_id, req.method == Method::HEAD);
    }
    let addr = operation::address(&req);
    let op = operation::operation(&req, &addr);
    let call = Call {
        app,
        state: &app.state,
        ctx,
        req: &req,
        addr: &addr,
    };
    match run(&call, op) {
        Ok(response) => response,
        Err(err) => rest_xml::error_response(&err, &ctx.request_id, req.method == Method::HEAD),
    }
}

fn run(call: &Call, op: Operation) -> Result<Response, ApiError> {
    match op {
        Operation::ListBuckets => buckets::list(call),
        Operation::CreateBucket => buckets::create(call),
        Operation::HeadBucket => buckets::head(call),
        Operation::DeleteBucket => buckets::delete(call),
        Operation::GetBucketLocation => buckets::location(call),
        Operation::GetBucketNotificationConfiguration => notifications::get(call),
        Operation::PutBucketNotificationConfiguration => notifications::put(call),
        Operation::ListObjects => listing::list_v1(call),
        Operation::ListObjectsV2 => listing::list_v2(call),
        Operation::DeleteObjects => objects::delete_many(call),
        Operation::PutObject => objects::put(call),
        Operation::CopyObject => objects::copy(call),
        Operation::GetObject => objects::get(call, false),
        Operation::HeadObject => objects::get(call, true),
        Operation::DeleteObject => objects::delete(call),
        Operation::CreateMultipartUpload => multipart::create(call),
        Operation::UploadPart => multipart::upload_part(call),
        Operation::CompleteMultipartUpload => multipart::complete(call),
        Operation::AbortMultipartUpload => multipart::abort(call),
        Operation::ListParts => multipart::list_parts(call),
        Operation::UploadPartCopy => multipart::upload_part_copy(call),
        Operation::ListMultipartUploads => multipart::list_uploads(call),
        Operation::PostObject => post::post_object(call),
        Operation::Config(request) => config::run(call, request),
        Operation::GetBucketAcl => acl::get_bucket(call),
        Operation::PutBucketAcl => acl::put_bucket(call),
        Operation::GetObjectAcl => acl::get_object(call),
        Operation::PutObjectAcl => acl::put_object(call),
        Operation::GetObjectTagging => tagging::get_object_tagging(call),
        Operation::PutObjectTagging => tagging::put_object_tagging(call),
        Operation::DeleteObjectTagging => tagging::delete_object_tagging(call),
        Operation::RestoreObject => attributes::restore(call),
        Operation::ListObjectVersions => versions::list(call),
        Operation::Unsupported(name) => Err(ApiError::not_implemented("S3", &name)),
    }
}

/// Fails with `NoSuchBucket` unless the caller's account has the bucket.
pub fn require_bucket(store: &crate::state::s3::S3Store, call: &Call) -> Result<(), ApiError> {
    match store.bucket(call.account(), call.bucket()) {
        Some(_) => Ok(()),
        None => Err(errors::no_such_bucket(call.bucket())),
    }
}

/// The root element S3 names an operation's XML answer with (Smithy's `@xmlName`). The botocore
/// models carry no root names, and their rest-xml parsers do not read them.
fn root_element(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "ListBuckets" => "ListAllMyBucketsResult",
        "ListObjects" | "ListObjectsV2" => "ListBucketResult",
        "GetBucketLocation" => "LocationConstraint",
        "DeleteObjects" => "DeleteResult",
        "CreateMultipartUpload" => "InitiateMultipartUploadResult",
        "CompleteMultipartUpload" => "CompleteMultipartUploadResult",
        "ListParts" => "ListPartsResult",
        "ListMultipartUploads" => "ListMultipartUploadsResult",
        _ => return config::root_element(operation),
    })
}

/// The answer to `operation` from its typed output (a `generated::s3` output shape): header and
/// status members where the model binds them, the rest as the XML document, and the model's
/// success status unless the output sets one.
pub fn respond<T: Serialize>(
    call: &Call,
    operation: &str,
    output: T,
) -> Result<Response, ApiError> {
    let model = MODEL.get();
    let spec = model.operations.get(operation);
    let value = encode(output)?;
    let out = match spec.and_then(|s| s.output.as_ref()) {
        Some(shape) => rest::output_xml(
            model,
            &shape.shape,
            &value,
            root_element(operation),
            Some(XMLNS),
        ),
        None => rest::Output {
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
        },
    };
    let status = out
        .status
        .or_else(|| spec.and_then(|s| s.http.as_ref()?.response_code))
        .unwrap_or(200);
    let mut builder = ResponseBuilder::new(status);
    for (name, value) in &out.headers {
        builder = builder.header(name, value);
    }
    builder = builder.header("x-amz-request-id", &call.ctx.request_id);
    if out.body.is_empty() {
        return Ok(builder.empty());
    }
    Ok(builder
        .header("content-type", "application/xml")
        .body(out.body))
}

/// Milliseconds since the epoch as a model timestamp (seconds).
pub fn timestamp(millis: i64) -> f64 {
    millis as f64 / 1000.0
}
