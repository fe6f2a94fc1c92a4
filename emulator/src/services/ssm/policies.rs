//! Parameter policies (SSM user guide, "Assigning parameter policies"): `Policies` is a JSON array
//! of up to 10 policy objects, at most one of each type. `Expiration` deletes the parameter at its
//! `Timestamp`; `ExpirationNotification` and `NoChangeNotification` are stored and answered (the
//! emulator sends no CloudWatch Events for them).
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::validation;
use crate::error::ApiError;
use crate::generated::ssm::errors;
use crate::state::docs::{self, Scope};
use crate::state::State;
use crate::timefmt::now_millis;

/// The most policies one parameter can have (`PoliciesLimitExceededException`).
const LIMIT: usize = 10;

/// The `Policies` text of a PutParameter as `ParameterInlinePolicy` documents, or the error
/// Parameter Store answers for it.
pub fn parse(text: &str) -> Result<Vec<Value>, ApiError> {
    let list = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(list)) if list.iter().all(Value::is_object) => list,
        // The wording of a real answer to a policy sent without its array
        // (pytorch/test-infra#6858).
        _ => return Err(validation(format!("Invalid policies input: {text}."))),
    };
    if list.len() > LIMIT {
        return Err(errors::POLICIES_LIMIT_EXCEEDED_EXCEPTION.with(
            "You specified more than the maximum number of allowed policies for the parameter. The maximum is 10.",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for policy in &list {
        let kind = check(policy)?;
        if seen.contains(&kind) {
            return Err(errors::INCOMPATIBLE_POLICY_EXCEPTION.with(
                "There is a conflict in the policies specified for this parameter. You can't, for example, specify two Expiration policies for a parameter. Review your policies, and try again.",
            ));
        }
        seen.push(kind);
    }
    Ok(list
        .iter()
        .map(|policy| {
            json!({
                "PolicyText": policy.to_string(),
                "PolicyType": policy["Type"],
                "PolicyStatus": "Pending",
            })
        })
        .collect())
}

/// A policy's type, once its attributes are the ones that type takes.
fn check(policy: &Value) -> Result<&str, ApiError> {
    let kind = policy.get("Type").and_then(Value::as_str).unwrap_or("");
    let attributes = &policy["Attributes"];
    let valid = match kind {
        "Expiration" => attributes["Timestamp"].as_str().and_then(instant).is_some(),
        "ExpirationNotification" => period(attributes, "Before"),
        "NoChangeNotification" => period(attributes, "After"),
        _ => return Err(invalid_type()),
    };
    if valid {
        Ok(kind)
    } else {
        Err(errors::INVALID_POLICY_ATTRIBUTE_EXCEPTION
            .with("A policy attribute or its value is invalid."))
    }
}

/// `{"Before": "15", "Unit": "Days"}`: a whole number of days or hours.
fn period(attributes: &Value, field: &str) -> bool {
    let count = attributes[field]
        .as_str()
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let unit = matches!(attributes["Unit"].as_str(), Some("Days" | "Hours"));
    count && unit
}

fn invalid_type() -> ApiError {
    errors::INVALID_POLICY_TYPE_EXCEPTION.with(
        "The policy type isn't supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification.",
    )
}

/// An ISO 8601 timestamp with its offset (`2020-05-13T00:00:00.000Z`) in milliseconds.
fn instant(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// When a stored parameter expires, if it has an `Expiration` policy.
fn expires_at(parameter: &Value) -> Option<i64> {
    parameter["Policies"]
        .as_array()?
        .iter()
        .filter(|p| p["PolicyType"] == "Expiration")
        .find_map(|p| {
            let policy: Value = serde_json::from_str(p["PolicyText"].as_str()?).ok()?;
            instant(policy["Attributes"]["Timestamp"].as_str()?)
        })
}

/// Deletes the parameters of `scope` whose expiration time has passed, as Parameter Store does
/// when it is reached; run before every request, so no answer shows an expired parameter.
pub fn expire(state: &State, scope: &Scope) -> Result<(), ApiError> {
    let now = now_millis();
    let due = |store: &docs::DocStore| -> Vec<String> {
        store
            .all(scope)
            .into_iter()
            .flatten()
            .filter(|(_, doc)| expires_at(doc).is_some_and(|at| at <= now))
            .map(|(key, _)| key.clone())
            .collect()
    };
    if due(&state.docs()).is_empty() {
        return Ok(());
    }
    state.commit_docs(|store| {
        let entries = due(store)
            .iter()
            .map(|key| docs::delete(scope, key))
            .collect();
        Ok((entries, ()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> String {
        parse(text).map_or_else(|e| e.code, |_| "ok".to_string())
    }

    #[test]
    fn each_policy_type_takes_its_attributes() {
        let expiration = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-05-13T00:00:00.000Z"}}]"#;
        assert_eq!(code(expiration), "ok");
        let notify = r#"[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}},
            {"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"20","Unit":"Hours"}}]"#;
        assert_eq!(code(notify), "ok");
        assert_eq!(code(r#"["Expiration"]"#), "ValidationException");
        assert_eq!(code("not json"), "ValidationException");
        let unwrapped =
            r#"{"Type":"Expiration","Attributes":{"Timestamp":"2030-05-13T00:00:00.000Z"}}"#;
        assert_eq!(
            parse(unwrapped).unwrap_err().message,
            format!("Invalid policies input: {unwrapped}.")
        );
        assert_eq!(
            code(r#"[{"Type":"Rotation"}]"#),
            "InvalidPolicyTypeException"
        );
        let bad_time = r#"[{"Type":"Expiration","Attributes":{"Timestamp":"tomorrow"}}]"#;
        assert_eq!(code(bad_time), "InvalidPolicyAttributeException");
        let bad_unit =
            r#"[{"Type":"NoChangeNotification","Attributes":{"After":"2","Unit":"Weeks"}}]"#;
        assert_eq!(code(bad_unit), "InvalidPolicyAttributeException");
        let twice = format!(
            "[{},{}]",
            &expiration[1..expiration.len() - 1],
            &expiration[1..expiration.len() - 1]
        );
        assert_eq!(code(&twice), "IncompatiblePolicyException");
    }

    #[test]
    fn the_expiration_time_is_read_back_from_the_stored_policy() {
        let stored = json!({ "Policies": parse(
            r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2020-05-13T00:00:01.500Z"}}]"#,
        ).unwrap() });
        assert_eq!(expires_at(&stored), Some(1_589_328_001_500));
        assert_eq!(expires_at(&json!({})), None);
    }
}
