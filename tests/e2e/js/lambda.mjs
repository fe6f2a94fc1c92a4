// Lambda through @aws-sdk/client-lambda against argv[2]: a Node.js handler (async and callback
// style) created from a zip built here, invoked; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import zlib from "node:zlib";

const require = createRequire(import.meta.url);
const {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, ListFunctionsCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, InvokeCommand, DeleteFunctionCommand, ResourceNotFoundException,
} = require("@aws-sdk/client-lambda");

/** A zip archive of uncompressed files: {name: text}. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10); end.writeUInt32LE(centralSize, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const client = new LambdaClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const FunctionName = "js-fn";
await client.send(new CreateFunctionCommand({
  FunctionName, Runtime: "nodejs20.x", Handler: "index.handler", Role: "arn:aws:iam::000000000000:role/x",
  Code: { ZipFile: zip({ "index.js": "exports.handler = async (event, context) => ({ twice: event.n * 2, fn: context.functionName, mode: process.env.MODE });" }) },
  Environment: { Variables: { MODE: "async" } },
}));
assert.equal((await client.send(new GetFunctionCommand({ FunctionName }))).Configuration.Runtime, "nodejs20.x");
assert.ok((await client.send(new ListFunctionsCommand({}))).Functions.some((f) => f.FunctionName === FunctionName));
const decode = (out) => JSON.parse(Buffer.from(out.Payload).toString());
const first = await client.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify({ n: 21 }), LogType: "Tail" }));
assert.deepEqual(decode(first), { twice: 42, fn: FunctionName, mode: "async" });
assert.ok(Buffer.from(first.LogResult, "base64").toString().includes("REPORT RequestId"));

await client.send(new UpdateFunctionCodeCommand({
  FunctionName,
  ZipFile: zip({ "index.mjs": "export function handler(event, context, callback) { if (event.fail) return callback(new Error('nope')); callback(null, { mode: process.env.MODE }); }" }),
}));
await client.send(new UpdateFunctionConfigurationCommand({ FunctionName, Handler: "index.handler", Environment: { Variables: { MODE: "callback" } } }));
assert.deepEqual(decode(await client.send(new InvokeCommand({ FunctionName, Payload: "{}" }))), { mode: "callback" });
const failed = await client.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify({ fail: true }) }));
assert.equal(failed.FunctionError, "Unhandled");
assert.equal(decode(failed).errorMessage, "nope");
await client.send(new DeleteFunctionCommand({ FunctionName }));
await assert.rejects(client.send(new GetFunctionCommand({ FunctionName })), ResourceNotFoundException);
console.log("ok");
