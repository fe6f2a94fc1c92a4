//! Single-item operations: PutItem, GetItem, DeleteItem and UpdateItem, each planned against
//! the store first (so transactions can plan several) and then committed.
use serde_json::Value;

use super::errors::{condition_failed, key_mismatch, validation};
use super::eval::{apply_update, holds, project};
use super::expr::{parse_condition, parse_projection, parse_update, Action, Path, Placeholders};
use super::tables::{attribute_type, entry, find_for_items, table_name};
use super::values::{normalize, tag, typed_item};
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb as model;
use crate::state::dynamodb::{DynamoChange, DynamoStore, Item, TableMeta};
use crate::state::record::Entry;

/// DynamoDB's item size limit.
const MAX_ITEM_BYTES: usize = 400 * 1024;

/// A write worked out against the store: its journal entry and the item before and after.
pub struct Plan {
    pub entry: Option<Entry>,
    pub table: String,
    pub key: Item,
    pub old: Option<Item>,
    pub new: Option<Item>,
    /// The paths an update expression writes (`UPDATED_OLD` / `UPDATED_NEW` answer these).
    pub updated: Vec<Path>,
}

/// Which request writes an item: DynamoDB words some of its checks per operation.
#[derive(Clone, Copy, PartialEq)]
pub enum Write {
    Put,
    Update,
}

/// Normalizes an item's values and checks its key and index key attributes.
pub fn validate_item(meta: &TableMeta, item: &Value, write: Write) -> Result<Item, ApiError> {
    let object = item
        .as_object()
        .ok_or_else(|| validation("Item must be a map of attribute values"))?;
    let mut out = Item::new();
    for (name, value) in object {
        out.insert(name.clone(), normalize(value)?);
    }
    let definitions = &meta.description["AttributeDefinitions"];
    for name in std::iter::once(&meta.hash_key).chain(meta.range_key.iter()) {
        let Some(value) = out.get(name) else {
            return Err(validation(format!(
                "One or more parameter values were invalid: Missing the key {name} in the item"
            )));
        };
        check_key_type(definitions, name, value, None, write)?;
    }
    for (index, key_names) in index_key_names(meta) {
        for name in key_names {
            if let Some(value) = out.get(&name) {
                check_key_type(definitions, &name, value, Some(&index), write)?;
            }
        }
    }
    if super::values::item_bytes(&out) > MAX_ITEM_BYTES {
        return Err(validation(match write {
            Write::Put => "Item size has exceeded the maximum allowed size",
            Write::Update => "Item size to update has exceeded the maximum allowed size",
        }));
    }
    Ok(out)
}

fn check_key_type(
    definitions: &Value,
    name: &str,
    value: &Value,
    index: Option<&str>,
    write: Write,
) -> Result<(), ApiError> {
    let expected = attribute_type(definitions, name).unwrap_or("S");
    let actual = tag(value).map(|(k, _)| k).unwrap_or("");
    if actual != expected {
        return Err(validation(match index {
            None => format!(
                "One or more parameter values were invalid: Type mismatch for key {name} expected: {expected} actual: {actual}"
            ),
            Some(index) => format!(
                "One or more parameter values were invalid: Type mismatch for Index Key {name} Expected: {expected} Actual: {actual} IndexName: {index}"
            ),
        }));
    }
    if !matches!(tag(value), Some(("S" | "B", Value::String(s))) if s.is_empty()) {
        return Ok(());
    }
    if write == Write::Update && index.is_some() {
        return Err(validation(
            "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.",
        ));
    }
    Err(validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {name}"
    )))
}

/// The key attribute names of each secondary index, by index name.
pub fn index_key_names(meta: &TableMeta) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for field in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for index in meta.description[field].as_array().into_iter().flatten() {
            let names = index["KeySchema"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k["AttributeName"].as_str().map(str::to_string))
                .collect();
            let name = index["IndexName"].as_str().unwrap_or("").to_string();
            out.push((name, names));
        }
    }
    out
}

/// The `Key` parameter, checked to hold exactly the table's key attributes.
pub fn parse_key(meta: &TableMeta, key: Option<&Value>) -> Result<Item, ApiError> {
    let object = key.and_then(Value::as_object).ok_or_else(key_mismatch)?;
    let expected = 1 + usize::from(meta.range_key.is_some());
    if object.len() != expected {
        return Err(key_mismatch());
    }
    let mut out = Item::new();
    for (name, value) in object {
        out.insert(name.clone(), normalize(value)?);
    }
    let definitions = &meta.description["AttributeDefinitions"];
    for name in std::iter::once(&meta.hash_key).chain(meta.range_key.iter()) {
        let value = out.get(name).ok_or_else(key_mismatch)?;
        if tag(value).map(|(k, _)| k) != attribute_type(definitions, name) {
            return Err(key_mismatch());
        }
    }
    Ok(out)
}

