//! Table settings beside the schema: Time to Live (UpdateTimeToLive, DescribeTimeToLive; items
//! whose TTL attribute has passed read as deleted, see `TableMeta::expired`), tags (TagResource,
//! UntagResource, ListTagsOfResource, `Tags` at CreateTable), and the account-level
//! DescribeLimits and DescribeEndpoints.
use std::collections::BTreeMap;

use serde_json::Value;

use super::errors::{resource_not_found, validation};
use super::names::{cross_account, Place, TableArn};
use super::tables::{entry, find};
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb as model;
use crate::state::dynamodb::DynamoChange;

/// DynamoDB's default per-account and per-table capacity quotas (the values DescribeLimits
/// reports for an account that has not asked for an increase, per the DynamoDB developer
/// guide's service quotas page).
const ACCOUNT_MAX_CAPACITY: i64 = 80_000;
const TABLE_MAX_CAPACITY: i64 = 40_000;
/// The most tags a table can have.
const MAX_TAGS: usize = 50;
/// The tags of one ListTagsOfResource page (the API reference pages the answer with
/// `NextToken` and does not state the size; this is the service's page of 10).
const TAGS_PAGE: usize = 10;

/// The tags of a `Tags` list (CreateTable's or TagResource's), by key.
pub fn tags_in(tags: Option<&Value>) -> BTreeMap<String, String> {
    tags.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| {
            let key = tag.get("Key")?.as_str()?;
            let value = tag.get("Value")?.as_str()?;
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

/// The table a resource ARN names in the caller's account and region (the ARN's form read by
/// `names`). A text that is not a table's ARN, or one of another region, is an invalid
/// `TableArn`; another account's table is denied as everywhere (`names::cross_account`); a
/// missing table is "Requested resource not found: ResourceArn: <arn> not found".
fn table_of(call: &Call, arn: &str) -> Result<String, ApiError> {
    let invalid = || {
        validation(format!(
            "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
        ))
    };
    let table = TableArn::parse(arn).map_err(|_| invalid())?;
    match table.place(call) {
        Place::Here => {}
        Place::OtherAccount => return Err(cross_account(call, arn)),
        Place::OtherPartition | Place::OtherRegion => return Err(invalid()),
    }
    let exists = call
        .state
        .dynamodb()
        .table(&call.ctx.account, &call.ctx.region, table.name)
        .is_some();
    if !exists {
        return Err(resource_not_found(&format!("ResourceArn: {arn}")));
    }
    Ok(table.name.to_string())
}

/// Changes the stored settings of table `name` through `change`.
fn change_meta(
    call: &Call,
    name: &str,
    change: impl FnOnce(&mut crate::state::dynamodb::TableMeta) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    call.state.commit_dynamodb(|store| {
        let mut meta = find(store, call, name)?.meta.clone();
        change(&mut meta)?;
        Ok((vec![entry(call, DynamoChange::TableUpdated { meta })], ()))
    })
}

pub fn update_ttl(
    call: &Call,
    input: &model::UpdateTimeToLiveInput,
) -> Result<model::UpdateTimeToLiveOutput, ApiError> {
    let spec = &input.time_to_live_specification;
    let name = super::names::resolve(call, &input.table_name)?;
    change_meta(call, &name, |meta| {
        match (&meta.ttl_attribute, spec.enabled) {
            (Some(_), true) => Err(validation("TimeToLive is already enabled")),
            (None, false) => Err(validation("TimeToLive is already disabled")),
            (Some(current), false) if *current != spec.attribute_name => Err(validation(format!(
                "TimeToLive is active on a different AttributeName: current AttributeName is {current}"
            ))),
            _ => {
                meta.ttl_attribute = spec.enabled.then(|| spec.attribute_name.clone());
                Ok(())
            }
        }
    })?;
    Ok(model::UpdateTimeToLiveOutput {
        time_to_live_specification: Some(spec.clone()),
    })
}

pub fn describe_ttl(
    call: &Call,
    input: &model::DescribeTimeToLiveInput,
) -> Result<model::DescribeTimeToLiveOutput, ApiError> {
    let name = super::names::resolve(call, &input.table_name)?;
    let store = call.state.dynamodb();
    let table = find(&store, call, &name)?;
    let description = match &table.meta.ttl_attribute {
        Some(attribute) => model::TimeToLiveDescription {
            time_to_live_status: Some("ENABLED".to_string()),
            attribute_name: Some(attribute.clone()),
        },
        None => model::TimeToLiveDescription {
            time_to_live_status: Some("DISABLED".to_string()),
            attribute_name: None,
        },
    };
    Ok(model::DescribeTimeToLiveOutput {
        time_to_live_description: Some(description),
    })
}

pub fn tag(call: &Call, input: &model::TagResourceInput) -> Result<(), ApiError> {
    let name = table_of(call, &input.resource_arn)?;
    change_meta(call, &name, |meta| {
        for tag in &input.tags {
            meta.tags.insert(tag.key.clone(), tag.value.clone());
        }
        if meta.tags.len() > MAX_TAGS {
            return Err(validation(format!(
                "One or more parameter values were invalid: The number of tags on the table exceeds the limit of {MAX_TAGS}"
            )));
        }
        Ok(())
    })
}

pub fn untag(call: &Call, input: &model::UntagResourceInput) -> Result<(), ApiError> {
    let name = table_of(call, &input.resource_arn)?;
    change_meta(call, &name, |meta| {
        for key in &input.tag_keys {
            meta.tags.remove(key);
        }
        Ok(())
    })
}

pub fn list_tags(
    call: &Call,
    input: &model::ListTagsOfResourceInput,
) -> Result<model::ListTagsOfResourceOutput, ApiError> {
    let name = table_of(call, &input.resource_arn)?;
    let store = call.state.dynamodb();
    let table = find(&store, call, &name)?;
    let (page, next_token) = tags_page(&table.meta.tags, input.next_token.as_deref());
    Ok(model::ListTagsOfResourceOutput {
        tags: Some(page),
        next_token,
    })
}

/// One page of tags from `token` on (the key of the page's first tag), in key order, and the
/// token of the next page if there is one.
fn tags_page(
    tags: &BTreeMap<String, String>,
    token: Option<&str>,
) -> (Vec<model::Tag>, Option<String>) {
    let mut rest = tags.range::<str, _>((
        token.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Included),
        std::ops::Bound::Unbounded,
    ));
    let page = rest
        .by_ref()
        .take(TAGS_PAGE)
        .map(|(key, value)| model::Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    (page, rest.next().map(|(key, _)| key.clone()))
}

pub fn limits() -> model::DescribeLimitsOutput {
    model::DescribeLimitsOutput {
        account_max_read_capacity_units: Some(ACCOUNT_MAX_CAPACITY),
        account_max_write_capacity_units: Some(ACCOUNT_MAX_CAPACITY),
        table_max_read_capacity_units: Some(TABLE_MAX_CAPACITY),
        table_max_write_capacity_units: Some(TABLE_MAX_CAPACITY),
    }
}

/// DescribeEndpoints names the endpoint the caller reached: this emulator.
pub fn endpoints(call: &Call) -> model::DescribeEndpointsResponse {
    let base = call.ctx.base_url();
    let address = base
        .split_once("://")
        .map_or(base.as_str(), |(_, host)| host);
    model::DescribeEndpointsResponse {
        endpoints: vec![model::Endpoint {
            address: address.to_string(),
            cache_period_in_minutes: 1440,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_in_pages_of_ten_with_a_token_for_the_rest() {
        let tags: BTreeMap<String, String> = (0..11)
            .map(|i| (format!("k{i:02}"), "v".to_string()))
            .collect();
        let (first, token) = tags_page(&tags, None);
        assert_eq!(first.len(), 10);
        assert_eq!(first[0].key, "k00");
        assert_eq!(token.as_deref(), Some("k10"));
        let (second, token) = tags_page(&tags, Some("k10"));
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].key, "k10");
        assert_eq!(token, None);
        let (all, token) = tags_page(&tags.into_iter().take(10).collect(), None);
        assert_eq!((all.len(), token), (10, None));
    }
}
