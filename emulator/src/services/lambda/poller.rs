//! The poller behind SQS event source mappings: while the server runs, one task per enabled
//! mapping receives batches from its queue through SQS's own ReceiveMessage path (visibility,
//! receive counts and RedrivePolicy dead-letter moves apply as for any consumer), invokes the
//! function with the SQS event and deletes what succeeded.
//!
//! Idle cost: a worker waits in a 20 s long poll, which sleeps on the queue's notification (a
//! send wakes it at once) rather than polling; the supervisor wakes when a mapping changes
//! (`App::event_sources_changed`) and otherwise rescans the stored mappings every
//! [`RESCAN`], which catches what changes them without that notification (a reset, a restart's
//! replay). Nothing spins: a failing receive or invocation backs off for [`ERROR_BACKOFF`].
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio::task::{AbortHandle, JoinHandle, JoinSet};

use super::mappings::{self, QueueArn};
use super::sqs_event::{self, Outcome};
use crate::context::{new_request_id, Context, Scheme};
use crate::error::ApiError;
use crate::generated::sqs as sqs_model;
use crate::server::App;
use crate::services::sqs::{self, Sqs};

/// How often the supervisor looks at the stored mappings without being told of a change.
const RESCAN: Duration = Duration::from_secs(2);
/// How long a worker waits after a receive or an invocation failed before trying again.
const ERROR_BACKOFF: Duration = Duration::from_secs(1);
/// The long poll of each receive (SQS's maximum).
const LONG_POLL_SECONDS: i32 = 20;
/// The most messages one ReceiveMessage returns.
const RECEIVE_MAX: usize = 10;

/// Starts the poller; it stops when the server stops (or when the handle is aborted, which
/// aborts every worker with it).
pub fn start(app: Arc<App>) -> JoinHandle<()> {
    tokio::spawn(supervise(app))
}

/// A mapping's identity across accounts and regions: (account, region, UUID).
type Key = (String, String, String);

/// A running worker and the stored mapping it was started from.
struct Running {
    doc: Value,
    handle: AbortHandle,
}

async fn supervise(app: Arc<App>) {
    let mut workers: JoinSet<()> = JoinSet::new();
    let mut running: HashMap<Key, Running> = HashMap::new();
    let mut stopping = app.stopping.clone();
    loop {
        let changed = app.event_sources_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        if *stopping.borrow() {
            break;
        }
        reconcile(&app, &mut workers, &mut running);
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep(RESCAN) => {}
            _ = stopping.changed() => {}
            Some(_) = workers.join_next(), if !workers.is_empty() => {}
        }
    }
    workers.abort_all();
}

/// Every enabled mapping, by key.
fn enabled_mappings(app: &App) -> HashMap<Key, Value> {
    let store = app.state.docs();
    store
        .docs
        .iter()
        .filter(|(scope, _)| scope.0 == "lambda" && scope.3 == mappings::KIND)
        .flat_map(|(scope, docs)| {
            docs.iter()
                .map(move |(uuid, doc)| ((scope.1.clone(), scope.2.clone(), uuid.clone()), doc))
        })
        .filter(|(_, doc)| doc["State"] == "Enabled")
        .map(|(key, doc)| (key, doc.clone()))
        .collect()
}

/// Starts a worker for each enabled mapping without one, restarts those whose mapping changed
/// or whose worker ended, and stops those whose mapping is gone or disabled.
fn reconcile(app: &Arc<App>, workers: &mut JoinSet<()>, running: &mut HashMap<Key, Running>) {
    let wanted = enabled_mappings(app);
    let stale: HashSet<Key> = running
        .iter()
        .filter(|(key, r)| wanted.get(*key) != Some(&r.doc) || r.handle.is_finished())
        .map(|(key, _)| key.clone())
        .collect();
    for key in &stale {
        if let Some(r) = running.remove(key) {
            r.handle.abort();
        }
    }
    for (key, doc) in wanted {
        if running.contains_key(&key) {
            continue;
        }
        let Some(mapping) = Mapping::from_doc(&key, &doc) else {
            continue;
        };
        let handle = workers.spawn(work(app.clone(), mapping));
        running.insert(key, Running { doc, handle });
    }
}

