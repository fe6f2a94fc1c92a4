//! Backups: on-demand backups (CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
//! RestoreTableFromBackup), each a snapshot of a table's definition and items, and
//! point-in-time recovery (Update/DescribeContinuousBackups, RestoreTableToPointInTime to the
//! latest restorable time). A restored table is a new table: tags, Time to Live, streams and
//! point-in-time recovery are not copied, as AWS documents for restores.
use serde_json::{json, Map, Value};

use super::errors::validation;
use super::names::resolve;
use super::tables::{entry, table_arn, table_name};
use super::Call;
use crate::error::ApiError;
use crate::generated::dynamodb::{self as model, errors};
use crate::state::dynamodb::{Backup, DynamoChange, DynamoStore, PointInTimeRecovery, Table};
use crate::timefmt::{now_millis, now_seconds};

/// The recovery period of point-in-time recovery when none is given (days).
const DEFAULT_RECOVERY_DAYS: i64 = 35;

fn table_not_found(name: &str) -> ApiError {
    errors::TABLE_NOT_FOUND_EXCEPTION.with(format!("Table not found: {name}"))
}

fn backup_not_found(arn: &str) -> ApiError {
    errors::BACKUP_NOT_FOUND_EXCEPTION.with(format!("Backup not found: {arn}"))
}

fn table_exists(name: &str) -> ApiError {
    errors::TABLE_ALREADY_EXISTS_EXCEPTION.with(format!("Table already exists: {name}"))
}

/// The table `name` of the caller's account and region, or `missing(name)`.
fn table<'s>(
    store: &'s DynamoStore,
    call: &Call,
    name: &str,
    missing: fn(&str) -> ApiError,
) -> Result<&'s Table, ApiError> {
    store
        .table(&call.ctx.account, &call.ctx.region, name)
        .ok_or_else(|| missing(name))
}

fn backup<'s>(store: &'s DynamoStore, call: &Call, arn: &str) -> Result<&'s Backup, ApiError> {
    store
        .backups(&call.ctx.account, &call.ctx.region)
        .and_then(|b| b.get(arn))
        .ok_or_else(|| backup_not_found(arn))
}

fn size_of(items: &[Map<String, Value>]) -> usize {
    items.iter().map(super::values::item_bytes).sum()
}

/// `BackupDetails` of a backup in `status`.
fn details(backup: &Backup, status: &str) -> Value {
    json!({
        "BackupArn": backup.arn,
        "BackupName": backup.name,
        "BackupSizeBytes": size_of(&backup.items),
        "BackupStatus": status,
        "BackupType": "USER",
        "BackupCreationDateTime": backup.created,
    })
}

/// The `BillingMode` of a stored description.
fn billing_mode(description: &Value) -> &str {
    description["BillingModeSummary"]["BillingMode"]
        .as_str()
        .unwrap_or("PROVISIONED")
}

/// `BackupDescription`: details, the source table and its indexes when the backup was taken.
fn description(backup: &Backup, status: &str) -> Value {
    let table = &backup.table.description;
    let mut features = json!({});
    for field in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        if let Some(list) = table.get(field).and_then(Value::as_array) {
            let infos: Vec<Value> = list
                .iter()
                .map(|i| {
                    json!({
                        "IndexName": i["IndexName"],
                        "KeySchema": i["KeySchema"],
                        "Projection": i["Projection"],
                    })
                })
                .collect();
            features[field] = Value::Array(infos);
        }
    }
    json!({
        "BackupDetails": details(backup, status),
        "SourceTableDetails": {
            "TableName": backup.table.name,
            "TableId": table["TableId"],
            "TableArn": table["TableArn"],
            "TableSizeBytes": size_of(&backup.items),
            "KeySchema": table["KeySchema"],
            "TableCreationDateTime": table["CreationDateTime"],
            "ProvisionedThroughput": {
                "ReadCapacityUnits": table["ProvisionedThroughput"]["ReadCapacityUnits"],
                "WriteCapacityUnits": table["ProvisionedThroughput"]["WriteCapacityUnits"],
            },
            "ItemCount": backup.items.len(),
            "BillingMode": billing_mode(table),
        },
        "SourceTableFeatureDetails": features,
    })
}

/// A backup ARN as AWS forms them: the table's ARN, `/backup/`, the creation time in
/// milliseconds and a random suffix.
fn backup_arn(call: &Call, table: &str, millis: i64) -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{}/backup/{millis:014}-{}",
        table_arn(call, table),
        &suffix[..8]
    )
}

