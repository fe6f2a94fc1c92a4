//! Bucket subresource configurations stored as data, none of them enforced: tagging, policy,
//! CORS, website, transfer acceleration, public access block, versioning status, default
//! encryption and ownership controls. Each Put reads its document through the botocore model
//! (`model::xml_read`), checks what AWS checks, and stores the value; Get answers it (or AWS's
//! error / default when none is set); Delete removes it. Inventory configurations, kept by id,
//! are here too.
use hyper::Method;
use serde_json::{Map, Value};

use super::errors::malformed_xml;
use super::{require_bucket, respond, Call};
use crate::error::ApiError;
use crate::generated::s3::MODEL;
use crate::http::Response;
use crate::model::xml_read::read_element;
use crate::model::Empty;
use crate::protocols::xml;
use crate::state::record::{Entry, Record};

/// One kind of stored configuration: its subresource, operations and the answer to a Get when
/// none is set.
pub struct Kind {
    pub subresource: &'static str,
    pub put: &'static str,
    pub get: &'static str,
    pub delete: Option<&'static str>,
    /// `(code, message)` of the 404 a Get answers when none is set; `None`: an empty document.
    pub missing: Option<(&'static str, &'static str)>,
}

/// Messages from the S3 API reference's error list and AWS's answers.
pub const KINDS: &[Kind] = &[
    Kind {
        subresource: "tagging",
        put: "PutBucketTagging",
        get: "GetBucketTagging",
        delete: Some("DeleteBucketTagging"),
        missing: Some(("NoSuchTagSet", "The TagSet does not exist")),
    },
    Kind {
        subresource: "policy",
        put: "PutBucketPolicy",
        get: "GetBucketPolicy",
        delete: Some("DeleteBucketPolicy"),
        missing: Some(("NoSuchBucketPolicy", "The bucket policy does not exist")),
    },
    Kind {
        subresource: "cors",
        put: "PutBucketCors",
        get: "GetBucketCors",
        delete: Some("DeleteBucketCors"),
        missing: Some((
            "NoSuchCORSConfiguration",
            "The CORS configuration does not exist",
        )),
    },
    Kind {
        subresource: "website",
        put: "PutBucketWebsite",
        get: "GetBucketWebsite",
        delete: Some("DeleteBucketWebsite"),
        missing: Some((
            "NoSuchWebsiteConfiguration",
            "The specified bucket does not have a website configuration",
        )),
    },
    Kind {
        subresource: "accelerate",
        put: "PutBucketAccelerateConfiguration",
        get: "GetBucketAccelerateConfiguration",
        delete: None,
        missing: None,
    },
    Kind {
        subresource: "publicAccessBlock",
        put: "PutPublicAccessBlock",
        get: "GetPublicAccessBlock",
        delete: Some("DeletePublicAccessBlock"),
        missing: Some((
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
        )),
    },
    Kind {
        subresource: "versioning",
        put: "PutBucketVersioning",
        get: "GetBucketVersioning",
        delete: None,
        missing: None,
    },
    Kind {
        subresource: "encryption",
        put: "PutBucketEncryption",
        get: "GetBucketEncryption",
        delete: Some("DeleteBucketEncryption"),
        missing: Some((
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
        )),
    },
    Kind {
        subresource: "ownershipControls",
        put: "PutBucketOwnershipControls",
        get: "GetBucketOwnershipControls",
        delete: Some("DeleteBucketOwnershipControls"),
        missing: Some((
            "OwnershipControlsNotFoundError",
            "The bucket ownership controls were not found",
        )),
    },
];

/// What a bucket-level request with a configuration subresource asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Get(&'static str),
    Put(&'static str),
    Delete(&'static str),
    GetInventory,
    PutInventory,
    DeleteInventory,
    ListInventory,
}

/// The configuration request a method and subresource name, if any.
pub fn route(method: &Method, subresource: Option<&str>, has_id: bool) -> Option<Request> {
    let sub = subresource?;
    if sub == "inventory" {
        return Some(match (method, has_id) {
            (&Method::GET, true) => Request::GetInventory,
            (&Method::GET, false) => Request::ListInventory,
            (&Method::PUT, _) => Request::PutInventory,
            (&Method::DELETE, _) => Request::DeleteInventory,
            _ => return None,
        });
    }
    let kind = KINDS.iter().find(|k| k.subresource == sub)?;
    match *method {
        Method::GET => Some(Request::Get(kind.subresource)),
        Method::PUT => Some(Request::Put(kind.subresource)),
        Method::DELETE if kind.delete.is_some() => Some(Request::Delete(kind.subresource)),
        _ => None,
    }
}

/// The XML root element of a configuration Get's answer (S3's names, which the model lacks).
pub fn root_element(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "GetBucketTagging" | "GetObjectTagging" => "Tagging",
        "GetBucketCors" => "CORSConfiguration",
        "GetBucketWebsite" => "WebsiteConfiguration",
        "GetBucketAccelerateConfiguration" => "AccelerateConfiguration",
        "GetBucketVersioning" => "VersioningConfiguration",
        "ListBucketInventoryConfigurations" => "ListInventoryConfigurationsResult",
        "ListObjectVersions" => "ListVersionsResult",
        _ => return None,
    })
}

