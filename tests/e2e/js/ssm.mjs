// SSM Parameter Store through @aws-sdk/client-ssm against argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const {
  SSMClient, PutParameterCommand, GetParameterCommand, GetParametersCommand, GetParametersByPathCommand,
  DescribeParametersCommand, DeleteParameterCommand, DeleteParametersCommand, ParameterNotFound,
} = require("@aws-sdk/client-ssm");

const client = new SSMClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
await client.send(new PutParameterCommand({ Name: "/js/a", Value: "1", Type: "String" }));
await client.send(new PutParameterCommand({ Name: "/js/b", Value: "x,y", Type: "StringList" }));
await client.send(new PutParameterCommand({ Name: "/js/deep/c", Value: "s", Type: "SecureString" }));
const put = await client.send(new PutParameterCommand({ Name: "/js/a", Value: "2", Type: "String", Overwrite: true }));
assert.equal(put.Version, 2);
assert.equal((await client.send(new GetParameterCommand({ Name: "/js/a" }))).Parameter.Value, "2");
const secure = await client.send(new GetParameterCommand({ Name: "/js/deep/c", WithDecryption: true }));
assert.equal(secure.Parameter.Value, "s");
const many = await client.send(new GetParametersCommand({ Names: ["/js/a", "/js/none"] }));
assert.deepEqual(many.InvalidParameters, ["/js/none"]);
const flat = await client.send(new GetParametersByPathCommand({ Path: "/js" }));
assert.deepEqual(flat.Parameters.map((p) => p.Name), ["/js/a", "/js/b"]);
const deep = await client.send(new GetParametersByPathCommand({ Path: "/js", Recursive: true }));
assert.equal(deep.Parameters.length, 3);
const described = await client.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: ["/js/"] }] }));
assert.equal(described.Parameters.length, 3);
await client.send(new DeleteParameterCommand({ Name: "/js/a" }));
await assert.rejects(client.send(new GetParameterCommand({ Name: "/js/a" })), ParameterNotFound);
const deleted = await client.send(new DeleteParametersCommand({ Names: ["/js/b", "/js/deep/c"] }));
assert.equal(deleted.DeletedParameters.length, 2);
console.log("ok");
