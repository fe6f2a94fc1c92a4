//! Invoke: unpacks the stored zip into a temporary directory, writes a small runner script
//! next to it and runs the handler under `python3` or `node` with the event in a file, the
//! function's timeout enforced and `AWS_ENDPOINT_URL` pointing back at this emulator.
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::process::Command;

use super::event_config;
use super::versions::{self, Target};
use crate::context::Context;
use crate::error::ApiError;
use crate::generated::lambda as model;
use crate::server::App;
use crate::services::delivery::{self, Delivery};

const PYTHON_RUNNER: &str = include_str!("runner.py");
const NODE_RUNNER: &str = include_str!("runner.mjs");
/// How much of the log `LogType: Tail` returns, as Lambda does.
const LOG_TAIL_BYTES: usize = 4096;
/// How long Lambda keeps retrying an asynchronous event by default (six hours).
const MAX_EVENT_AGE: Duration = Duration::from_secs(6 * 60 * 60);

/// Everything one run of a function needs, owned so `Event` invocations can run detached.
#[derive(Clone)]
struct Job {
    interpreter: &'static str,
    runner: (&'static str, &'static str),
    config: Value,
    /// The stored zip, shared with the store.
    zip: Bytes,
    event: Vec<u8>,
    endpoint: String,
    region: String,
    arn: String,
    request_id: String,
}

/// What a run produced.
struct Outcome {
    payload: String,
    function_error: bool,
    log: String,
}

/// The interpreter and runner (file name, text) for a runtime, or why it cannot run.
fn runtime_for(runtime: &str) -> Result<(&'static str, (&'static str, &'static str)), ApiError> {
    if runtime.starts_with("python3") {
        Ok(("python3", ("awsredirect_runner.py", PYTHON_RUNNER)))
    } else if runtime.starts_with("nodejs") {
        Ok(("node", ("awsredirect_runner.mjs", NODE_RUNNER)))
    } else {
        Err(ApiError::new(
            502,
            "InvalidRuntimeException",
            format!(
                "awsredirect serve runs python3.x and nodejs* functions only; it cannot run runtime {runtime:?}"
            ),
        ))
    }
}

pub async fn invoke(
    app: &App,
    ctx: &Context,
    target: &Target,
    input: model::InvocationRequest,
) -> Result<model::InvocationResponse, ApiError> {
    let event = match input.payload {
        Some(payload) if !payload.0.iter().all(u8::is_ascii_whitespace) => payload.0,
        _ => b"{}".to_vec(),
    };
    let job = job_for(app, ctx, target, event)?;
    // The model's enum admits only these three.
    match input
        .invocation_type
        .as_deref()
        .unwrap_or("RequestResponse")
    {
        "Event" => {
            run_async(app, ctx, job);
            Ok(model::InvocationResponse {
                status_code: Some(202),
                ..Default::default()
            })
        }
        "DryRun" => Ok(model::InvocationResponse {
            status_code: Some(204),
            ..Default::default()
        }),
        _ => {
            let outcome = run(job).await?;
            let tail = input.log_type.as_deref() == Some("Tail");
            Ok(answer(&outcome, tail))
        }
    }
}

/// Lambda's asynchronous invocation of `function` (a name or ARN, with or without a
/// qualifier) with `event`, for another service's delivery (`delivery::send`): `Ok` once the
/// event is accepted (the function exists and can run); the runs happen in the background.
pub fn invoke_async(
    app: &App,
    ctx: &Context,
    function: &str,
    event: Vec<u8>,
) -> Result<(), ApiError> {
    let target = versions::resolve(app, ctx, function, None)?;
    let job = job_for(app, ctx, &target, event)?;
    run_async(app, ctx, job);
    Ok(())
}