pub fn run(call: &Call, request: Request) -> Result<Response, ApiError> {
    match request {
        Request::Get(sub) => get(call, kind(sub)),
        Request::Put(sub) => put(call, kind(sub)),
        Request::Delete(sub) => delete(call, kind(sub)),
        Request::GetInventory => get_inventory(call),
        Request::PutInventory => put_inventory(call),
        Request::DeleteInventory => delete_inventory(call),
        Request::ListInventory => list_inventory(call),
    }
}

fn kind(subresource: &str) -> &'static Kind {
    KINDS
        .iter()
        .find(|k| k.subresource == subresource)
        .unwrap_or(&KINDS[0])
}

/// The stored configuration `name` of the addressed bucket (`NoSuchBucket` if there is none).
pub fn stored(call: &Call, name: &str) -> Result<Option<Value>, ApiError> {
    let store = call.state.s3();
    require_bucket(&store, call)?;
    let bucket = store.bucket(call.account(), call.bucket());
    Ok(bucket.and_then(|b| b.config.get(name).cloned()))
}

/// Journals the configuration `name` of the addressed bucket (`None` removes it).
pub fn store(call: &Call, name: &str, value: Option<Value>) -> Result<(), ApiError> {
    call.state.commit_s3(|store| {
        require_bucket(store, call)?;
        let record = Record::BucketConfigSet {
            account: call.account().to_string(),
            bucket: call.bucket().to_string(),
            name: name.to_string(),
            value,
        };
        Ok((vec![Entry::new(record)], ()))
    })
}

/// The document of a Put: its payload member read as the model's shape (a string payload, the
/// policy, as text).
pub fn payload(call: &Call, operation: &str) -> Result<Value, ApiError> {
    let model = MODEL.get();
    let spec = model
        .input_of(operation)
        .and_then(|name| model.shape(name))
        .and_then(|shape| {
            let member = shape.payload.as_deref()?;
            shape.members.iter().find(|(m, _)| m == member)
        })
        .map(|(_, spec)| spec.shape.as_str())
        .ok_or_else(|| malformed_xml("the operation has no document"))?;
    if model.shape(spec).is_some_and(|s| s.kind == "string") {
        return Ok(Value::String(
            String::from_utf8_lossy(&call.req.body).into_owned(),
        ));
    }
    let doc = xml::parse(&call.req.body).map_err(|e| malformed_xml(&e))?;
    Ok(read_element(model, spec, &doc))
}

fn put(call: &Call, kind: &Kind) -> Result<Response, ApiError> {
    let value = payload(call, kind.put)?;
    let value = check(call, kind, value)?;
    store(call, kind.subresource, value)?;
    respond(call, kind.put, Empty {})
}

fn get(call: &Call, kind: &Kind) -> Result<Response, ApiError> {
    let value = match stored(call, kind.subresource)? {
        Some(value) => value,
        None => match kind.missing {
            Some((code, message)) => {
                return Err(
                    ApiError::new(404, code, message).with_field("BucketName", call.bucket())
                )
            }
            None => Value::Object(Map::new()),
        },
    };
    respond(call, kind.get, output_value(kind.get, value))
}

fn delete(call: &Call, kind: &Kind) -> Result<Response, ApiError> {
    store(call, kind.subresource, None)?;
    respond(call, kind.delete.unwrap_or(kind.get), Empty {})
}

/// The output of a Get from the stored document: the payload member when the output has one,
/// else the document's members themselves.
pub fn output_value(operation: &str, value: Value) -> Value {
    let model = MODEL.get();
    let shape = model
        .operations
        .get(operation)
        .and_then(|op| op.output.as_ref())
        .and_then(|out| model.shape(&out.shape));
    match shape.and_then(|s| s.payload.as_deref()) {
        Some(member) => {
            let mut out = Map::new();
            out.insert(member.to_string(), value);
            Value::Object(out)
        }
        None => value,
    }
}

/// What AWS checks of each document before storing it; the value stored (`None`: removed).
fn check(call: &Call, kind: &Kind, value: Value) -> Result<Option<Value>, ApiError> {
    match kind.subresource {
        "tagging" => {
            let tags = super::tagging::tag_list(&value);
            super::tagging::validate(&tags, super::tagging::BUCKET_TAG_LIMIT)?;
            Ok((!tags.is_empty()).then_some(value))
        }
        "policy" => check_policy(value).map(Some),
        "cors" => check_cors(value).map(Some),
        "accelerate" => check_accelerate(call, value),
        "versioning" => check_status(value, "Status").map(Some),
        "publicAccessBlock" => check_public_access_block(value).map(Some),
        _ => Ok(Some(value)),
    }
}

