// STS through @aws-sdk/client-sts against argv[2]: the caller, then AssumeRole and a client on
// the session's credentials; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } = require("@aws-sdk/client-sts");

const client = new STSClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const identity = await client.send(new GetCallerIdentityCommand({}));
assert.equal(identity.Account, "000000000000");
assert.equal(identity.Arn, "arn:aws:iam::000000000000:root");

const assumed = await client.send(new AssumeRoleCommand({
  RoleArn: "arn:aws:iam::210987654321:role/js-role",
  RoleSessionName: "js-session",
}));
assert.ok(assumed.Credentials.Expiration instanceof Date);
assert.ok(assumed.Credentials.Expiration.getTime() > Date.now());
const session = new STSClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: {
    accessKeyId: assumed.Credentials.AccessKeyId,
    secretAccessKey: assumed.Credentials.SecretAccessKey,
    sessionToken: assumed.Credentials.SessionToken,
  },
});
const asRole = await session.send(new GetCallerIdentityCommand({}));
assert.equal(asRole.Account, "210987654321");
assert.equal(asRole.Arn, "arn:aws:sts::210987654321:assumed-role/js-role/js-session");
console.log("ok");