pub fn create_backup(call: &Call) -> Result<model::CreateBackupOutput, ApiError> {
    let name = table_name(call)?;
    let backup_name = call.text("BackupName").unwrap_or_default().to_string();
    call.state.commit_dynamodb(|store| {
        let source = table(store, call, &name, table_not_found)?;
        let millis = now_millis();
        let backup = Backup {
            arn: backup_arn(call, &name, millis),
            name: backup_name,
            created: millis as f64 / 1000.0,
            table: source.meta.clone(),
            items: source.items.values().cloned().collect(),
        };
        let output = json!({"BackupDetails": details(&backup, "AVAILABLE")});
        Ok((
            vec![entry(call, DynamoChange::BackupCreated { backup })],
            crate::model::decode(output)?,
        ))
    })
}

pub fn describe_backup(call: &Call) -> Result<model::DescribeBackupOutput, ApiError> {
    let arn = call.text("BackupArn").unwrap_or_default();
    let store = call.state.dynamodb();
    let backup = backup(&store, call, arn)?;
    crate::model::decode(json!({"BackupDescription": description(backup, "AVAILABLE")}))
}

pub fn delete_backup(call: &Call) -> Result<model::DeleteBackupOutput, ApiError> {
    let arn = call.text("BackupArn").unwrap_or_default().to_string();
    call.state.commit_dynamodb(|store| {
        let backup = backup(store, call, &arn)?;
        let output = json!({"BackupDescription": description(backup, "DELETED")});
        Ok((
            vec![entry(
                call,
                DynamoChange::BackupDeleted { arn: arn.clone() },
            )],
            crate::model::decode(output)?,
        ))
    })
}

/// Whether a backup passes ListBackups' filters (table, type, creation time range: the lower
/// bound inclusive, the upper exclusive).
fn listed(call: &Call, table: Option<&str>, backup: &Backup) -> bool {
    let kind = call.text("BackupType").unwrap_or("ALL");
    let lower = call
        .input
        .get("TimeRangeLowerBound")
        .and_then(Value::as_f64);
    let upper = call
        .input
        .get("TimeRangeUpperBound")
        .and_then(Value::as_f64);
    table.is_none_or(|t| t == backup.table.name)
        && matches!(kind, "USER" | "ALL")
        && lower.is_none_or(|l| backup.created >= l)
        && upper.is_none_or(|u| backup.created < u)
}

pub fn list_backups(call: &Call) -> Result<model::ListBackupsOutput, ApiError> {
    let limit = super::tables::page_limit(call);
    let start = call.text("ExclusiveStartBackupArn");
    let table = match call.text("TableName") {
        Some(given) => Some(resolve(call, given)?),
        None => None,
    };
    let store = call.state.dynamodb();
    let mut backups: Vec<&Backup> = store
        .backups(&call.ctx.account, &call.ctx.region)
        .into_iter()
        .flat_map(|b| b.values())
        .filter(|b| listed(call, table.as_deref(), b))
        .collect();
    backups.sort_by(|a, b| a.created.total_cmp(&b.created).then(a.arn.cmp(&b.arn)));
    if let Some(start) = start {
        let after = backups
            .iter()
            .position(|b| b.arn == start)
            .map_or(0, |i| i + 1);
        backups.drain(..after);
    }
    let more = backups.len() > limit;
    backups.truncate(limit);
    let summaries: Vec<Value> = backups.iter().map(|b| summary(b)).collect();
    let mut output = json!({"BackupSummaries": summaries});
    if more {
        output["LastEvaluatedBackupArn"] = json!(backups.last().map(|b| b.arn.clone()));
    }
    crate::model::decode(output)
}

fn summary(backup: &Backup) -> Value {
    let mut summary = details(backup, "AVAILABLE");
    summary["TableName"] = json!(backup.table.name);
    summary["TableId"] = backup.table.description["TableId"].clone();
    summary["TableArn"] = backup.table.description["TableArn"].clone();
    summary
}

