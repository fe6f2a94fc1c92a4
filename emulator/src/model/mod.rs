//! The botocore service models at run time: the trimmed model of each emulated service (checked
//! in under `emulator/models/`, generated with its typed shapes by
//! `scripts/gen-emulator-models.py`), the pieces generated code relies on (`Blob`, `Empty`,
//! `ErrorShape`, decoding and encoding typed values) and, in [`validate`], the constraint checks
//! the model declares.
pub mod rest;
pub mod validate;
pub mod wire;
pub mod xml_read;

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::ApiError;

/// One service's trimmed model, parsed on first use.
pub struct ServiceModel {
    /// The botocore service name (`ssm`, `sqs`, ...).
    pub service: &'static str,
    /// The code the service answers constraint violations with.
    pub validation_code: &'static str,
    /// The code the service answers a missing required member with (SQS: `MissingParameter`).
    pub missing_code: &'static str,
    /// The service's message for a missing required member, `{name}` standing for the member;
    /// `None`: the validation message (`Value null at 'x' failed to satisfy constraint: ...`).
    pub missing_message: Option<&'static str>,
    /// The JSON protocols' `__type` prefix, when not `com.amazonaws.<service>`.
    pub error_namespace: Option<&'static str>,
    /// Whether a list of plain values whose items break their shape's constraints is reported
    /// once at the list, with all the item shape's constraints (`Value '[a, b]' at 'labels'
    /// failed to satisfy constraint: Member must satisfy constraint: [Member must have length
    /// less than or equal to 100, ...]`), as SSM does; otherwise item by item
    /// (`labels.1.member`).
    pub list_members_whole: bool,
    json: &'static str,
    parsed: OnceLock<Model>,
}

impl ServiceModel {
    pub const fn new(
        service: &'static str,
        validation_code: &'static str,
        json: &'static str,
    ) -> Self {
        ServiceModel {
            service,
            validation_code,
            missing_code: validation_code,
            missing_message: None,
            error_namespace: None,
            list_members_whole: false,
            json,
            parsed: OnceLock::new(),
        }
    }

    /// This model with the service's own `__type` prefix (DynamoDB's carries its API version).
    pub const fn with_error_namespace(mut self, namespace: &'static str) -> Self {
        self.error_namespace = Some(namespace);
        self
    }

    /// This model reporting broken list items once at the list (see `list_members_whole`).
    pub const fn with_list_members_whole(mut self) -> Self {
        self.list_members_whole = true;
        self
    }

    /// This model with the service's own answer to a missing required member.
    pub const fn with_missing_member(
        mut self,
        code: &'static str,
        message: Option<&'static str>,
    ) -> Self {
        self.missing_code = code;
        self.missing_message = message;
        self
    }

    /// The `__type` prefix of the service's JSON errors.
    pub fn namespace(&self) -> String {
        match self.error_namespace {
            Some(namespace) => namespace.to_string(),
            None => format!("com.amazonaws.{}", self.service),
        }
    }

    /// The parsed model. The text is checked in and parsed by a test, so this cannot fail at
    /// run time.
    pub fn get(&self) -> &Model {
        self.parsed.get_or_init(|| {
            serde_json::from_str(self.json).unwrap_or_else(|e| {
                panic!("the checked-in model of {} is broken: {e}", self.service)
            })
        })
    }
}

/// A trimmed botocore model.
#[derive(Debug, Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: HashMap<String, OperationSpec>,
    pub shapes: HashMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub protocol: String,
    pub service_id: String,
    pub json_version: Option<String>,
    pub xml_namespace: Option<String>,
    pub aws_query_compatible: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct OperationSpec {
    pub input: Option<ShapeRef>,
    pub output: Option<OutputRef>,
    pub http: Option<HttpTrait>,
}

/// Where a REST operation lives: method, URI template (`/2015-03-31/functions/{FunctionName}`,
/// `/{Bucket}/{Key+}?uploads`) and the status of a successful answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpTrait {
    pub method: String,
    pub request_uri: String,
    pub response_code: Option<u16>,
}

#[derive(Debug, Deserialize)]
pub struct OutputRef {
    pub shape: String,
}

/// A reference to a shape from a member, list element or map key/value, with its wire traits.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeRef {
    pub shape: String,
    /// REST bindings: `uri`, `querystring`, `header`, `headers` (a prefix map), `statusCode`;
    /// none means the body.
    pub location: Option<String>,
    pub location_name: Option<String>,
    #[serde(default)]
    pub flattened: bool,
}