/// The stored item with this key.
pub fn stored<'s>(
    store: &'s DynamoStore,
    call: &Call,
    table: &str,
    key: &Item,
) -> Result<Option<&'s Item>, ApiError> {
    let table = find_for_items(store, call, table)?;
    let now = crate::timefmt::now_seconds();
    let item = table.meta.key_of(key).and_then(|k| table.items.get(&k));
    Ok(item.filter(|item| !table.meta.expired(item, now)))
}

/// Checks `ConditionExpression` (or the legacy `Expected`) against the current item.
fn check_condition(
    input: &Value,
    placeholders: &mut Placeholders,
    current: Option<&Item>,
) -> Result<(), ApiError> {
    let cond = match input.get("ConditionExpression").and_then(Value::as_str) {
        Some(text) => parse_condition("ConditionExpression", text, placeholders)?,
        None => match super::legacy::expected(input)? {
            Some(cond) => cond,
            None => return Ok(()),
        },
    };
    let empty = Item::new();
    if holds(current.unwrap_or(&empty), &cond)? {
        Ok(())
    } else {
        let mut err = condition_failed();
        if input
            .get("ReturnValuesOnConditionCheckFailure")
            .and_then(Value::as_str)
            == Some("ALL_OLD")
        {
            if let Some(item) = current {
                err = err.with_field("Item", Value::Object(item.clone()).to_string());
            }
        }
        Err(err)
    }
}