/// Runs an accepted asynchronous event as Lambda does: on a function error or a failed run it
/// is retried (the function's `MaximumRetryAttempts`, `delivery::RETRIES` by default, after
/// `delivery::retry_delay`) while it is younger than its `MaximumEventAgeInSeconds`; then the
/// invocation record goes to the `OnSuccess` or `OnFailure` destination, and a failed event to
/// the function's `DeadLetterConfig` target with the `RequestID`, `ErrorCode` and
/// `ErrorMessage` attributes AWS sets.
fn run_async(app: &App, ctx: &Context, job: Job) {
    let Some(app) = app.handle() else { return };
    let ctx = ctx.clone();
    let name = job.config["FunctionName"].as_str().unwrap_or_default();
    let qualifier = versions::qualifier_in(&job.arn).unwrap_or("$LATEST");
    let settings =
        event_config::lookup(&app.state.docs(), &ctx, name, qualifier).unwrap_or_default();
    let retries = settings
        .maximum_retry_attempts
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(delivery::RETRIES);
    let max_age = settings
        .maximum_event_age_in_seconds
        .and_then(|n| u64::try_from(n).ok())
        .map_or(MAX_EVENT_AGE, Duration::from_secs);
    let destinations = settings.destination_config.unwrap_or_default();
    let on_success = destinations.on_success.and_then(|d| d.destination);
    let on_failure = destinations.on_failure.and_then(|d| d.destination);
    tokio::spawn(async move {
        let started = Instant::now();
        let mut error = String::new();
        let mut response = None;
        let mut attempts = 0;
        let mut condition = event_config::Condition::RetriesExhausted;
        for n in 0..=retries {
            if n > 0 {
                tokio::time::sleep(delivery::retry_delay(n)).await;
                if started.elapsed() > max_age {
                    condition = event_config::Condition::EventAgeExceeded;
                    break;
                }
            }
            attempts += 1;
            match run(job.clone()).await {
                Ok(outcome) if !outcome.function_error => {
                    if let Some(target) = &on_success {
                        let answer = Some((outcome.payload.as_str(), false));
                        let record =
                            record(&job, event_config::Condition::Success, attempts, answer);
                        delivery::send(&app, &ctx, Delivery::new(target, record));
                    }
                    return;
                }
                Ok(outcome) => {
                    error = outcome.payload.clone();
                    response = Some(outcome.payload);
                }
                Err(e) => {
                    error = e.message.clone();
                    response = None;
                }
            }
        }
        if let Some(target) = &on_failure {
            let answer = response.as_deref().map(|payload| (payload, true));
            let record = record(&job, condition, attempts, answer);
            delivery::send(&app, &ctx, Delivery::new(target, record));
        }
        dead_letter(&app, &ctx, &job, &error);
    });
}

/// The invocation record of `job` for a destination.
fn record(
    job: &Job,
    condition: event_config::Condition,
    attempts: u32,
    response: Option<(&str, bool)>,
) -> String {
    event_config::invocation_record(&event_config::AsyncOutcome {
        request_id: &job.request_id,
        function_arn: &job.arn,
        condition,
        attempts,
        event: &job.event,
        executed_version: job.config["Version"].as_str().unwrap_or("$LATEST"),
        response,
    })
}

/// Sends a failed event to the function's `DeadLetterConfig` target, if it has one.
fn dead_letter(app: &App, ctx: &Context, job: &Job, error: &str) {
    let Some(target) = job.config["DeadLetterConfig"]["TargetArn"].as_str() else {
        return;
    };
    let mut dead = Delivery::new(target, String::from_utf8_lossy(&job.event));
    dead.retries = 0;
    dead.attributes = BTreeMap::from([
        ("RequestID", job.request_id.as_str()),
        ("ErrorCode", "200"),
        ("ErrorMessage", error),
    ])
    .into_iter()
    .map(|(name, value)| (name.to_string(), delivery::string_attribute(value)))
    .collect();
    delivery::send(app, ctx, dead);
}

/// Runs a function with `event` and waits for it (another service's synchronous call, such as a
/// Secrets Manager rotation step): the result payload, or the function's error payload as `Err`.
pub async fn invoke_waiting(
    app: &App,
    ctx: &Context,
    function: &str,
    event: Vec<u8>,
) -> Result<Result<String, String>, ApiError> {
    let target = versions::resolve(app, ctx, function, None)?;
    let outcome = run(job_for(app, ctx, &target, event)?).await?;
    Ok(match outcome.function_error {
        false => Ok(outcome.payload),
        true => Err(outcome.payload),
    })
}

