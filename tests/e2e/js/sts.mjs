// STS through @aws-sdk/client-sts against argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

const client = new STSClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const identity = await client.send(new GetCallerIdentityCommand({}));
assert.equal(identity.Account, "000000000000");
assert.equal(identity.Arn, "arn:aws:iam::000000000000:root");
console.log("ok");