fn check_policy(value: Value) -> Result<Value, ApiError> {
    let text = value.as_str().unwrap_or("");
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => Ok(value),
        _ => Err(ApiError::new(
            400,
            "MalformedPolicy",
            "Policies must be valid JSON and the first byte must be '{'",
        )),
    }
}

/// HTTP methods a CORS rule may allow (S3 API reference, CORSRule.AllowedMethods).
const CORS_METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];

fn check_cors(value: Value) -> Result<Value, ApiError> {
    let rules = value
        .get("CORSRules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if rules.is_empty() || rules.len() > 100 {
        return Err(malformed_xml("a CORS configuration has 1 to 100 rules"));
    }
    for rule in &rules {
        let methods = rule.get("AllowedMethods").and_then(Value::as_array);
        for method in methods.into_iter().flatten() {
            let method = method.as_str().unwrap_or("");
            if !CORS_METHODS.contains(&method) {
                return Err(ApiError::new(
                    400,
                    "InvalidRequest",
                    format!(
                        "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                    ),
                ));
            }
        }
    }
    Ok(value)
}

fn check_accelerate(call: &Call, value: Value) -> Result<Option<Value>, ApiError> {
    if call.bucket().contains('.') {
        return Err(ApiError::new(
            400,
            "InvalidRequest",
            "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names",
        ));
    }
    let value = check_status(value, "Status")?;
    // Suspending acceleration that was never enabled leaves the bucket unconfigured.
    let configured = stored(call, "accelerate")?.is_some();
    let suspended = value.get("Status").and_then(Value::as_str) == Some("Suspended");
    Ok((configured || !suspended).then_some(value))
}

/// `Status` must be `Enabled` or `Suspended` (versioning and acceleration).
fn check_status(value: Value, member: &str) -> Result<Value, ApiError> {
    match value.get(member).and_then(Value::as_str) {
        None | Some("Enabled") | Some("Suspended") => Ok(value),
        Some(other) => Err(malformed_xml(&format!(
            "{member} must be Enabled or Suspended, not {other}"
        ))),
    }
}

const PUBLIC_ACCESS_FIELDS: [&str; 4] = [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

/// At least one setting; the ones left out are `false`.
fn check_public_access_block(value: Value) -> Result<Value, ApiError> {
    let given = value.as_object().cloned().unwrap_or_default();
    if !PUBLIC_ACCESS_FIELDS.iter().any(|f| given.contains_key(*f)) {
        return Err(ApiError::new(
            400,
            "InvalidRequest",
            "Must specify at least one configuration.",
        ));
    }
    let mut out = Map::new();
    for field in PUBLIC_ACCESS_FIELDS {
        let set = given.get(field).and_then(Value::as_bool).unwrap_or(false);
        out.insert(field.to_string(), Value::Bool(set));
    }
    Ok(Value::Object(out))
}

/// Inventory configurations are stored together, by id, under `inventory`.
fn inventories(call: &Call) -> Result<Map<String, Value>, ApiError> {
    Ok(match stored(call, "inventory")? {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    })
}

fn inventory_id(call: &Call) -> Result<String, ApiError> {
    match call.req.query_param("id") {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(super::errors::invalid_argument("Inventory id is required")),
    }
}

fn no_such_configuration() -> ApiError {
    ApiError::new(
        404,
        "NoSuchConfiguration",
        "The specified configuration does not exist.",
    )
}

fn put_inventory(call: &Call) -> Result<Response, ApiError> {
    let value = payload(call, "PutBucketInventoryConfiguration")?;
    // Kept under the configuration's own Id, which Get, List and Delete name it by.
    let id = match value.get("Id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => inventory_id(call)?,
    };
    let mut all = inventories(call)?;
    all.insert(id, value);
    store(call, "inventory", Some(Value::Object(all)))?;
    respond(call, "PutBucketInventoryConfiguration", Empty {})
}

fn get_inventory(call: &Call) -> Result<Response, ApiError> {
    let id = inventory_id(call)?;
    let value = inventories(call)?
        .remove(&id)
        .ok_or_else(no_such_configuration)?;
    let operation = "GetBucketInventoryConfiguration";
    respond(call, operation, output_value(operation, value))
}

fn delete_inventory(call: &Call) -> Result<Response, ApiError> {
    let id = inventory_id(call)?;
    let mut all = inventories(call)?;
    if all.remove(&id).is_none() {
        return Err(no_such_configuration());
    }
    let value = (!all.is_empty()).then_some(Value::Object(all));
    store(call, "inventory", value)?;
    respond(call, "DeleteBucketInventoryConfiguration", Empty {})
}

fn list_inventory(call: &Call) -> Result<Response, ApiError> {
    let list: Vec<Value> = inventories(call)?.into_values().collect();
    let mut out = Map::new();
    out.insert("IsTruncated".to_string(), Value::Bool(false));
    if !list.is_empty() {
        out.insert("InventoryConfigurationList".to_string(), Value::Array(list));
    }
    respond(
        call,
        "ListBucketInventoryConfigurations",
        Value::Object(out),
    )
}
