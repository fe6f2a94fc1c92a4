//! DynamoDB's store: tables by account and region, each with its description and its items
//! ordered by key, and on-demand backups (snapshots of a table's definition and items). Table,
//! item and backup changes are journaled as [`DynamoChange`]s.
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::record::{Entry, Record};
use super::Apply;
use crate::services::dynamodb::values::{key_part, KeyPart};

/// An item in wire form: attribute name to `{"S": ...}`-style value.
pub type Item = Map<String, Value>;

/// The primary key of an item: partition part and optional sort part.
pub type ItemKey = (KeyPart, Option<KeyPart>);

/// Tables by (account, region) and name; backups by (account, region) and ARN.
#[derive(Default)]
pub struct DynamoStore {
    pub regions: HashMap<(String, String), BTreeMap<String, Table>>,
    pub backups: HashMap<(String, String), BTreeMap<String, Backup>>,
}

/// An on-demand backup: the table's definition and items when it was taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backup {
    pub arn: String,
    pub name: String,
    /// Epoch seconds.
    pub created: f64,
    pub table: TableMeta,
    pub items: Vec<Item>,
}

/// Point-in-time recovery settings of a table while it is enabled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointInTimeRecovery {
    /// Epoch seconds at which recovery was enabled (the earliest restorable time).
    pub enabled_at: f64,
    pub recovery_period_days: i64,
}

/// One table: its description (the `TableDescription` shape, without counts) and items.
pub struct Table {
    pub meta: TableMeta,
    pub items: BTreeMap<ItemKey, Item>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableMeta {
    pub name: String,
    /// `TableDescription` fields as created or updated (KeySchema, indexes, ...).
    pub description: Value,
    pub hash_key: String,
    pub range_key: Option<String>,
    /// The attribute holding items' expiry (epoch seconds) while Time to Live is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Point-in-time recovery, while enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitr: Option<PointInTimeRecovery>,
}

/// One journaled change to DynamoDB's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "change")]
pub enum DynamoChange {
    TableCreated { meta: TableMeta },
    TableUpdated { meta: TableMeta },
    TableDeleted { name: String },
    ItemPut { table: String, item: Item },
    ItemDeleted { table: String, key: Item },
    BackupCreated { backup: Backup },
    BackupDeleted { arn: String },
}

impl TableMeta {
    /// The store key of an item (or key map), if it has the table's key attributes.
    pub fn key_of(&self, item: &Item) -> Option<ItemKey> {
        let hash = key_part(item.get(&self.hash_key)?)?;
        let range = match &self.range_key {
            Some(name) => Some(key_part(item.get(name)?)?),
            None => None,
        };
        Some((hash, range))
    }

    /// Whether Time to Live has expired `item` at `now` (epoch seconds): its TTL attribute is a
    /// number before `now` and, as AWS documents, not more than five years before it (older
    /// values are never deleted). Expired items read as deleted.
    pub fn expired(&self, item: &Item, now: f64) -> bool {
        const FIVE_YEARS: f64 = 5.0 * 365.0 * 86_400.0;
        let Some(name) = &self.ttl_attribute else {
            return false;
        };
        let expiry = item
            .get(name)
            .and_then(|v| v.get("N"))
            .and_then(Value::as_str)
            .and_then(|n| n.parse::<f64>().ok());
        expiry.is_some_and(|at| at < now && at >= now - FIVE_YEARS)
    }

    /// Just the key attributes of an item.
    pub fn key_attributes(&self, item: &Item) -> Item {
        let mut key = Item::new();
        for name in std::iter::once(&self.hash_key).chain(self.range_key.iter()) {
            if let Some(v) = item.get(name) {
                key.insert(name.clone(), v.clone());
            }
        }
        key
    }
}

impl DynamoStore {
    pub fn tables(&self, account: &str, region: &str) -> Option<&BTreeMap<String, Table>> {
        self.regions.get(&(account.to_string(), region.to_string()))
    }

    pub fn table(&self, account: &str, region: &str, name: &str) -> Option<&Table> {
        self.tables(account, region)?.get(name)
    }

    /// Entries that recreate every table and item.
    pub fn snapshot(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for ((account, region), tables) in &self.regions {
            let record = |change| {
                Entry::new(Record::Dynamo {
                    account: account.clone(),
                    region: region.clone(),
                    change,
                })
            };
            for table in tables.values() {
                entries.push(record(DynamoChange::TableCreated {
                    meta: table.meta.clone(),
                }));
                for item in table.items.values() {
                    entries.push(record(DynamoChange::ItemPut {
                        table: table.meta.name.clone(),
                        item: item.clone(),
                    }));
                }
            }
        }
        for ((account, region), backups) in &self.backups {
            for backup in backups.values() {
                entries.push(Entry::new(Record::Dynamo {
                    account: account.clone(),
                    region: region.clone(),
                    change: DynamoChange::BackupCreated {
                        backup: backup.clone(),
                    },
                }));
            }
        }
        entries
    }

    /// The backups of an account and region, by ARN.
    pub fn backups(&self, account: &str, region: &str) -> Option<&BTreeMap<String, Backup>> {
        self.backups.get(&(account.to_string(), region.to_string()))
    }

    fn apply_change(&mut self, account: &str, region: &str, change: &DynamoChange) {
        let place = (account.to_string(), region.to_string());
        match change {
            DynamoChange::BackupCreated { backup } => {
                let backups = self.backups.entry(place).or_default();
                backups.insert(backup.arn.clone(), backup.clone());
            }
            DynamoChange::BackupDeleted { arn } => {
                if let Some(backups) = self.backups.get_mut(&place) {
                    backups.remove(arn);
                }
            }
            _ => self.apply_table_change(place, change),
        }
    }

    fn apply_table_change(&mut self, place: (String, String), change: &DynamoChange) {
        let tables = self.regions.entry(place).or_default();
        match change {
            DynamoChange::TableCreated { meta } => {
                tables.entry(meta.name.clone()).or_insert_with(|| Table {
                    meta: meta.clone(),
                    items: BTreeMap::new(),
                });
            }
            DynamoChange::TableUpdated { meta } => {
                if let Some(table) = tables.get_mut(&meta.name) {
                    table.meta = meta.clone();
                }
            }
            DynamoChange::TableDeleted { name } => {
                tables.remove(name);
            }
            DynamoChange::ItemPut { table, item } => {
                if let Some(table) = tables.get_mut(table) {
                    if let Some(key) = table.meta.key_of(item) {
                        table.items.insert(key, item.clone());
                    }
                }
            }
            DynamoChange::ItemDeleted { table, key } => {
                if let Some(table) = tables.get_mut(table) {
                    if let Some(key) = table.meta.key_of(key) {
                        table.items.remove(&key);
                    }
                }
            }
            DynamoChange::BackupCreated { .. } | DynamoChange::BackupDeleted { .. } => {}
        }
    }
}

impl Apply for DynamoStore {
    fn apply(&mut self, entry: &Entry) {
        match &entry.record {
            Record::Dynamo {
                account,
                region,
                change,
            } => self.apply_change(account, region, change),
            Record::Reset { service } if service == "dynamodb" => {
                self.regions.clear();
                self.backups.clear();
            }
            _ => {}
        }
    }
}
