// Written by awsredirect serve next to an unpacked Lambda function and run as
// `node runner.mjs RESULT_FILE EVENT_FILE`: imports the handler named by _HANDLER from
// LAMBDA_TASK_ROOT, calls it with the event and a context object (async or callback style),
// and writes {"ok": bool, "payload": "<json text>"} to RESULT_FILE. Everything logged is the log.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [resultPath, eventPath] = process.argv.slice(2);
const deadline = Date.now() + Number(process.env.AWSREDIRECT_TIMEOUT) * 1000;

function finish(ok, value) {
  const payload = JSON.stringify(value === undefined ? null : value);
  fs.writeFileSync(resultPath, JSON.stringify({ ok, payload }));
  process.exit(0);
}

function failure(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  console.error(e.stack || String(e));
  return { errorType: e.name || "Error", errorMessage: e.message, trace: String(e.stack || "").split("\n") };
}

function moduleFile(base) {
  for (const ext of [".js", ".mjs", ".cjs"]) {
    if (fs.existsSync(base + ext)) return base + ext;
  }
  throw Object.assign(new Error(`Cannot find module '${path.basename(base)}'`), { name: "Runtime.ImportModuleError" });
}

const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn: process.env.AWSREDIRECT_FUNCTION_ARN,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: process.env.AWSREDIRECT_REQUEST_ID,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};

try {
  const event = JSON.parse(fs.readFileSync(eventPath, "utf8"));
  const handler = process.env._HANDLER;
  const dot = handler.lastIndexOf(".");
  const file = moduleFile(path.join(process.env.LAMBDA_TASK_ROOT, handler.slice(0, dot)));
  const mod = await import(pathToFileURL(file).href);
  const name = handler.slice(dot + 1);
  const fn = mod[name] ?? mod.default?.[name];
  if (typeof fn !== "function") {
    throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  }
  const result = fn.length >= 3
    ? await new Promise((resolve, reject) => fn(event, context, (err, value) => (err ? reject(err) : resolve(value))))
    : await fn(event, context);
  finish(true, result);
} catch (error) {
  finish(false, failure(error));
}