/// The description of the restored table `target`: the source's definition under the new
/// name, with the restore's summary and the input's overrides applied.
fn restored_description(call: &Call, source: &Value, target: &str, summary: Value) -> Value {
    let arn = table_arn(call, target);
    let mut description = source.clone();
    description["TableName"] = json!(target);
    description["TableArn"] = json!(arn);
    description["TableId"] = json!(uuid::Uuid::new_v4().to_string());
    description["CreationDateTime"] = json!(now_seconds());
    description["RestoreSummary"] = summary;
    if let Some(object) = description.as_object_mut() {
        for dropped in [
            "StreamSpecification",
            "LatestStreamArn",
            "LatestStreamLabel",
        ] {
            object.remove(dropped);
        }
    }
    for (field, over) in [
        ("GlobalSecondaryIndexes", "GlobalSecondaryIndexOverride"),
        ("LocalSecondaryIndexes", "LocalSecondaryIndexOverride"),
    ] {
        if let Some(list) = call.input.get(over) {
            description[field] = list.clone();
        }
        if let Some(Value::Array(list)) = description.get_mut(field) {
            for index in list {
                let name = index["IndexName"].as_str().unwrap_or_default().to_string();
                index["IndexArn"] = json!(format!("{arn}/index/{name}"));
                index["IndexStatus"] = json!("ACTIVE");
            }
        }
    }
    if let Some(billing) = call.text("BillingModeOverride") {
        description["BillingModeSummary"] = json!({"BillingMode": billing});
    }
    if let Some(t) = call.input.get("ProvisionedThroughputOverride") {
        description["ProvisionedThroughput"] = json!({
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": t["ReadCapacityUnits"],
            "WriteCapacityUnits": t["WriteCapacityUnits"],
        });
    }
    if let Some(sse) = call.input.get("SSESpecificationOverride") {
        description["SSESpecification"] = sse.clone();
    }
    description
}

/// The entries that create table `target` from a source definition and items, and its
/// typed description.
fn restore(
    call: &Call,
    source: &Table,
    items: Vec<Map<String, Value>>,
    target: &str,
    summary: Value,
) -> Result<(Vec<crate::state::record::Entry>, model::TableDescription), ApiError> {
    let mut meta = source.meta.clone();
    meta.name = target.to_string();
    meta.description = restored_description(call, &meta.description, target, summary);
    meta.tags.clear();
    meta.ttl_attribute = None;
    meta.pitr = None;
    let mut restored = Table {
        meta: meta.clone(),
        items: Default::default(),
    };
    let mut entries = vec![entry(call, DynamoChange::TableCreated { meta })];
    for item in items {
        if let Some(key) = restored.meta.key_of(&item) {
            restored.items.insert(key, item.clone());
        }
        entries.push(entry(
            call,
            DynamoChange::ItemPut {
                table: target.to_string(),
                item,
            },
        ));
    }
    let description = crate::model::decode(super::tables::describe_table(&restored))?;
    Ok((entries, description))
}

fn check_target_free(store: &DynamoStore, call: &Call, target: &str) -> Result<(), ApiError> {
    match store.table(&call.ctx.account, &call.ctx.region, target) {
        Some(_) => Err(table_exists(target)),
        None => Ok(()),
    }
}

pub fn restore_from_backup(call: &Call) -> Result<model::RestoreTableFromBackupOutput, ApiError> {
    let arn = call.text("BackupArn").unwrap_or_default().to_string();
    let target = call.text("TargetTableName").unwrap_or_default().to_string();
    call.state.commit_dynamodb(|store| {
        let backup = backup(store, call, &arn)?;
        check_target_free(store, call, &target)?;
        let summary = json!({
            "SourceBackupArn": backup.arn,
            "SourceTableArn": backup.table.description["TableArn"],
            "RestoreDateTime": now_seconds(),
            "RestoreInProgress": false,
        });
        let source = Table {
            meta: backup.table.clone(),
            items: Default::default(),
        };
        let (entries, description) =
            restore(call, &source, backup.items.clone(), &target, summary)?;
        let output = model::RestoreTableFromBackupOutput {
            table_description: Some(description),
        };
        Ok((entries, output))
    })
}

/// Checks a RestoreTableToPointInTime time against the source's recovery window. The emulator
/// keeps no item history, so only the latest restorable time (now) can be restored; an earlier
/// time inside the window is refused as not implemented rather than answered with today's items.
fn check_restore_time(call: &Call, pitr: &PointInTimeRecovery, now: f64) -> Result<(), ApiError> {
    let latest = call
        .input
        .get("UseLatestRestorableTime")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(at) = call.input.get("RestoreDateTime").and_then(Value::as_f64) else {
        return Ok(());
    };
    if latest {
        return Err(validation(
            "Only one of RestoreDateTime or UseLatestRestorableTime can be specified",
        ));
    }
    if at < pitr.enabled_at || at > now {
        return Err(errors::INVALID_RESTORE_TIME_EXCEPTION.with(
            "Invalid restore time: the RestoreDateTime must be between the EarliestRestorableDateTime and the LatestRestorableDateTime",
        ));
    }
    if at < now - 1.0 {
        return Err(ApiError::not_implemented(
            "DynamoDB",
            "RestoreTableToPointInTime to a time before the latest restorable time",
        ));
    }
    Ok(())
}