/// Everything a run of the target's version with `event` needs.
fn job_for(app: &App, ctx: &Context, target: &Target, event: Vec<u8>) -> Result<Job, ApiError> {
    let config = versions::stored_configuration(app, ctx, target)?;
    if super::functions::is_image(&config) {
        return Err(ApiError::not_implemented(
            "Lambda",
            "running container image functions (there is no container runtime)",
        ));
    }
    let (interpreter, runner) = runtime_for(config["Runtime"].as_str().unwrap_or(""))?;
    if let Err(e) = serde_json::from_slice::<Value>(&event) {
        return Err(ApiError::new(
            400,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {e}"),
        ));
    }
    let zip = versions::stored_code(&app.state.docs(), ctx, target).ok_or_else(|| {
        ApiError::new(
            500,
            "ServiceException",
            "the stored function code is corrupt",
        )
    })?;
    Ok(Job {
        interpreter,
        runner,
        config,
        zip,
        event,
        endpoint: own_endpoint(app),
        region: ctx.region.clone(),
        arn: target.arn(ctx),
        request_id: ctx.request_id.clone(),
    })
}

/// This emulator's URL on the loopback interface.
fn own_endpoint(app: &App) -> String {
    let ip = app.addr.ip();
    let host = if ip.is_unspecified() {
        "127.0.0.1".to_string()
    } else if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    format!("http://{host}:{}", app.addr.port())
}

fn answer(outcome: &Outcome, tail: bool) -> model::InvocationResponse {
    let log_result = tail.then(|| {
        let bytes = outcome.log.as_bytes();
        let start = bytes.len().saturating_sub(LOG_TAIL_BYTES);
        BASE64.encode(&bytes[start..])
    });
    model::InvocationResponse {
        status_code: Some(200),
        function_error: outcome.function_error.then(|| "Unhandled".to_string()),
        log_result,
        payload: Some(crate::model::Blob(outcome.payload.clone().into_bytes())),
        executed_version: Some("$LATEST".to_string()),
        ..Default::default()
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(500, "ServiceException", format!("{what}: {e}"))
}

/// Unpacks the code, writes the runner and the event, runs the handler and collects the result.
async fn run(job: Job) -> Result<Outcome, ApiError> {
    let dir =
        tempfile::tempdir().map_err(|e| internal("cannot create a temporary directory", e))?;
    let task = dir.path().join("task");
    zip::ZipArchive::new(Cursor::new(&job.zip[..]))
        .and_then(|mut archive| archive.extract(&task))
        .map_err(|e| internal("cannot unpack the function code", e))?;
    let runner = dir.path().join(job.runner.0);
    let event = dir.path().join("event.json");
    let result = dir.path().join("result.json");
    std::fs::write(&runner, job.runner.1).map_err(|e| internal("cannot write the runner", e))?;
    std::fs::write(&event, &job.event).map_err(|e| internal("cannot write the event", e))?;
    if job.interpreter == "node" {
        link_runtime_modules(dir.path());
    }
    let timeout = job.config["Timeout"].as_u64().unwrap_or(3);
    let mut command = Command::new(job.interpreter);
    command
        .arg(&runner)
        .arg(&result)
        .arg(&event)
        .current_dir(&task)
        .env_clear()
        .envs(environment(&job, &task, dir.path(), timeout))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let child = command.spawn().map_err(|e| {
        ApiError::new(
            502,
            "InvalidRuntimeException",
            format!(
                "awsredirect serve cannot start {} for runtime {}: {e}",
                job.interpreter,
                job.config["Runtime"].as_str().unwrap_or("")
            ),
        )
    })?;
    let waited = tokio::time::timeout(Duration::from_secs(timeout), child.wait_with_output()).await;
    let elapsed = started.elapsed();
    let (output_log, timed_out) = match waited {
        Ok(Ok(output)) => {
            let mut log = String::from_utf8_lossy(&output.stdout).into_owned();
            log.push_str(&String::from_utf8_lossy(&output.stderr));
            (log, false)
        }
        Ok(Err(e)) => return Err(internal("the function process failed", e)),
        Err(_) => (String::new(), true),
    };
    let (payload, function_error) = if timed_out {
        let message = format!(
            "RequestId: {} Error: Task timed out after {timeout}.00 seconds",
            job.request_id
        );
        (
            json!({ "errorType": "Sandbox.Timedout", "errorMessage": message }).to_string(),
            true,
        )
    } else {
        read_result(&result, &job.request_id)
    };
    let log = log_text(&job, &output_log, elapsed, timed_out);
    Ok(Outcome {
        payload,
        function_error,
        log,
    })
}

/// The payload and whether it is an error, from the runner's result file.
fn read_result(path: &Path, request_id: &str) -> (String, bool) {
    let parsed = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    match parsed {
        Some(result) => (
            result["payload"].as_str().unwrap_or("null").to_string(),
            result["ok"] != Value::Bool(true),
        ),
        None => (
            json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": format!("RequestId: {request_id} Error: Runtime exited without providing a reason"),
            })
            .to_string(),
            true,
        ),
    }
}

