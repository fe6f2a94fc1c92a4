//! `ParameterFilters` of DescribeParameters and GetParametersByPath: which keys, options and
//! values each operation accepts (with SSM's own messages, from the SSM API reference's
//! `ParameterStringFilter` and the service's answers) and whether a parameter passes them.
use std::collections::HashSet;

use serde_json::Value;

use super::{full_name, validation};
use crate::error::ApiError;
use crate::generated::ssm::{self as model, errors};

const DESCRIBE_KEYS: &str = "[Path, Name, Type, KeyId, Tier]";
const BY_PATH_KEYS: &str = "[Type, KeyId]";
const TYPES: [&str; 3] = ["String", "StringList", "SecureString"];
const TIERS: [&str; 3] = ["Standard", "Advanced", "Intelligent-Tiering"];

/// Checks DescribeParameters' filters (the legacy `Filters` were merged in by the caller).
pub fn check_describe(filters: &[model::ParameterStringFilter]) -> Result<(), ApiError> {
    check(
        filters,
        &["Path", "Name", "Type", "KeyId", "Tier"],
        DESCRIBE_KEYS,
        "",
    )
}

/// Checks GetParametersByPath's filters: only `Type`, `KeyId` and tags.
pub fn check_by_path(filters: &[model::ParameterStringFilter]) -> Result<(), ApiError> {
    check(filters, &["Type", "KeyId"], BY_PATH_KEYS, ".")
}

fn check(
    filters: &[model::ParameterStringFilter],
    keys: &[&str],
    listed: &str,
    end: &str,
) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    for filter in filters {
        let key = filter.key.as_str();
        let tag = key.starts_with("tag:");
        if !tag && !keys.contains(&key) {
            return Err(errors::INVALID_FILTER_KEY.with(format!(
                "The following filter key is not valid: {key}. Valid filter keys include: {listed}{end}"
            )));
        }
        if !seen.insert(key) {
            return Err(errors::INVALID_FILTER_KEY.with(format!(
                "The following filter is duplicated in the request: {key}. A request can contain only one occurrence of a specific filter."
            )));
        }
        let values = filter.values.as_deref().unwrap_or_default();
        if values.is_empty() && !tag {
            return Err(errors::INVALID_FILTER_VALUE.with(format!(
                "The following filter values are missing : null for filter key {key}"
            )));
        }
        check_option(key, filter.option.as_deref())?;
        check_values(key, values)?;
    }
    Ok(())
}

fn check_option(key: &str, option: Option<&str>) -> Result<(), ApiError> {
    let (allowed, listed): (&[&str], &str) = match key {
        "Path" => (&["Recursive", "OneLevel"], "[Recursive, OneLevel]"),
        // SSM lists two, and accepts `Contains` on names too.
        "Name" => (
            &["BeginsWith", "Equals", "Contains"],
            "[BeginsWith, Equals].",
        ),
        _ => (&["BeginsWith", "Equals"], "[BeginsWith, Equals]."),
    };
    match option {
        Some(option) if !allowed.contains(&option) => {
            Err(errors::INVALID_FILTER_OPTION.with(format!(
            "The following filter option is not valid: {option}. Valid options include: {listed}"
        )))
        }
        _ => Ok(()),
    }
}

