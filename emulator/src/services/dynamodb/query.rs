//! Query and Scan: key conditions, index selection, ordering, filters, projections and
//! `Limit` / `LastEvaluatedKey` pagination.
use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::ops::Bound;

use serde_json::Value;

use super::errors::validation;
use super::eval::holds;
use super::expr::{parse_condition, Cmp, Cond, Operand, Path, Placeholders, Step};
use super::items::{apply_projection, projection};
use super::tables::{find_for_items, table_name};
use super::values::{equal, key_part, typed_item, KeyPart, TypedItem};
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb as model;
use crate::state::dynamodb::{Item, Table};

/// The most a page holds, as in DynamoDB (1 MB of items).
const PAGE_BYTES: usize = 1024 * 1024;

/// The key attributes the read goes by: the table's or an index's.
struct Keys {
    hash: String,
    range: Option<String>,
    /// For an index, the table's own key attributes (part of `LastEvaluatedKey`).
    table_hash: String,
    table_range: Option<String>,
    is_index: bool,
    /// The attributes an index projects (`None`: all of them).
    projected: Option<Vec<String>>,
}

fn keys_for(table: &Table, index: Option<&str>) -> Result<Keys, ApiError> {
    let meta = &table.meta;
    let Some(index) = index else {
        return Ok(Keys {
            hash: meta.hash_key.clone(),
            range: meta.range_key.clone(),
            table_hash: meta.hash_key.clone(),
            table_range: meta.range_key.clone(),
            is_index: false,
            projected: None,
        });
    };
    let description = ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"]
        .iter()
        .flat_map(|f| meta.description[*f].as_array().cloned().unwrap_or_default())
        .find(|i| i["IndexName"] == index)
        .ok_or_else(|| {
            validation(format!(
                "The table does not have the specified index: {index}"
            ))
        })?;
    let mut hash = String::new();
    let mut range = None;
    for element in description["KeySchema"].as_array().into_iter().flatten() {
        let name = element["AttributeName"].as_str().unwrap_or("").to_string();
        if element["KeyType"] == "HASH" {
            hash = name;
        } else {
            range = Some(name);
        }
    }
    let projected = match description["Projection"]["ProjectionType"].as_str() {
        Some("KEYS_ONLY") => Some(Vec::new()),
        Some("INCLUDE") => Some(
            description["Projection"]["NonKeyAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    };
    Ok(Keys {
        hash,
        range,
        table_hash: meta.hash_key.clone(),
        table_range: meta.range_key.clone(),
        is_index: true,
        projected,
    })
}

impl Keys {
    fn last_key(&self, item: &Item) -> Item {
        let mut key = Item::new();
        let names = [
            Some(&self.hash),
            self.range.as_ref(),
            Some(&self.table_hash),
            self.table_range.as_ref(),
        ];
        for name in names.into_iter().flatten() {
            if let Some(v) = item.get(name) {
                key.insert(name.clone(), v.clone());
            }
        }
        key
    }

    fn sort_part(&self, item: &Item) -> Option<KeyPart> {
        self.range
            .as_ref()
            .and_then(|r| item.get(r))
            .and_then(key_part)
    }

    fn table_key(&self, item: &Item) -> (Option<KeyPart>, Option<KeyPart>) {
        (
            item.get(&self.table_hash).and_then(key_part),
            self.table_range
                .as_ref()
                .and_then(|r| item.get(r))
                .and_then(key_part),
        )
    }

    fn hash_part(&self, item: &Item) -> Option<KeyPart> {
        item.get(&self.hash).and_then(key_part)
    }

    /// The order of items in the table or index: by partition, then sort key, then the
    /// table's key (which tells apart index items with equal keys).
    fn order(&self, a: &Item, b: &Item) -> Ordering {
        self.hash_part(a)
            .cmp(&self.hash_part(b))
            .then_with(|| self.sort_part(a).cmp(&self.sort_part(b)))
            .then_with(|| self.table_key(a).cmp(&self.table_key(b)))
    }

    /// The item as the index stores it (keys plus projected attributes).
    fn as_stored(&self, item: &Item) -> Item {
        let Some(extra) = &self.projected else {
            return item.clone();
        };
        let mut out = self.last_key(item);
        for name in extra {
            if let Some(v) = item.get(name) {
                out.insert(name.clone(), v.clone());
            }
        }
        out
    }

    fn in_index(&self, item: &Item) -> bool {
        let has_range = match &self.range {
            Some(name) => item.contains_key(name),
            None => true,
        };
        item.contains_key(&self.hash) && has_range
    }
}

/// The key condition split into the partition value and the sort key condition.
struct KeyCondition {
    hash_value: Value,
    range: Option<Cond>,
}

fn single_path(op: &Operand) -> Option<&str> {
    match op {
        Operand::Path(path) if path.len() == 1 => match &path[0] {
            Step::Name(n) => Some(n),
            Step::Index(_) => None,
        },
        _ => None,
    }
}

fn split_key_condition(cond: Cond, keys: &Keys) -> Result<KeyCondition, ApiError> {
    let parts = match cond {
        Cond::And(a, b) => vec![*a, *b],
        other => vec![other],
    };
    let mut hash_value = None;
    let mut range = None;
    for part in parts {
        let subject = match &part {
            Cond::Compare(a, _, _) | Cond::Between(a, _, _) => single_path(a),
            Cond::Func(name, args) if name == "begins_with" => single_path(&args[0]),
            _ => return Err(validation("Query key condition not supported")),
        };
        match (subject, &part) {
            (Some(s), Cond::Compare(_, Cmp::Eq, Operand::Value(v))) if s == keys.hash => {
                hash_value = Some(v.clone());
            }
            (Some(s), _) if Some(s) == keys.range.as_deref() && range.is_none() => {
                if matches!(part, Cond::Compare(_, Cmp::Ne, _)) {
                    return Err(validation(
                        "Unsupported operator on KeyConditionExpression: operator: <>",
                    ));
                }
                range = Some(part);
            }
            (Some(s), _) if s == keys.hash => {
                return Err(validation("Query key condition not supported"))
            }
            _ => return Err(validation("Query condition missed key schema element")),
        }
    }
    let hash_value = hash_value.ok_or_else(|| {
        validation(format!(
            "Query condition missed key schema element: {}",
            keys.hash
        ))
    })?;
    Ok(KeyCondition { hash_value, range })
}

/// The parameters shared by Query and Scan.
struct Read<'a> {
    filter: Option<Cond>,
    projection: Option<Vec<Path>>,
    limit: Option<usize>,
    start: Option<&'a Item>,
    count_only: bool,
    /// Query's `ScanIndexForward` (Scan reads forward).
    forward: bool,
}

fn read_params<'a>(call: &'a Call, placeholders: &mut Placeholders) -> Result<Read<'a>, ApiError> {
    let filter = match call.input.get("FilterExpression").and_then(Value::as_str) {
        Some(text) => Some(parse_condition("FilterExpression", text, placeholders)?),
        None => match super::legacy::conditions(call.input, "QueryFilter")? {
            Some(cond) => Some(cond),
            None => super::legacy::conditions(call.input, "ScanFilter")?,
        },
    };
    // At least 1: the model says so and the codec checked it.
    let limit = call
        .input
        .get("Limit")
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    let select = call.input.get("Select").and_then(Value::as_str);
    Ok(Read {
        filter,
        projection: projection(call.input, placeholders)?,
        limit,
        start: call
            .input
            .get("ExclusiveStartKey")
            .and_then(Value::as_object),
        count_only: select == Some("COUNT"),
        forward: call.input.get("ScanIndexForward") != Some(&Value::Bool(false)),
    })
}

