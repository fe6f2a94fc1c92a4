//! Version labels (LabelParameterVersion, UnlabelParameterVersion) and tags
//! (Add/RemoveTagsFromResource, ListTagsForResource) of parameters. Labels live on the versions
//! in the parameter's `History` (the latest's copied to the document itself, which is what
//! GetParameter without a selector reads); tags on the parameter document, kept across versions.
use serde_json::{json, Value};

use super::{key_of, not_found, validation, Ssm};
use crate::error::ApiError;
use crate::generated::ssm::{self as model, errors};
use crate::state::docs::{self, DocStore, Scope};

/// The most labels one version can hold.
const MAX_LABELS: usize = 10;
/// The most tags a resource can hold.
const MAX_TAGS: usize = 50;

/// Whether a label is one SSM accepts: at most 100 letters, digits, `.`, `-` and `_`, not
/// starting with a digit or with `aws` / `ssm` (any case).
fn valid_label(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    !label.is_empty()
        && label.len() <= 100
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && !lower.starts_with("aws")
        && !lower.starts_with("ssm")
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn labels_of(version: &Value) -> Vec<String> {
    version["Labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect()
}

/// The parameter document `name`, or ParameterNotFound.
fn stored(store: &DocStore, scope: &Scope, name: &str) -> Result<Value, ApiError> {
    store
        .get(scope, name)
        .cloned()
        .ok_or_else(|| not_found(name))
}

fn version_not_found(name: &str, version: i64) -> ApiError {
    errors::PARAMETER_VERSION_NOT_FOUND.with(format!(
        "Systems Manager could not find version {version} of {name}. Verify the version and try again."
    ))
}

/// Replaces the labels of `version` in the document's history, keeps the document's own copy
/// of the latest version's labels in step, and calls `change` with the labels of every version.
fn relabel(
    doc: &mut Value,
    version: i64,
    mut change: impl FnMut(i64, &mut Vec<String>),
) -> Result<(), ApiError> {
    let latest = doc["Version"].as_i64().unwrap_or(0);
    let history = doc["History"]
        .as_array_mut()
        .ok_or_else(|| validation("the stored parameter has no history"))?;
    if !history
        .iter()
        .any(|v| v["Version"].as_i64() == Some(version))
    {
        let name = doc["Name"].as_str().unwrap_or_default().to_string();
        return Err(version_not_found(&name, version));
    }
    let mut latest_labels = None;
    for entry in history.iter_mut() {
        let number = entry["Version"].as_i64().unwrap_or(0);
        let mut labels = labels_of(entry);
        change(number, &mut labels);
        if number == latest {
            latest_labels = Some(labels.clone());
        }
        entry["Labels"] = json!(labels);
    }
    if let Some(labels) = latest_labels {
        doc["Labels"] = json!(labels);
    }
    Ok(())
}

impl Ssm<'_> {
    pub(super) fn label(
        &self,
        scope: &Scope,
        input: model::LabelParameterVersionRequest,
    ) -> Result<model::LabelParameterVersionResult, ApiError> {
        let name = key_of(&input.name);
        self.state.commit_docs(|store| {
            let mut doc = stored(store, scope, &name)?;
            let version = input
                .parameter_version
                .unwrap_or_else(|| doc["Version"].as_i64().unwrap_or(0));
            let (valid, invalid): (Vec<String>, Vec<String>) =
                input.labels.iter().cloned().partition(|l| valid_label(l));
            let mut too_many = false;
            relabel(&mut doc, version, |number, labels| {
                if number == version {
                    for label in &valid {
                        if !labels.contains(label) {
                            labels.push(label.clone());
                        }
                    }
                    too_many = labels.len() > MAX_LABELS;
                } else {
                    labels.retain(|l| !valid.contains(l));
                }
            })?;
            if too_many {
                return Err(errors::PARAMETER_VERSION_LABEL_LIMIT_EXCEEDED.with(format!(
                    "A parameter version can have at most {MAX_LABELS} labels. Move one or more labels to another version and try again."
                )));
            }
            let entries = if valid.is_empty() {
                Vec::new()
            } else {
                vec![docs::put(scope, &name, doc)]
            };
            let output = model::LabelParameterVersionResult {
                invalid_labels: Some(invalid),
                parameter_version: Some(version),
            };
            Ok((entries, output))
        })
    }

    pub(super) fn unlabel(
        &self,
        scope: &Scope,
        input: model::UnlabelParameterVersionRequest,
    ) -> Result<model::UnlabelParameterVersionResult, ApiError> {
        let name = key_of(&input.name);
        let version = input.parameter_version;
        self.state.commit_docs(|store| {
            let mut doc = stored(store, scope, &name)?;
            let mut removed = Vec::new();
            relabel(&mut doc, version, |number, labels| {
                if number == version {
                    removed = input
                        .labels
                        .iter()
                        .filter(|l| labels.contains(l))
                        .cloned()
                        .collect();
                    labels.retain(|l| !input.labels.contains(l));
                }
            })?;
            let invalid = input
                .labels
                .iter()
                .filter(|l| !removed.contains(l))
                .cloned()
                .collect();
            let entries = if removed.is_empty() {
                Vec::new()
            } else {
                vec![docs::put(scope, &name, doc)]
            };
            let output = model::UnlabelParameterVersionResult {
                removed_labels: Some(removed),
                invalid_labels: Some(invalid),
            };
            Ok((entries, output))
        })
    }

    /// Changes the tags of the parameter a tagging request names.
    pub(super) fn change_tags(
        &self,
        scope: &Scope,
        resource_type: &str,
        resource_id: &str,
        change: impl FnOnce(&mut Vec<model::Tag>),
    ) -> Result<(), ApiError> {
        check_resource_type(resource_type)?;
        let name = key_of(resource_id);
        self.state.commit_docs(|store| {
            let mut doc = store
                .get(scope, &name)
                .cloned()
                .ok_or_else(|| invalid_resource_id(resource_id))?;
            let mut tags = tags_of(&doc);
            change(&mut tags);
            if tags.len() > MAX_TAGS {
                return Err(errors::TOO_MANY_TAGS_ERROR.with(format!(
                    "The Parameter {name} has too many tags: at most {MAX_TAGS} are allowed."
                )));
            }
            doc["Tags"] = json!(tags);
            Ok((vec![docs::put(scope, &name, doc)], ()))
        })
    }

    pub(super) fn tags(
        &self,
        scope: &Scope,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<Vec<model::Tag>, ApiError> {
        check_resource_type(resource_type)?;
        let store = self.state.docs();
        let doc = store
            .get(scope, &key_of(resource_id))
            .ok_or_else(|| invalid_resource_id(resource_id))?;
        Ok(tags_of(doc))
    }
}

/// The stored tags of a parameter document.
pub fn tags_of(doc: &Value) -> Vec<model::Tag> {
    serde_json::from_value(doc["Tags"].clone()).unwrap_or_default()
}

/// Tags are kept for parameters; the other SSM resource types are not emulated.
fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if resource_type == "Parameter" {
        return Ok(());
    }
    Err(errors::INVALID_RESOURCE_TYPE.with(format!(
        "awsredirect serve keeps tags for the Parameter resource type only, not {resource_type}"
    )))
}

fn invalid_resource_id(id: &str) -> ApiError {
    errors::INVALID_RESOURCE_ID.with(format!(
        "The resource ID \"{id}\" is not valid. Verify the ID and try again."
    ))
}

#[cfg(test)]
mod tests {
    use super::valid_label;

    #[test]
    fn labels_follow_ssm_rules() {
        for ok in ["prod", "Release-1.2_x", "v1"] {
            assert!(valid_label(ok), "{ok}");
        }
        for bad in [
            "",
            "1st",
            "aws-thing",
            "SSMlabel",
            "has space",
            "a/b",
            &"x".repeat(101),
        ] {
            assert!(!valid_label(bad), "{bad}");
        }
    }
}