fn check_values(key: &str, values: &[String]) -> Result<(), ApiError> {
    let known: &[&str] = match key {
        "Type" => &TYPES,
        "Tier" => &TIERS,
        "Path" => return values.iter().try_for_each(|v| check_path(v)),
        _ => return Ok(()),
    };
    match values.iter().find(|v| !known.contains(&v.as_str())) {
        Some(value) => Err(errors::INVALID_FILTER_VALUE.with(format!(
            "The following filter value is not valid: {value}. Valid values include: [{}]",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

/// A `Path` filter value: a hierarchy that begins with `/`, in the name alphabet, not under
/// `aws` or `ssm`.
fn check_path(path: &str) -> Result<(), ApiError> {
    let lower = path.trim_start_matches('/').to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        return Err(validation(
            "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
        ));
    }
    let well_formed = path.starts_with('/')
        && !path.contains("//")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
    if well_formed {
        return Ok(());
    }
    Err(validation(format!(
        "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_. Value: {path}"
    )))
}

/// Whether a stored parameter passes every filter.
pub fn passes(doc: &Value, filters: &[model::ParameterStringFilter]) -> bool {
    filters.iter().all(|filter| passes_one(doc, filter))
}

fn passes_one(doc: &Value, filter: &model::ParameterStringFilter) -> bool {
    let key = filter.key.as_str();
    let option = filter.option.as_deref().unwrap_or("Equals");
    let values = filter.values.as_deref().unwrap_or_default();
    if let Some(tag) = key.strip_prefix("tag:") {
        return tag_passes(doc, tag, option == "BeginsWith", values);
    }
    let name = full_name(doc["Name"].as_str().unwrap_or(""));
    if key == "Path" {
        return values
            .iter()
            .any(|p| under(&name, p, option == "Recursive"));
    }
    let field = match key {
        "Name" => name,
        "Type" | "KeyId" | "Tier" | "DataType" => doc[key].as_str().unwrap_or("").to_string(),
        _ => return true,
    };
    // Names compare with the leading `/` of a one-level name optional, except in `Contains`.
    let value = |v: &String| match key {
        "Name" if option != "Contains" => full_name(v),
        _ => v.clone(),
    };
    values.iter().map(value).any(|v| match option {
        "BeginsWith" => field.starts_with(&v),
        "Contains" => field.contains(&v),
        _ => field == v,
    })
}

/// Whether `name` (with its leading `/`) is directly under `path`, or anywhere under it.
pub fn under(name: &str, path: &str, recursive: bool) -> bool {
    let prefix = format!("{}/", path.trim_end_matches('/'));
    name.starts_with(&prefix) && (recursive || !name[prefix.len()..].contains('/'))
}

/// A `tag:<key>` filter: the tag exists, with (or beginning with) one of `values` if any are
/// given.
fn tag_passes(doc: &Value, key: &str, begins: bool, values: &[String]) -> bool {
    doc["Tags"].as_array().into_iter().flatten().any(|tag| {
        let value = tag["Value"].as_str().unwrap_or("");
        tag["Key"] == key
            && (values.is_empty()
                || values.iter().any(|v| match begins {
                    true => value.starts_with(v.as_str()),
                    false => value == v,
                }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(key: &str, option: Option<&str>, values: &[&str]) -> model::ParameterStringFilter {
        model::ParameterStringFilter {
            key: key.to_string(),
            option: option.map(str::to_string),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn names_compare_with_their_leading_slash_optional() {
        let top = json!({"Name": "param"});
        let nested = json!({"Name": "/param-2"});
        let equals = [filter("Name", None, &["/param"])];
        assert!(passes(&top, &equals) && !passes(&nested, &equals));
        let contains = [filter("Name", Some("Contains"), &["/tan"])];
        assert!(passes(&json!({"Name": "tangram"}), &contains));
        assert!(!passes(&json!({"Name": "standby"}), &contains));
        let begins = [filter("Name", Some("BeginsWith"), &["param"])];
        assert!(passes(&top, &begins) && passes(&nested, &begins));
    }

    #[test]
    fn paths_match_one_level_or_recursively() {
        let doc = json!({"Name": "/bar/name3/name4"});
        assert!(passes(&doc, &[filter("Path", None, &["/bar/name3"])]));
        assert!(!passes(&doc, &[filter("Path", None, &["/bar"])]));
        assert!(passes(
            &doc,
            &[filter("Path", Some("Recursive"), &["/bar"])]
        ));
        assert!(!passes(
            &doc,
            &[filter("Path", Some("Recursive"), &["/ba"])]
        ));
        assert!(passes(
            &json!({"Name": "foo"}),
            &[filter("Path", None, &["/"])]
        ));
    }

    #[test]
    fn tags_match_by_value_or_existence() {
        let doc = json!({"Name": "p", "Tags": [{"Key": "spam", "Value": "eggs"}]});
        assert!(passes(&doc, &[filter("tag:spam", None, &["eggs"])]));
        assert!(!passes(&doc, &[filter("tag:spam", None, &["ham"])]));
        assert!(passes(&doc, &[filter("tag:spam", None, &[])]));
        assert!(!passes(&doc, &[filter("tag:other", None, &[])]));
        assert!(passes(
            &doc,
            &[filter("tag:spam", Some("BeginsWith"), &["e"])]
        ));
        assert!(!passes(
            &doc,
            &[filter("tag:spam", Some("BeginsWith"), &["h"])]
        ));
    }

    #[test]
    fn invalid_filters_are_refused_with_ssm_messages() {
        let message =
            |filters: &[model::ParameterStringFilter]| check_describe(filters).unwrap_err().message;
        assert!(message(&[filter("Label", None, &["x"])])
            .contains("Valid filter keys include: [Path, Name, Type, KeyId, Tier]"));
        assert!(message(&[filter("Name", None, &[])]).ends_with("null for filter key Name"));
        assert!(
            message(&[filter("Name", None, &["a"]), filter("Name", None, &["b"])])
                .contains("duplicated")
        );
        assert!(
            message(&[filter("Path", Some("Equals"), &["/a"])]).contains("[Recursive, OneLevel]")
        );
        assert!(message(&[filter("Tier", None, &["x"])])
            .contains("[Standard, Advanced, Intelligent-Tiering]"));
        assert!(message(&[filter("Path", None, &["/aws"])])
            .starts_with("Filters for common parameters"));
        for path in ["test", "//", "/###"] {
            assert!(message(&[filter("Path", None, &[path])])
                .contains("Valid example: /get/parameters2-/by1./path0_."));
        }
        assert!(check_by_path(&[filter("Name", None, &["x"])])
            .unwrap_err()
            .message
            .ends_with("[Type, KeyId]."));
        assert!(check_describe(&[
            filter("Name", Some("Contains"), &["x"]),
            filter("tag:a", None, &[])
        ])
        .is_ok());
    }
}