/// The source table of RestoreTableToPointInTime: exactly one of `SourceTableArn` (an ARN, as
/// its name says) and `SourceTableName` (a name, checked by the codec).
fn source_table(call: &Call) -> Result<String, ApiError> {
    match (call.text("SourceTableArn"), call.text("SourceTableName")) {
        (Some(arn), None) if arn.starts_with("arn:") => resolve(call, arn),
        (Some(arn), None) => Err(validation(format!(
            "One or more parameter values were invalid: ARNs must start with 'arn:': {arn}"
        ))),
        (None, Some(name)) => Ok(name.to_string()),
        _ => Err(validation(
            "Must provide exactly one of: sourceTableArn, sourceTableName",
        )),
    }
}

pub fn restore_to_point_in_time(
    call: &Call,
) -> Result<model::RestoreTableToPointInTimeOutput, ApiError> {
    let source_name = source_table(call)?;
    let target = call.text("TargetTableName").unwrap_or_default().to_string();
    call.state.commit_dynamodb(|store| {
        // The model and the API reference name TableNotFoundException for a missing source.
        let source = table(store, call, &source_name, table_not_found)?;
        check_target_free(store, call, &target)?;
        let pitr = source.meta.pitr.as_ref().ok_or_else(|| {
            errors::POINT_IN_TIME_RECOVERY_UNAVAILABLE_EXCEPTION.with(format!(
                "Point in time recovery is not enabled for table '{source_name}'"
            ))
        })?;
        let now = now_seconds();
        check_restore_time(call, pitr, now)?;
        let summary = json!({
            "SourceTableArn": source.meta.description["TableArn"],
            "RestoreDateTime": now,
            "RestoreInProgress": false,
        });
        let items = source.items.values().cloned().collect();
        let (entries, description) = restore(call, source, items, &target, summary)?;
        let output = model::RestoreTableToPointInTimeOutput {
            table_description: Some(description),
        };
        Ok((entries, output))
    })
}

/// `ContinuousBackupsDescription` of a table: continuous backups are always on; point-in-time
/// recovery as set by UpdateContinuousBackups.
fn continuous(pitr: Option<&PointInTimeRecovery>) -> Value {
    let recovery = match pitr {
        Some(p) => json!({
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": p.recovery_period_days,
            "EarliestRestorableDateTime": p.enabled_at,
            "LatestRestorableDateTime": now_seconds(),
        }),
        None => json!({"PointInTimeRecoveryStatus": "DISABLED"}),
    };
    json!({
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": recovery,
    })
}

pub fn describe_continuous(
    call: &Call,
) -> Result<model::DescribeContinuousBackupsOutput, ApiError> {
    let name = table_name(call)?;
    let store = call.state.dynamodb();
    let table = table(&store, call, &name, table_not_found)?;
    crate::model::decode(json!({
        "ContinuousBackupsDescription": continuous(table.meta.pitr.as_ref())
    }))
}

pub fn update_continuous(call: &Call) -> Result<model::UpdateContinuousBackupsOutput, ApiError> {
    let name = table_name(call)?;
    let spec = &call.input["PointInTimeRecoverySpecification"];
    let enabled = spec["PointInTimeRecoveryEnabled"]
        .as_bool()
        .unwrap_or(false);
    let days = spec["RecoveryPeriodInDays"].as_i64();
    call.state.commit_dynamodb(|store| {
        let mut meta = table(store, call, &name, table_not_found)?.meta.clone();
        meta.pitr = match (enabled, meta.pitr.take()) {
            (false, _) => None,
            (true, Some(current)) => Some(PointInTimeRecovery {
                recovery_period_days: days.unwrap_or(current.recovery_period_days),
                ..current
            }),
            (true, None) => Some(PointInTimeRecovery {
                enabled_at: now_seconds(),
                recovery_period_days: days.unwrap_or(DEFAULT_RECOVERY_DAYS),
            }),
        };
        let output = json!({"ContinuousBackupsDescription": continuous(meta.pitr.as_ref())});
        Ok((
            vec![entry(call, DynamoChange::TableUpdated { meta })],
            crate::model::decode(output)?,
        ))
    })
}
