//! Table operations: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable (GSIs).
use serde_json::{json, Value};

use super::errors::{resource_not_found, table_in_use, table_not_found, validation};
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb as model;
use crate::state::dynamodb::{DynamoChange, DynamoStore, Table, TableMeta};
use crate::state::record::{Entry, Record};
use crate::timefmt::now_seconds;

/// The journal entry for one change in the caller's account and region.
pub fn entry(call: &Call, change: DynamoChange) -> Entry {
    Entry::new(Record::Dynamo {
        account: call.ctx.account.clone(),
        region: call.ctx.region.clone(),
        change,
    })
}

/// The table `TableName` names (a name or an ARN, see `names`; required by the model, checked
/// by the codec).
pub fn table_name(call: &Call) -> Result<String, ApiError> {
    super::names::resolve(call, call.text("TableName").unwrap_or_default())
}

/// Looks a table up in the store.
pub fn find<'s>(store: &'s DynamoStore, call: &Call, name: &str) -> Result<&'s Table, ApiError> {
    store
        .table(&call.ctx.account, &call.ctx.region, name)
        .ok_or_else(|| table_not_found(name))
}

/// Looks up the table of an item read or write. DynamoDB answers these for a missing table with
/// the bare "Requested resource not found" (the table operations name the table).
pub fn find_for_items<'s>(
    store: &'s DynamoStore,
    call: &Call,
    name: &str,
) -> Result<&'s Table, ApiError> {
    store
        .table(&call.ctx.account, &call.ctx.region, name)
        .ok_or_else(|| {
            crate::generated::dynamodb::errors::RESOURCE_NOT_FOUND_EXCEPTION
                .with("Requested resource not found")
        })
}

pub fn table_arn(call: &Call, name: &str) -> String {
    call.ctx.arn("dynamodb", &format!("table/{name}"))
}

pub fn create(call: &Call) -> Result<model::CreateTableOutput, ApiError> {
    // CreateTable takes a name only: an ARN fails the name's pattern.
    let name = call.text("TableName").unwrap_or_default().to_string();
    super::names::check_name(&name)?;
    let key_schema = call.input.get("KeySchema").cloned().unwrap_or(Value::Null);
    let definitions = call
        .input
        .get("AttributeDefinitions")
        .cloned()
        .unwrap_or(json!([]));
    let (hash_key, range_key) = parse_key_schema(&key_schema, &definitions, "table")?;
    let mut used = vec![hash_key.clone()];
    used.extend(range_key.clone());
    let arn = table_arn(call, &name);
    let gsis = indexes(
        call.input,
        "GlobalSecondaryIndexes",
        &definitions,
        &arn,
        &mut used,
    )?;
    let lsis = indexes(
        call.input,
        "LocalSecondaryIndexes",
        &definitions,
        &arn,
        &mut used,
    )?;
    check_definitions_used(&definitions, &used)?;
    let billing = call
        .input
        .get("BillingMode")
        .and_then(Value::as_str)
        .unwrap_or("PROVISIONED");
    let throughput = throughput(call.input.get("ProvisionedThroughput"), billing)?;
    let mut description = json!({
        "TableName": name,
        "TableArn": arn,
        "TableId": uuid::Uuid::new_v4().to_string(),
        "KeySchema": key_schema,
        "AttributeDefinitions": definitions,
        "CreationDateTime": now_seconds(),
        "ProvisionedThroughput": throughput,
        "BillingModeSummary": {"BillingMode": billing},
    });
    if !gsis.is_empty() {
        description["GlobalSecondaryIndexes"] = Value::Array(gsis);
    }
    if !lsis.is_empty() {
        check_lsis(&lsis, &hash_key)?;
        description["LocalSecondaryIndexes"] = Value::Array(lsis);
    }
    for optional in ["StreamSpecification", "SSESpecification", "TableClass"] {
        if let Some(v) = call.input.get(optional) {
            description[optional] = v.clone();
        }
    }
    let meta = TableMeta {
        name: name.clone(),
        description,
        hash_key,
        range_key,
        ttl_attribute: None,
        tags: super::settings::tags_in(call.input.get("Tags")),
        pitr: None,
    };
    call.state.commit_dynamodb(|store| {
        if store
            .table(&call.ctx.account, &call.ctx.region, &name)
            .is_some()
        {
            return Err(table_in_use(&name));
        }
        let output = model::CreateTableOutput {
            table_description: Some(typed_description(&Table {
                meta: meta.clone(),
                items: Default::default(),
            })?),
        };
        Ok((
            vec![entry(call, DynamoChange::TableCreated { meta })],
            output,
        ))
    })
}