fn return_mode(input: &Value, allowed: &[&str]) -> Result<String, ApiError> {
    let mode = input
        .get("ReturnValues")
        .and_then(Value::as_str)
        .unwrap_or("NONE");
    const ALL: [&str; 5] = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];
    if ALL.contains(&mode) && !allowed.contains(&mode) {
        // A member of the model's enum that this operation does not take.
        return Err(validation("Return values set to invalid value"));
    }
    if !allowed.contains(&mode) {
        return Err(validation(format!(
            "1 validation error detected: Value '{mode}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        )));
    }
    Ok(mode.to_string())
}

pub fn plan_put(store: &DynamoStore, call: &Call) -> Result<Plan, ApiError> {
    let name = table_name(call)?;
    let table = find_for_items(store, call, &name)?;
    let item = validate_item(
        &table.meta,
        call.input.get("Item").unwrap_or(&Value::Null),
        Write::Put,
    )?;
    let key = table.meta.key_attributes(&item);
    let old = stored(store, call, &name, &key)?.cloned();
    let mut placeholders = Placeholders::new(call.input);
    check_condition(call.input, &mut placeholders, old.as_ref())?;
    placeholders.check_unused()?;
    let change = DynamoChange::ItemPut {
        table: name.clone(),
        item: item.clone(),
    };
    Ok(Plan {
        entry: Some(entry(call, change)),
        table: name,
        key,
        old,
        new: Some(item),
        updated: Vec::new(),
    })
}

pub fn put(call: &Call) -> Result<model::PutItemOutput, ApiError> {
    let mode = return_mode(call.input, &["NONE", "ALL_OLD"])?;
    let plan = call.state.commit_dynamodb(|store| {
        let plan = plan_put(store, call)?;
        Ok((plan.entry.clone().into_iter().collect(), plan))
    })?;
    let attributes = match (mode.as_str(), plan.old) {
        ("ALL_OLD", Some(old)) => Some(typed_item(&old)?),
        _ => None,
    };
    Ok(model::PutItemOutput {
        attributes,
        ..Default::default()
    })
}

pub fn get(call: &Call) -> Result<model::GetItemOutput, ApiError> {
    let name = table_name(call)?;
    let store = call.state.dynamodb();
    let table = find_for_items(&store, call, &name)?;
    let key = parse_key(&table.meta, call.input.get("Key"))?;
    let mut placeholders = Placeholders::new(call.input);
    let projection = projection(call.input, &mut placeholders)?;
    placeholders.check_unused()?;
    let item = stored(&store, call, &name, &key)?;
    let item = match item {
        Some(item) => Some(typed_item(&apply_projection(item, projection.as_deref()))?),
        None => None,
    };
    Ok(model::GetItemOutput {
        item,
        ..Default::default()
    })
}

/// The paths of `ProjectionExpression`, if given.
pub fn projection(
    input: &Value,
    placeholders: &mut Placeholders,
) -> Result<Option<Vec<super::expr::Path>>, ApiError> {
    if let Some(attributes) = input.get("AttributesToGet").and_then(Value::as_array) {
        return Ok(Some(
            attributes
                .iter()
                .filter_map(Value::as_str)
                .map(|a| vec![super::expr::Step::Name(a.to_string())])
                .collect(),
        ));
    }
    match input.get("ProjectionExpression").and_then(Value::as_str) {
        Some(text) => Ok(Some(parse_projection(text, placeholders)?)),
        None => Ok(None),
    }
}

pub fn apply_projection(item: &Item, paths: Option<&[super::expr::Path]>) -> Item {
    match paths {
        Some(paths) => project(item, paths),
        None => item.clone(),
    }
}

pub fn plan_delete(store: &DynamoStore, call: &Call) -> Result<Plan, ApiError> {
    let name = table_name(call)?;
    let table = find_for_items(store, call, &name)?;
    let key = parse_key(&table.meta, call.input.get("Key"))?;
    let old = stored(store, call, &name, &key)?.cloned();
    let mut placeholders = Placeholders::new(call.input);
    check_condition(call.input, &mut placeholders, old.as_ref())?;
    placeholders.check_unused()?;
    let entry = old.as_ref().map(|_| {
        entry(
            call,
            DynamoChange::ItemDeleted {
                table: name.clone(),
                key: key.clone(),
            },
        )
    });
    Ok(Plan {
        entry,
        table: name,
        key,
        old,
        new: None,
        updated: Vec::new(),
    })
}

pub fn delete(call: &Call) -> Result<model::DeleteItemOutput, ApiError> {
    let mode = return_mode(call.input, &["NONE", "ALL_OLD"])?;
    let plan = call.state.commit_dynamodb(|store| {
        let plan = plan_delete(store, call)?;
        Ok((plan.entry.clone().into_iter().collect(), plan))
    })?;
    let attributes = match (mode.as_str(), plan.old) {
        ("ALL_OLD", Some(old)) => Some(typed_item(&old)?),
        _ => None,
    };
    Ok(model::DeleteItemOutput {
        attributes,
        ..Default::default()
    })
}

pub fn plan_update(store: &DynamoStore, call: &Call) -> Result<Plan, ApiError> {
    let name = table_name(call)?;
    let table = find_for_items(store, call, &name)?;
    let key = parse_key(&table.meta, call.input.get("Key"))?;
    let old = stored(store, call, &name, &key)?.cloned();
    let mut placeholders = Placeholders::new(call.input);
    let actions = match call.input.get("UpdateExpression").and_then(Value::as_str) {
        Some(text) => parse_update(text, &mut placeholders)?,
        None => match call
            .input
            .get("AttributeUpdates")
            .and_then(Value::as_object)
        {
            Some(updates) => super::legacy::attribute_updates(updates)?,
            None => Vec::new(),
        },
    };
    check_condition(call.input, &mut placeholders, old.as_ref())?;
    placeholders.check_unused()?;
    let base = old.clone().unwrap_or_else(|| key.clone());
    let updated = apply_update(&base, &actions)?;
    for name in std::iter::once(&table.meta.hash_key).chain(table.meta.range_key.iter()) {
        if updated.get(name) != key.get(name) {
            return Err(validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {name}. This attribute is part of the key"
            )));
        }
    }
    let updated = validate_item(&table.meta, &Value::Object(updated), Write::Update)?;
    let change = DynamoChange::ItemPut {
        table: name.clone(),
        item: updated.clone(),
    };
    Ok(Plan {
        entry: Some(entry(call, change)),
        table: name,
        key,
        old,
        new: Some(updated),
        updated: actions.iter().map(updated_path).cloned().collect(),
    })
}

pub fn update(call: &Call) -> Result<model::UpdateItemOutput, ApiError> {
    let mode = return_mode(
        call.input,
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
    )?;
    let plan = call.state.commit_dynamodb(|store| {
        let plan = plan_update(store, call)?;
        Ok((plan.entry.clone().into_iter().collect(), plan))
    })?;
    let old = plan.old.unwrap_or_default();
    let new = plan.new.unwrap_or_default();
    let attributes = match mode.as_str() {
        "ALL_OLD" if !old.is_empty() => Some(old),
        "ALL_NEW" => Some(new),
        "UPDATED_OLD" => Some(project(&old, &plan.updated)),
        "UPDATED_NEW" => Some(project(&new, &plan.updated)),
        _ => None,
    };
    let attributes = match attributes {
        Some(a) if !a.is_empty() => Some(typed_item(&a)?),
        _ => None,
    };
    Ok(model::UpdateItemOutput {
        attributes,
        ..Default::default()
    })
}

/// The path an update action writes. DynamoDB's `UPDATED_*` answers hold exactly these paths,
/// whether or not the value changed.
fn updated_path(action: &Action) -> &Path {
    match action {
        Action::Set(path, _)
        | Action::Remove(path)
        | Action::Add(path, _)
        | Action::Delete(path, _) => path,
    }
}