/// A shape with the constraints the model declares on it.
#[derive(Debug, Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: indexmap_like::Members,
    #[serde(default)]
    pub required: Vec<String>,
    pub member: Option<ShapeRef>,
    pub key: Option<ShapeRef>,
    pub value: Option<ShapeRef>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    #[serde(default)]
    pub flattened: bool,
    #[serde(default)]
    pub sensitive: bool,
    /// The member that is the whole HTTP body (REST protocols).
    pub payload: Option<String>,
}

/// Structure members in model order (the order AWS lists them in, and serializes them in).
pub mod indexmap_like {
    use serde::de::{MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    use super::ShapeRef;

    #[derive(Debug, Default)]
    pub struct Members(pub Vec<(String, ShapeRef)>);

    impl Members {
        pub fn iter(&self) -> impl Iterator<Item = &(String, ShapeRef)> {
            self.0.iter()
        }
    }

    impl<'de> Deserialize<'de> for Members {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct InOrder;
            impl<'de> Visitor<'de> for InOrder {
                type Value = Members;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a map of members")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                    let mut out = Vec::new();
                    while let Some(entry) = map.next_entry::<String, ShapeRef>()? {
                        out.push(entry);
                    }
                    Ok(Members(out))
                }
            }
            d.deserialize_map(InOrder)
        }
    }
}

impl Model {
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// The input shape of an operation, if it has one.
    pub fn input_of(&self, operation: &str) -> Option<&str> {
        let op = self.operations.get(operation)?;
        op.input.as_ref().map(|r| r.shape.as_str())
    }
}

/// A modeled error: code, status and fault as the service sends them.
#[derive(Debug, Clone, Copy)]
pub struct ErrorShape {
    pub code: &'static str,
    pub status: u16,
    /// The legacy query code of an `awsQueryCompatible` service (SQS).
    pub query_code: Option<&'static str>,
    pub sender_fault: bool,
}

impl ErrorShape {
    /// This error with a message.
    pub fn with(&self, message: impl Into<String>) -> ApiError {
        let mut err = ApiError::new(self.status, self.code, message);
        err.sender_fault = self.sender_fault;
        err.query_code = self.query_code.map(str::to_string);
        err
    }
}

/// Binary data: base64 on the JSON and XML wires, bytes in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        BASE64
            .decode(text.as_bytes())
            .map(Blob)
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}

/// The input or output of an operation that has none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Empty {}

/// A decoded, validated input as the operation's typed input.
pub fn decode<T: DeserializeOwned>(input: Value) -> Result<T, ApiError> {
    serde_json::from_value(input).map_err(|e| {
        ApiError::new(
            400,
            "SerializationException",
            format!("the request does not match the operation's input shape: {e}"),
        )
    })
}

/// A typed output as the value the codec encodes.
pub fn encode<T: Serialize>(output: T) -> Result<Value, ApiError> {
    serde_json::to_value(output).map_err(|e| {
        ApiError::new(
            500,
            "InternalFailure",
            format!("the emulator could not encode its answer: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::generated;

    #[test]
    fn every_checked_in_model_parses_and_lists_its_operations() {
        let models = [
            (
                &generated::dynamodb::MODEL,
                generated::dynamodb::Operation::ALL.len(),
            ),
            (
                &generated::lambda::MODEL,
                generated::lambda::Operation::ALL.len(),
            ),
            (&generated::s3::MODEL, generated::s3::Operation::ALL.len()),
            (
                &generated::secretsmanager::MODEL,
                generated::secretsmanager::Operation::ALL.len(),
            ),
            (&generated::sns::MODEL, generated::sns::Operation::ALL.len()),
            (&generated::sqs::MODEL, generated::sqs::Operation::ALL.len()),
            (&generated::ssm::MODEL, generated::ssm::Operation::ALL.len()),
            (&generated::sts::MODEL, generated::sts::Operation::ALL.len()),
        ];
        for (model, operations) in models {
            let parsed = model.get();
            assert_eq!(parsed.operations.len(), operations, "{}", model.service);
            for spec in parsed.operations.values() {
                for shape in spec.input.iter().map(|r| &r.shape) {
                    assert!(parsed.shape(shape).is_some(), "{shape}");
                }
            }
        }
    }
}