/// One page of a Query or Scan: the output members both share.
struct Page {
    items: Option<Vec<TypedItem>>,
    count: i32,
    scanned: i32,
    last_key: Option<TypedItem>,
}

/// Pages through candidates in order: skip past the start key, stop at the limit or 1 MB.
fn page(candidates: Vec<&Item>, keys: &Keys, read: &Read) -> Result<Page, ApiError> {
    let mut position = 0;
    if let Some(start) = read.start {
        let start_key = keys.last_key(start);
        let found = candidates.iter().position(|item| {
            keys.last_key(item)
                .iter()
                .all(|(k, v)| start_key.get(k).is_some_and(|s| equal(s, v)))
        });
        position = match found {
            Some(i) => i + 1,
            None => candidates
                .iter()
                .position(|item| after_start(item, start, keys, read.forward))
                .unwrap_or(candidates.len()),
        };
    }
    let mut items = Vec::new();
    let mut scanned = 0;
    let mut bytes = 0;
    let mut last = None;
    for item in candidates.iter().skip(position) {
        if read.limit.is_some_and(|l| scanned >= l) || bytes >= PAGE_BYTES {
            break;
        }
        scanned += 1;
        bytes += super::values::item_bytes(item);
        last = Some(*item);
        let stored = keys.as_stored(item);
        let keep = match &read.filter {
            Some(filter) => holds(&stored, filter)?,
            None => true,
        };
        if keep {
            items.push(typed_item(&apply_projection(
                &stored,
                read.projection.as_deref(),
            ))?);
        }
    }
    // Like DynamoDB, a page cut by `Limit` names its last key even when nothing follows.
    let cut_by_limit = read.limit == Some(scanned);
    let last_key = match last {
        Some(last) if cut_by_limit || position + scanned < candidates.len() => {
            Some(typed_item(&keys.last_key(last))?)
        }
        _ => None,
    };
    Ok(Page {
        count: i32::try_from(items.len()).unwrap_or(i32::MAX),
        scanned: i32::try_from(scanned).unwrap_or(i32::MAX),
        items: (!read.count_only).then_some(items),
        last_key,
    })
}

