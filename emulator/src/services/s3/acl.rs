//! Access control lists stored as data (never enforced): Get/PutBucketAcl, Get/PutObjectAcl, and
//! the ACL a PutObject or CopyObject sets with `x-amz-acl` or `x-amz-grant-*` headers. An ACL is
//! kept as its model value (`{"Owner", "Grants": [{"Grantee": {"Type", ...}, "Permission"}]}`);
//! none stored means the default: the owner has FULL_CONTROL.
use quick_xml::escape::escape;
use serde_json::{json, Value};

use super::config::{payload, store, stored};
use super::errors::{invalid_argument, malformed_xml};
use super::tagging::update_meta;
use super::{Call, XMLNS};
use crate::error::ApiError;
use crate::http::{Request, Response, ResponseBuilder};
use crate::state::s3::ObjectMeta;

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// `x-amz-grant-*` headers and the permission each grants.
const GRANT_HEADERS: [(&str, &str); 5] = [
    ("x-amz-grant-read", "READ"),
    ("x-amz-grant-write", "WRITE"),
    ("x-amz-grant-read-acp", "READ_ACP"),
    ("x-amz-grant-write-acp", "WRITE_ACP"),
    ("x-amz-grant-full-control", "FULL_CONTROL"),
];

const PERMISSIONS: [&str; 5] = ["FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"];

fn owner(account: &str) -> Value {
    json!({"ID": account, "DisplayName": "awsredirect"})
}

fn user_grant(account: &str, permission: &str) -> Value {
    json!({
        "Grantee": {"Type": "CanonicalUser", "ID": account, "DisplayName": "awsredirect"},
        "Permission": permission,
    })
}

fn group_grant(uri: &str, permission: &str) -> Value {
    json!({"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission})
}

/// The ACL a canned ACL name stands for (S3 user guide, "Canned ACL").
pub fn canned(account: &str, name: &str) -> Result<Value, ApiError> {
    let mut grants = vec![user_grant(account, "FULL_CONTROL")];
    match name {
        "private" | "bucket-owner-read" | "bucket-owner-full-control" | "aws-exec-read" => {}
        "public-read" => grants.push(group_grant(ALL_USERS, "READ")),
        "public-read-write" => {
            grants.push(group_grant(ALL_USERS, "READ"));
            grants.push(group_grant(ALL_USERS, "WRITE"));
        }
        "authenticated-read" => grants.push(group_grant(AUTHENTICATED_USERS, "READ")),
        "log-delivery-write" => {
            grants.push(group_grant(LOG_DELIVERY, "WRITE"));
            grants.push(group_grant(LOG_DELIVERY, "READ_ACP"));
        }
        _ => return Err(invalid_argument(format!("{name} is not a canned ACL"))),
    }
    Ok(json!({"Owner": owner(account), "Grants": grants}))
}

/// The ACL of `x-amz-acl` or `x-amz-grant-*` headers, if the request has any.
pub fn from_headers(req: &Request, account: &str) -> Result<Option<Value>, ApiError> {
    let granted: Vec<(&str, &str)> = GRANT_HEADERS
        .iter()
        .filter_map(|(name, permission)| Some((req.header(name)?, *permission)))
        .collect();
    if let Some(name) = req.header("x-amz-acl") {
        if !granted.is_empty() {
            return Err(ApiError::new(
                400,
                "InvalidRequest",
                "Specifying both Canned ACLs and Header Grants is not allowed",
            ));
        }
        return canned(account, name.trim()).map(Some);
    }
    if granted.is_empty() {
        return Ok(None);
    }
    let mut grants = Vec::new();
    for (list, permission) in granted {
        for grantee in list.split(',').filter(|g| !g.trim().is_empty()) {
            grants.push(json!({"Grantee": header_grantee(grantee)?, "Permission": permission}));
        }
    }
    Ok(Some(json!({"Owner": owner(account), "Grants": grants})))
}

/// `id="..."`, `uri="..."` or `emailAddress="..."` of a grant header.
fn header_grantee(text: &str) -> Result<Value, ApiError> {
    let (kind, value) = text
        .trim()
        .split_once('=')
        .ok_or_else(|| invalid_argument(format!("Invalid grantee: {text}")))?;
    let value = value.trim().trim_matches('"');
    Ok(match kind.trim().to_ascii_lowercase().as_str() {
        "id" => json!({"Type": "CanonicalUser", "ID": value}),
        "uri" => json!({"Type": "Group", "URI": value}),
        "emailaddress" => json!({"Type": "AmazonCustomerByEmail", "EmailAddress": value}),
        _ => return Err(invalid_argument(format!("Invalid grantee: {text}"))),
    })
}

/// The ACL a Put asks for: headers, else the `AccessControlPolicy` document.
fn requested(call: &Call, operation: &str) -> Result<Value, ApiError> {
    if let Some(acl) = from_headers(call.req, call.account())? {
        if !call.req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::new(
                400,
                "UnexpectedContent",
                "This request does not support content",
            ));
        }
        return Ok(acl);
    }
    if call.req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed_xml(
            "an ACL needs x-amz-acl, x-amz-grant-* or a body",
        ));
    }
    let mut value = payload(call, operation)?;
    let grants = value
        .get_mut("Grants")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut typed = Vec::new();
    for mut grant in grants {
        let permission = grant.get("Permission").and_then(Value::as_str);
        if !permission.is_some_and(|p| PERMISSIONS.contains(&p)) {
            return Err(malformed_xml("a Grant needs a valid Permission"));
        }
        if let Some(grantee) = grant.get_mut("Grantee").and_then(Value::as_object_mut) {
            // The XML names the grantee type in an `xsi:type` attribute; which member the
            // grantee has says the same.
            let kind = if grantee.contains_key("URI") {
                "Group"
            } else if grantee.contains_key("EmailAddress") {
                "AmazonCustomerByEmail"
            } else {
                "CanonicalUser"
            };
            grantee.insert("Type".to_string(), Value::from(kind));
        }
        typed.push(grant);
    }
    if value.get("Owner").is_none() {
        value["Owner"] = owner(call.account());
    }
    value["Grants"] = Value::Array(typed);
    Ok(value)
}