/// The hash and range attribute names of a key schema, checked against the definitions.
fn parse_key_schema(
    schema: &Value,
    definitions: &Value,
    what: &str,
) -> Result<(String, Option<String>), ApiError> {
    let elements = schema.as_array().filter(|a| !a.is_empty() && a.len() <= 2).ok_or_else(|| {
        validation(format!("1 validation error detected: Value at '{what}.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2 and at least 1"))
    })?;
    let mut hash = None;
    let mut range = None;
    for element in elements {
        let name = element.get("AttributeName").and_then(Value::as_str);
        let kind = element.get("KeyType").and_then(Value::as_str);
        match (name, kind) {
            (Some(n), Some("HASH")) if hash.is_none() => hash = Some(n.to_string()),
            (Some(n), Some("RANGE")) if range.is_none() => range = Some(n.to_string()),
            _ => {
                return Err(validation(
                    "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
                ))
            }
        }
    }
    let hash = hash.ok_or_else(|| {
        validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    })?;
    for name in std::iter::once(&hash).chain(range.iter()) {
        if attribute_type(definitions, name).is_none() {
            return Err(validation(format!(
                "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: {}",
                definition_names(definitions).join(", ")
            )));
        }
    }
    Ok((hash, range))
}

/// The declared type (S, N, B) of an attribute.
pub fn attribute_type<'v>(definitions: &'v Value, name: &str) -> Option<&'v str> {
    definitions.as_array()?.iter().find_map(|d| {
        (d.get("AttributeName")?.as_str()? == name)
            .then(|| d.get("AttributeType")?.as_str())
            .flatten()
    })
}