/// The function's environment: its own variables, then Lambda's reserved ones, with the AWS
/// SDKs pointed at this emulator with dummy credentials.
fn environment(job: &Job, task: &Path, home: &Path, timeout: u64) -> Vec<(String, String)> {
    let name = job.config["FunctionName"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let memory = job.config["MemorySize"].as_u64().unwrap_or(128).to_string();
    let mut env: Vec<(String, String)> = job.config["Environment"]["Variables"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect();
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let fixed = [
        ("PATH", path),
        ("HOME", home.display().to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("TZ", ":UTC".to_string()),
        ("PYTHONUNBUFFERED", "1".to_string()),
        ("PYTHONDONTWRITEBYTECODE", "1".to_string()),
        ("LAMBDA_TASK_ROOT", task.display().to_string()),
        (
            "_HANDLER",
            job.config["Handler"].as_str().unwrap_or("").to_string(),
        ),
        (
            "AWS_EXECUTION_ENV",
            format!(
                "AWS_Lambda_{}",
                job.config["Runtime"].as_str().unwrap_or("")
            ),
        ),
        ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            format!("awsredirect/{}", job.request_id),
        ),
        ("AWS_REGION", job.region.clone()),
        ("AWS_DEFAULT_REGION", job.region.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_SESSION_TOKEN", "test".to_string()),
        ("AWS_ENDPOINT_URL", job.endpoint.clone()),
        ("AWS_CONFIG_FILE", "/dev/null".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWSREDIRECT_FUNCTION_ARN", job.arn.clone()),
        ("AWSREDIRECT_REQUEST_ID", job.request_id.clone()),
        ("AWSREDIRECT_TIMEOUT", timeout.to_string()),
    ];
    env.retain(|(k, _)| !fixed.iter().any(|(f, _)| f == k));
    env.extend(fixed.into_iter().map(|(k, v)| (k.to_string(), v)));
    if let Some(path) = runtime_node_path().filter(|_| job.interpreter == "node") {
        env.retain(|(k, _)| k != "NODE_PATH");
        env.push(("NODE_PATH".to_string(), path));
    }
    env
}

/// The server's `NODE_PATH`: where the packages a Node.js runtime provides are found. Lambda's
/// `nodejs18.x` and later runtimes include the AWS SDK for JavaScript v3, so functions import it
/// without bundling it; `awsredirect serve` gives its Node.js functions the packages under its
/// own `NODE_PATH` the same way.
fn runtime_node_path() -> Option<String> {
    std::env::var("NODE_PATH").ok().filter(|p| !p.is_empty())
}

/// `NODE_PATH` serves CommonJS `require` only; ES modules resolve packages from the
/// `node_modules` directories above the importing file. So the first `NODE_PATH` directory is
/// also linked as `node_modules` beside the unpacked code (`task/`), where an `import` from a
/// handler looks after the function's own `node_modules`. Best effort: without the link an
/// import fails as it would without the package.
fn link_runtime_modules(run_dir: &Path) {
    let Some(path) = runtime_node_path() else {
        return;
    };
    let Some(first) = std::env::split_paths(&path).find(|p| p.is_dir()) else {
        return;
    };
    #[cfg(unix)]
    let _ = std::os::unix::fs::symlink(first, run_dir.join("node_modules"));
}

/// The log as Lambda frames it: START, the function's output, END and REPORT lines.
fn log_text(job: &Job, output: &str, elapsed: Duration, timed_out: bool) -> String {
    let id = &job.request_id;
    let millis = elapsed.as_secs_f64() * 1000.0;
    let memory = job.config["MemorySize"].as_u64().unwrap_or(128);
    let mut log = format!("START RequestId: {id} Version: $LATEST\n{output}");
    if !output.is_empty() && !output.ends_with('\n') {
        log.push('\n');
    }
    if timed_out {
        log.push_str(&format!(
            "{} {id} Task timed out after {}.00 seconds\n",
            crate::timefmt::iso8601(crate::timefmt::now_millis()),
            job.config["Timeout"].as_u64().unwrap_or(3)
        ));
    }
    log.push_str(&format!(
        "END RequestId: {id}\nREPORT RequestId: {id}\tDuration: {millis:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory} MB\tMax Memory Used: {memory} MB\t\n",
        millis.ceil() as u64
    ));
    log
}
