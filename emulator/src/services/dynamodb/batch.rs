//! Batches and transactions: BatchGetItem, BatchWriteItem, TransactWriteItems (all or nothing,
//! with cancellation reasons) and TransactGetItems.
use std::collections::HashSet;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::errors::validation;
use super::expr::Placeholders;
use super::items::{
    apply_projection, parse_key, plan_delete, plan_put, plan_update, projection, stored, Plan,
};
use super::names::resolve;
use super::tables::find;
use super::values::typed_item;
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb::{self as model, errors};
use crate::state::dynamodb::DynamoStore;

/// The `RequestItems` of a batch (required and non-empty by the model, checked by the codec).
fn request_items(input: &Value) -> Result<&Map<String, Value>, ApiError> {
    input
        .get("RequestItems")
        .and_then(Value::as_object)
        .ok_or_else(|| validation("RequestItems must be a map"))
}

pub fn batch_get(call: &Call) -> Result<model::BatchGetItemOutput, ApiError> {
    let requests = request_items(call.input)?;
    let total: usize = requests
        .values()
        .map(|r| r["Keys"].as_array().map_or(0, Vec::len))
        .sum();
    if total > 100 {
        return Err(validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    let store = call.state.dynamodb();
    let mut responses = BTreeMap::new();
    for (given, request) in requests {
        // Answered under the key the caller sent, a name or an ARN.
        let name = &resolve(call, given)?;
        let table = find(&store, call, name)?;
        let mut placeholders = Placeholders::new(request);
        let paths = projection(request, &mut placeholders)?;
        placeholders.check_unused()?;
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for key in request["Keys"].as_array().into_iter().flatten() {
            let key = parse_key(&table.meta, Some(key))?;
            if !seen.insert(table.meta.key_of(&key)) {
                return Err(validation("Provided list of item keys contains duplicates"));
            }
            if let Some(item) = stored(&store, call, name, &key)? {
                found.push(typed_item(&apply_projection(item, paths.as_deref()))?);
            }
        }
        responses.insert(given.clone(), found);
    }
    Ok(model::BatchGetItemOutput {
        responses: Some(responses),
        unprocessed_keys: Some(BTreeMap::new()),
        ..Default::default()
    })
}

pub fn batch_write(call: &Call) -> Result<model::BatchWriteItemOutput, ApiError> {
    let requests = request_items(call.input)?;
    let total: usize = requests
        .values()
        .map(|r| r.as_array().map_or(0, Vec::len))
        .sum();
    if total > 25 {
        return Err(validation(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
        ));
    }
    call.state.commit_dynamodb(|store| {
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        for (name, list) in requests {
            for request in list.as_array().into_iter().flatten() {
                let plan = plan_write_request(store, call, name, request)?;
                if !seen.insert((
                    plan.table.clone(),
                    Value::Object(plan.key.clone()).to_string(),
                )) {
                    return Err(validation("Provided list of item keys contains duplicates"));
                }
                entries.extend(plan.entry);
            }
        }
        let output = model::BatchWriteItemOutput {
            unprocessed_items: Some(BTreeMap::new()),
            ..Default::default()
        };
        Ok((entries, output))
    })
}

fn plan_write_request(
    store: &DynamoStore,
    call: &Call,
    table: &str,
    request: &Value,
) -> Result<Plan, ApiError> {
    if let Some(put) = request.get("PutRequest") {
        let input = json!({ "TableName": table, "Item": put["Item"] });
        return plan_put(store, &sub_call(call, &input));
    }
    if let Some(delete) = request.get("DeleteRequest") {
        let input = json!({ "TableName": table, "Key": delete["Key"] });
        return plan_delete(store, &sub_call(call, &input));
    }
    Err(validation(
        "Supplied AttributeValue has neither a PutRequest nor a DeleteRequest",
    ))
}

fn sub_call<'a>(call: &Call<'a>, input: &'a Value) -> Call<'a> {
    Call {
        state: call.state,
        ctx: call.ctx,
        operation: call.operation,
        input,
    }
}

/// The `TransactItems` of a transaction (1 to 100 by the model, checked by the codec).
fn transact_items(input: &Value) -> &[Value] {
    input
        .get("TransactItems")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Plans one transaction item; a failed condition is a reason, any other error ends the call.
fn plan_transact_item(
    store: &DynamoStore,
    call: &Call,
    item: &Value,
) -> Result<Result<Plan, model::CancellationReason>, ApiError> {
    let (kind, input) = item
        .as_object()
        .and_then(|o| o.iter().next())
        .ok_or_else(|| validation("TransactItems entries must name one operation"))?;
    let sub = sub_call(call, input);
    let planned = match kind.as_str() {
        "Put" => plan_put(store, &sub),
        "Update" => plan_update(store, &sub),
        "Delete" => plan_delete(store, &sub),
        "ConditionCheck" => plan_delete(store, &sub).map(|mut p| {
            p.entry = None;
            p
        }),
        other => return Err(validation(format!("Unknown transaction operation {other}"))),
    };
    match planned {
        Ok(plan) => Ok(Ok(plan)),
        Err(err) if err.code == "ConditionalCheckFailedException" => {
            let item = err.fields.iter().find(|(n, _)| *n == "Item");
            Ok(Err(model::CancellationReason {
                item: item.and_then(|(_, item)| serde_json::from_str(item).ok()),
                code: Some("ConditionalCheckFailed".into()),
                message: Some("The conditional request failed".into()),
            }))
        }
        Err(err) => Err(err),
    }
}

pub fn transact_write(call: &Call) -> Result<model::TransactWriteItemsOutput, ApiError> {
    let items = transact_items(call.input);
    call.state.commit_dynamodb(|store| {
        let mut entries = Vec::new();
        let mut reasons = Vec::new();
        let mut failed = false;
        let mut seen = HashSet::new();
        for item in items {
            match plan_transact_item(store, call, item)? {
                Ok(plan) => {
                    if !seen.insert((
                        plan.table.clone(),
                        Value::Object(plan.key.clone()).to_string(),
                    )) {
                        return Err(validation(
                            "Transaction request cannot include multiple operations on one item",
                        ));
                    }
                    entries.extend(plan.entry);
                    reasons.push(model::CancellationReason {
                        code: Some("None".into()),
                        ..Default::default()
                    });
                }
                Err(reason) => {
                    failed = true;
                    reasons.push(reason);
                }
            }
        }
        if failed {
            return Err(cancelled(&reasons));
        }
        Ok((entries, model::TransactWriteItemsOutput::default()))
    })
}

fn cancelled(reasons: &[model::CancellationReason]) -> ApiError {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r.code.as_deref().unwrap_or("None"))
        .collect();
    errors::TRANSACTION_CANCELED_EXCEPTION
        .with(format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ))
        .with_field(
            "CancellationReasons",
            serde_json::to_string(reasons).unwrap_or_default(),
        )
}

pub fn transact_get(call: &Call) -> Result<model::TransactGetItemsOutput, ApiError> {
    let items = transact_items(call.input);
    let store = call.state.dynamodb();
    let mut responses = Vec::new();
    for item in items {
        let get = item
            .get("Get")
            .ok_or_else(|| validation("TransactGetItems entries must be Get operations"))?;
        let name = super::tables::table_name(&sub_call(call, get))?;
        let table = find(&store, call, &name)?;
        let key = parse_key(&table.meta, get.get("Key"))?;
        let mut placeholders = Placeholders::new(get);
        let paths = projection(get, &mut placeholders)?;
        placeholders.check_unused()?;
        let item = match stored(&store, call, &name, &key)? {
            Some(found) => Some(typed_item(&apply_projection(found, paths.as_deref()))?),
            None => None,
        };
        responses.push(model::ItemResponse { item });
    }
    Ok(model::TransactGetItemsOutput {
        responses: Some(responses),
        ..Default::default()
    })
}