/// What a worker needs of its mapping.
struct Mapping {
    /// The stored mapping the worker was started from, and its key: a batch received after
    /// the mapping changed is handed back (`process_batch`).
    key: Key,
    doc: Value,
    account: String,
    region: String,
    queue: QueueArn,
    queue_arn: String,
    function: String,
    batch_size: usize,
    window: Duration,
    report_failures: bool,
    /// The `FilterCriteria` patterns; none passes every message.
    filters: Vec<Map<String, Value>>,
}

impl Mapping {
    fn from_doc(key: &Key, doc: &Value) -> Option<Mapping> {
        let queue_arn = doc["EventSourceArn"].as_str()?.to_string();
        let report_failures = doc["FunctionResponseTypes"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures"));
        Some(Mapping {
            key: key.clone(),
            doc: doc.clone(),
            account: key.0.clone(),
            region: key.1.clone(),
            queue: mappings::parse_queue_arn(&queue_arn).ok()?,
            queue_arn,
            function: doc["FunctionArn"].as_str()?.to_string(),
            batch_size: usize::try_from(doc["BatchSize"].as_u64()?).ok()?.max(1),
            window: Duration::from_secs(
                doc["MaximumBatchingWindowInSeconds"].as_u64().unwrap_or(0),
            ),
            report_failures,
            filters: filter_patterns(doc),
        })
    }

    /// Whether the stored mapping is still the one this worker was started from (enabled and
    /// unchanged).
    fn is_current(&self, app: &App) -> bool {
        enabled_mappings(app).get(&self.key) == Some(&self.doc)
    }

    /// The queue's URL as SQS's operations read it (only the path counts).
    fn queue_url(&self, app: &App) -> String {
        format!(
            "http://{}/{}/{}",
            app.addr, self.queue.account, self.queue.name
        )
    }

    /// The context the mapping's calls run in: its account and region, a fresh request id.
    fn context(&self, app: &App) -> Context {
        Context {
            account: self.account.clone(),
            region: self.region.clone(),
            access_key: self.account.clone(),
            request_id: new_request_id(),
            host: app.addr.to_string(),
            scheme: Scheme::Http,
        }
    }
}

/// The patterns of a stored mapping's `FilterCriteria` (validated when it was stored).
fn filter_patterns(doc: &Value) -> Vec<Map<String, Value>> {
    doc["FilterCriteria"]["Filters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["Pattern"].as_str())
        .filter_map(|p| serde_json::from_str(p).ok())
        .collect()
}

/// Processes batches until the server stops or the mapping changes (the supervisor then starts
/// a worker for the mapping as it is, or none).
async fn work(app: Arc<App>, mapping: Mapping) {
    let mut stopping = app.stopping.clone();
    while !*stopping.borrow() && mapping.is_current(&app) {
        if process_batch(&app, &mapping).await.is_err() {
            tokio::select! {
                () = tokio::time::sleep(ERROR_BACKOFF) => {}
                _ = stopping.changed() => {}
            }
        }
    }
}

/// Receives one batch, invokes the function with it and deletes what succeeded; a failed
/// invocation leaves the batch to become visible again after the visibility timeout.
async fn process_batch(app: &App, mapping: &Mapping) -> Result<(), ApiError> {
    let url = mapping.queue_url(app);
    let batch = gather(app, mapping, &url).await?;
    if batch.is_empty() {
        return Ok(());
    }
    let ctx = mapping.context(app);
    let sqs = Sqs {
        state: &app.state,
        stopping: &app.stopping,
    };
    // Changed (its filters cleared, say) while this worker waited in its long poll: the batch
    // goes back to the queue for the worker of the mapping as it is now, instead of being
    // judged by what it was.
    if !mapping.is_current(app) {
        let handles: Vec<String> = batch.into_iter().filter_map(|m| m.receipt_handle).collect();
        sqs::release_received(&sqs, &ctx, &url, &handles);
        return Ok(());
    }
    // Messages no filter matches are deleted without an invocation, as Lambda does for SQS.
    let event = sqs_event::event(&batch, &mapping.queue_arn, &mapping.region);
    let records = event["Records"].as_array().cloned().unwrap_or_default();
    let (batch, dropped): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .zip(&records)
        .partition(|(_, record)| sqs_event::passes_filters(record, &mapping.filters));
    let dropped: Vec<String> = dropped
        .into_iter()
        .filter_map(|(m, _)| m.receipt_handle)
        .collect();
    sqs::delete_received(&sqs, &ctx, &url, &dropped)?;
    let batch: Vec<sqs_model::Message> = batch.into_iter().map(|(m, _)| m).collect();
    if batch.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = batch.iter().filter_map(|m| m.message_id.clone()).collect();
    let event = sqs_event::event(&batch, &mapping.queue_arn, &mapping.region);
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    let result = super::invoke_waiting(app, &ctx, &mapping.function, payload).await?;
    let Outcome::DeleteAllBut(failed) = sqs_event::outcome(&result, mapping.report_failures, &ids)
    else {
        return Ok(());
    };
    let handles: Vec<String> = batch
        .iter()
        .filter(|m| m.message_id.as_ref().is_none_or(|id| !failed.contains(id)))
        .filter_map(|m| m.receipt_handle.clone())
        .collect();
    sqs::delete_received(&sqs, &ctx, &url, &handles)
}

/// Up to `BatchSize` messages: a long poll for the first, then, with a batching window, more
/// receives until the batch is full or the window (counted from the first message) closes.
async fn gather(
    app: &App,
    mapping: &Mapping,
    url: &str,
) -> Result<Vec<sqs_model::Message>, ApiError> {
    let first = mapping.batch_size.min(RECEIVE_MAX);
    let mut batch = receive(app, mapping, url, first, LONG_POLL_SECONDS).await?;
    if batch.is_empty() || mapping.window.is_zero() {
        return Ok(batch);
    }
    let deadline = Instant::now() + mapping.window;
    while batch.len() < mapping.batch_size && !*app.stopping.borrow() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // Whole seconds, as ReceiveMessage waits; the window may run over by under a second.
        let wait = i32::try_from(left.as_millis().div_ceil(1000))
            .unwrap_or(LONG_POLL_SECONDS)
            .min(LONG_POLL_SECONDS);
        let max = (mapping.batch_size - batch.len()).min(RECEIVE_MAX);
        match receive(app, mapping, url, max, wait).await {
            Ok(more) => batch.extend(more),
            // Keep what was received; the next batch finds out whether the queue is gone.
            Err(_) => break,
        }
    }
    Ok(batch)
}

/// One ReceiveMessage on the mapping's queue with every attribute, as Lambda receives.
async fn receive(
    app: &App,
    mapping: &Mapping,
    url: &str,
    max: usize,
    wait: i32,
) -> Result<Vec<sqs_model::Message>, ApiError> {
    let sqs = Sqs {
        state: &app.state,
        stopping: &app.stopping,
    };
    let input = sqs_model::ReceiveMessageRequest {
        queue_url: url.to_string(),
        attribute_names: Some(vec!["All".to_string()]),
        message_attribute_names: Some(vec!["All".to_string()]),
        max_number_of_messages: Some(i32::try_from(max).unwrap_or(10)),
        wait_time_seconds: Some(wait),
        ..Default::default()
    };
    let ctx = mapping.context(app);
    let result = sqs::receive_messages(&sqs, &ctx, input).await?;
    Ok(result.messages.unwrap_or_default())
}