pub fn put_bucket(call: &Call) -> Result<Response, ApiError> {
    let acl = requested(call, "PutBucketAcl")?;
    store(call, "acl", Some(acl))?;
    Ok(empty(call))
}

pub fn get_bucket(call: &Call) -> Result<Response, ApiError> {
    let acl = stored(call, "acl")?;
    let acl = acl.map_or_else(|| canned(call.account(), "private"), Ok)?;
    Ok(document(call, &acl))
}

pub fn put_object(call: &Call) -> Result<Response, ApiError> {
    let acl = requested(call, "PutObjectAcl")?;
    update_meta(call, |meta| meta.acl = Some(acl))?;
    Ok(empty(call))
}

pub fn get_object(call: &Call) -> Result<Response, ApiError> {
    let meta: ObjectMeta = super::tagging::object_meta(call)?;
    let acl = meta
        .acl
        .map_or_else(|| canned(call.account(), "private"), Ok)?;
    Ok(document(call, &acl))
}

fn empty(call: &Call) -> Response {
    ResponseBuilder::new(200)
        .header("x-amz-request-id", &call.ctx.request_id)
        .empty()
}

/// The `AccessControlPolicy` document, grantee types as `xsi:type` attributes (botocore reads
/// the attribute; the model's writer has no attributes).
fn document(call: &Call, acl: &Value) -> Response {
    let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_string);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"{XMLNS}\"><Owner>"
    );
    let owner = acl.get("Owner").cloned().unwrap_or(Value::Null);
    for name in ["ID", "DisplayName"] {
        if let Some(value) = text(&owner, name) {
            out.push_str(&format!("<{name}>{}</{name}>", escape(&value)));
        }
    }
    out.push_str("</Owner><AccessControlList>");
    let grants = acl.get("Grants").and_then(Value::as_array);
    for grant in grants.into_iter().flatten() {
        let grantee = grant.get("Grantee").cloned().unwrap_or(Value::Null);
        let kind = text(&grantee, "Type").unwrap_or_else(|| "CanonicalUser".into());
        out.push_str(&format!(
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"{}\">",
            escape(&kind)
        ));
        for name in ["ID", "DisplayName", "EmailAddress", "URI"] {
            if let Some(value) = text(&grantee, name) {
                out.push_str(&format!("<{name}>{}</{name}>", escape(&value)));
            }
        }
        let permission = text(grant, "Permission").unwrap_or_default();
        out.push_str(&format!(
            "</Grantee><Permission>{}</Permission></Grant>",
            escape(&permission)
        ));
    }
    out.push_str("</AccessControlList></AccessControlPolicy>");
    ResponseBuilder::new(200)
        .header("x-amz-request-id", &call.ctx.request_id)
        .header("content-type", "application/xml")
        .body(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_acls_grant_what_the_user_guide_says() {
        let acl = canned("123", "public-read").unwrap();
        let grants = acl["Grants"].as_array().unwrap();
        assert_eq!(grants.len(), 2);
        assert_eq!(grants[1]["Grantee"]["URI"], ALL_USERS);
        assert_eq!(grants[1]["Permission"], "READ");
        assert!(canned("123", "nonsense").is_err());
    }

    #[test]
    fn reads_grant_headers() {
        let grantee = header_grantee("uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"");
        assert_eq!(grantee.unwrap()["Type"], "Group");
        let grantee = header_grantee(" id=\"abc\"").unwrap();
        assert_eq!(grantee["ID"], "abc");
        assert!(header_grantee("nobody").is_err());
    }
}