fn definition_names(definitions: &Value) -> Vec<String> {
    definitions
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.get("AttributeName")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn check_definitions_used(definitions: &Value, used: &[String]) -> Result<(), ApiError> {
    // Attribute types are S, N or B: the model's enum, checked by the codec.
    let names = definition_names(definitions);
    if names.iter().any(|n| !used.contains(n)) {
        return Err(validation(
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    Ok(())
}

/// Index descriptions from a CreateTable input, marked ACTIVE.
fn indexes(
    input: &Value,
    field: &str,
    definitions: &Value,
    table_arn: &str,
    used: &mut Vec<String>,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for index in input
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(index_description(index, definitions, table_arn, used)?);
    }
    Ok(out)
}

fn index_description(
    index: &Value,
    definitions: &Value,
    table_arn: &str,
    used: &mut Vec<String>,
) -> Result<Value, ApiError> {
    let name = index
        .get("IndexName")
        .and_then(Value::as_str)
        .ok_or_else(|| validation("IndexName must be given"))?;
    let schema = index.get("KeySchema").cloned().unwrap_or(Value::Null);
    let (hash, range) = parse_key_schema(&schema, definitions, "index")?;
    used.push(hash);
    used.extend(range);
    let mut description = index.clone();
    description["IndexStatus"] = json!("ACTIVE");
    description["IndexArn"] = json!(format!("{table_arn}/index/{name}"));
    if description.get("Projection").is_none() {
        description["Projection"] = json!({"ProjectionType": "ALL"});
    }
    Ok(description)
}

fn check_lsis(lsis: &[Value], hash_key: &str) -> Result<(), ApiError> {
    for lsi in lsis {
        let schema = lsi.get("KeySchema").cloned().unwrap_or(Value::Null);
        let first = schema[0]["AttributeName"].as_str().unwrap_or("");
        if first != hash_key || schema.as_array().map_or(0, Vec::len) != 2 {
            return Err(validation(
                "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
            ));
        }
    }
    Ok(())
}

fn throughput(given: Option<&Value>, billing: &str) -> Result<Value, ApiError> {
    let read = given.and_then(|t| t.get("ReadCapacityUnits")).cloned();
    let write = given.and_then(|t| t.get("WriteCapacityUnits")).cloned();
    if billing == "PROVISIONED" && (read.is_none() || write.is_none()) {
        return Err(validation(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        ));
    }
    Ok(json!({
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": read.unwrap_or(json!(0)),
        "WriteCapacityUnits": write.unwrap_or(json!(0)),
    }))
}

/// A table's `TableDescription`, with current counts.
pub fn describe_table(table: &Table) -> Value {
    let mut description = table.meta.description.clone();
    description["TableStatus"] = json!("ACTIVE");
    description["ItemCount"] = json!(table.items.len());
    let bytes: usize = table.items.values().map(super::values::item_bytes).sum();
    description["TableSizeBytes"] = json!(bytes);
    for field in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        if let Some(Value::Array(list)) = description.get_mut(field) {
            for index in list {
                index["ItemCount"] = json!(0);
                index["IndexSizeBytes"] = json!(0);
            }
        }
    }
    description
}

/// A table's description as the typed `TableDescription` (the stored description is JSON: it is
/// journaled as it is).
fn typed_description(table: &Table) -> Result<model::TableDescription, ApiError> {
    crate::model::decode(describe_table(table))
}

pub fn describe(call: &Call) -> Result<model::DescribeTableOutput, ApiError> {
    let name = table_name(call)?;
    let store = call.state.dynamodb();
    let table = find(&store, call, &name)?;
    Ok(model::DescribeTableOutput {
        table: Some(typed_description(table)?),
    })
}

/// A list operation's `Limit`: 1 to 100, 100 when absent.
pub(super) fn page_limit(call: &Call) -> usize {
    call.input
        .get("Limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 100) as usize
}

pub fn list(call: &Call) -> Result<model::ListTablesOutput, ApiError> {
    let limit = page_limit(call);
    let start = call
        .input
        .get("ExclusiveStartTableName")
        .and_then(Value::as_str);
    let store = call.state.dynamodb();
    let names: Vec<String> = store
        .tables(&call.ctx.account, &call.ctx.region)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let remaining: Vec<String> = names
        .into_iter()
        .filter(|n| match start {
            Some(s) => n.as_str() > s,
            None => true,
        })
        .collect();
    let page: Vec<String> = remaining.iter().take(limit).cloned().collect();
    Ok(model::ListTablesOutput {
        last_evaluated_table_name: page.last().filter(|_| remaining.len() > limit).cloned(),
        table_names: Some(page),
    })
}

pub fn delete(call: &Call) -> Result<model::DeleteTableOutput, ApiError> {
    let name = table_name(call)?;
    call.state.commit_dynamodb(|store| {
        let table = find(store, call, &name)?;
        let mut description = typed_description(table)?;
        description.table_status = Some("DELETING".into());
        Ok((
            vec![entry(
                call,
                DynamoChange::TableDeleted { name: name.clone() },
            )],
            model::DeleteTableOutput {
                table_description: Some(description),
            },
        ))
    })
}

/// UpdateTable: GSI creates and deletes, billing mode, throughput and stream settings.
pub fn update(call: &Call) -> Result<model::UpdateTableOutput, ApiError> {
    let name = table_name(call)?;
    call.state.commit_dynamodb(|store| {
        let table = find(store, call, &name)?;
        let mut meta = table.meta.clone();
        let description = &mut meta.description;
        if let Some(definitions) = call
            .input
            .get("AttributeDefinitions")
            .and_then(Value::as_array)
        {
            merge_definitions(description, definitions);
        }
        for update in call
            .input
            .get("GlobalSecondaryIndexUpdates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            apply_index_update(description, update)?;
        }
        if let Some(billing) = call.input.get("BillingMode").and_then(Value::as_str) {
            description["BillingModeSummary"] = json!({"BillingMode": billing});
        }
        if let Some(t) = call.input.get("ProvisionedThroughput") {
            description["ProvisionedThroughput"] = throughput(Some(t), "PROVISIONED")?;
        }
        if let Some(s) = call.input.get("StreamSpecification") {
            description["StreamSpecification"] = s.clone();
        }
        let output = model::UpdateTableOutput {
            table_description: Some(typed_description(&Table {
                meta: meta.clone(),
                items: Default::default(),
            })?),
        };
        Ok((
            vec![entry(call, DynamoChange::TableUpdated { meta })],
            output,
        ))
    })
}

fn merge_definitions(description: &mut Value, definitions: &[Value]) {
    let mut current = description["AttributeDefinitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for d in definitions {
        if !current
            .iter()
            .any(|c| c["AttributeName"] == d["AttributeName"])
        {
            current.push(d.clone());
        }
    }
    description["AttributeDefinitions"] = Value::Array(current);
}

fn apply_index_update(description: &mut Value, update: &Value) -> Result<(), ApiError> {
    let arn = description["TableArn"].as_str().unwrap_or("").to_string();
    let mut list = description["GlobalSecondaryIndexes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(create) = update.get("Create") {
        let definitions = description["AttributeDefinitions"].clone();
        let name = create["IndexName"].as_str().unwrap_or("");
        if list.iter().any(|i| i["IndexName"] == name) {
            return Err(validation(format!(
                "One or more parameter values were invalid: Index with name: {name} already exists"
            )));
        }
        list.push(index_description(
            create,
            &definitions,
            &arn,
            &mut Vec::new(),
        )?);
    } else if let Some(delete) = update.get("Delete") {
        let name = delete["IndexName"].as_str().unwrap_or("");
        let before = list.len();
        list.retain(|i| i["IndexName"] != name);
        if list.len() == before {
            return Err(resource_not_found(&format!("Index: {name}")));
        }
    } else if let Some(change) = update.get("Update") {
        let name = change["IndexName"].as_str().unwrap_or("");
        for index in list.iter_mut().filter(|i| i["IndexName"] == name) {
            if let Some(t) = change.get("ProvisionedThroughput") {
                index["ProvisionedThroughput"] = t.clone();
            }
        }
    }
    if list.is_empty() {
        if let Some(object) = description.as_object_mut() {
            object.remove("GlobalSecondaryIndexes");
        }
    } else {
        description["GlobalSecondaryIndexes"] = Value::Array(list);
    }
    Ok(())
}