/// For a start key that names no stored item: whether `item` comes after it in the read's
/// direction (a backward Query continues with the keys below it).
fn after_start(item: &Item, start: &Item, keys: &Keys, forward: bool) -> bool {
    let order = if keys.is_index {
        keys.order(item, start)
    } else {
        keys.table_key(item).cmp(&keys.table_key(start))
    };
    let next = if forward {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    order == next
}

pub fn query(call: &Call) -> Result<model::QueryOutput, ApiError> {
    let name = table_name(call)?;
    let store = call.state.dynamodb();
    let table = find_for_items(&store, call, &name)?;
    let index = call.input.get("IndexName").and_then(Value::as_str);
    let keys = keys_for(table, index)?;
    let mut placeholders = Placeholders::new(call.input);
    let condition = match call.input.get("KeyConditionExpression").and_then(Value::as_str) {
        Some(text) => parse_condition("KeyConditionExpression", text, &mut placeholders)?,
        None => super::legacy::conditions(call.input, "KeyConditions")?.ok_or_else(|| {
            validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
        })?,
    };
    let condition = split_key_condition(condition, &keys)?;
    let read = read_params(call, &mut placeholders)?;
    placeholders.check_unused()?;
    let mut candidates = partition(table, &keys, &condition.hash_value);
    let mut matching = Vec::new();
    for item in candidates.drain(..) {
        let ok = match &condition.range {
            Some(cond) => holds(item, cond)?,
            None => true,
        };
        if ok {
            matching.push(item);
        }
    }
    if !read.forward {
        matching.reverse();
    }
    let page = page(matching, &keys, &read)?;
    Ok(model::QueryOutput {
        items: page.items,
        count: Some(page.count),
        scanned_count: Some(page.scanned),
        last_evaluated_key: page.last_key,
        ..Default::default()
    })
}

/// The items of one partition, in sort key order.
fn partition<'t>(table: &'t Table, keys: &Keys, hash_value: &Value) -> Vec<&'t Item> {
    let now = crate::timefmt::now_seconds();
    let mut items = partition_items(table, keys, hash_value);
    items.retain(|item| !table.meta.expired(item, now));
    items
}

/// [`partition`] before Time to Live.
fn partition_items<'t>(table: &'t Table, keys: &Keys, hash_value: &Value) -> Vec<&'t Item> {
    if !keys.is_index {
        let Some(hash) = key_part(hash_value) else {
            return Vec::new();
        };
        let start = (hash.clone(), None);
        return table
            .items
            .range((Bound::Included(start), Bound::Unbounded))
            .take_while(|((h, _), _)| *h == hash)
            .map(|(_, item)| item)
            .collect();
    }
    let mut items: Vec<&Item> = table
        .items
        .values()
        .filter(|item| keys.in_index(item))
        .filter(|item| item.get(&keys.hash).is_some_and(|v| equal(v, hash_value)))
        .collect();
    items.sort_by(|a, b| keys.order(a, b));
    items
}

pub fn scan(call: &Call) -> Result<model::ScanOutput, ApiError> {
    let name = table_name(call)?;
    let store = call.state.dynamodb();
    let table = find_for_items(&store, call, &name)?;
    let index = call.input.get("IndexName").and_then(Value::as_str);
    let keys = keys_for(table, index)?;
    let mut placeholders = Placeholders::new(call.input);
    let read = read_params(call, &mut placeholders)?;
    placeholders.check_unused()?;
    let segment = call.input.get("Segment").and_then(Value::as_u64);
    let total = call.input.get("TotalSegments").and_then(Value::as_u64);
    let now = crate::timefmt::now_seconds();
    let mut candidates: Vec<&Item> = table
        .items
        .values()
        .filter(|item| keys.in_index(item) && !table.meta.expired(item, now))
        .filter(|item| match (segment, total) {
            (Some(s), Some(t)) if t > 0 => segment_of(item, &keys) % t == s,
            _ => true,
        })
        .collect();
    // An index is read in its own order, the order a start key is placed in.
    if keys.is_index {
        candidates.sort_by(|a, b| keys.order(a, b));
    }
    let page = page(candidates, &keys, &read)?;
    Ok(model::ScanOutput {
        items: page.items,
        count: Some(page.count),
        scanned_count: Some(page.scanned),
        last_evaluated_key: page.last_key,
        ..Default::default()
    })
}

fn segment_of(item: &Item, keys: &Keys) -> u64 {
    let mut hasher = DefaultHasher::new();
    item.get(&keys.table_hash)
        .and_then(key_part)
        .hash(&mut hasher);
    hasher.finish()
}
