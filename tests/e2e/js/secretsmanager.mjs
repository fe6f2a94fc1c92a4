// Secrets Manager through @aws-sdk/client-secrets-manager against argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const {
  SecretsManagerClient, CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretCommand,
  DescribeSecretCommand, ListSecretsCommand, DeleteSecretCommand, ResourceNotFoundException,
} = require("@aws-sdk/client-secrets-manager");

const client = new SecretsManagerClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const created = await client.send(new CreateSecretCommand({ Name: "js/secret", SecretString: "one" }));
assert.equal((await client.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString, "one");
await client.send(new PutSecretValueCommand({ SecretId: "js/secret", SecretString: "two" }));
const previous = await client.send(new GetSecretValueCommand({ SecretId: "js/secret", VersionStage: "AWSPREVIOUS" }));
assert.equal(previous.SecretString, "one");
await client.send(new UpdateSecretCommand({ SecretId: "js/secret", Description: "from js" }));
assert.equal((await client.send(new DescribeSecretCommand({ SecretId: "js/secret" }))).Description, "from js");
assert.ok((await client.send(new ListSecretsCommand({}))).SecretList.some((s) => s.Name === "js/secret"));
await client.send(new DeleteSecretCommand({ SecretId: "js/secret", ForceDeleteWithoutRecovery: true }));
await assert.rejects(client.send(new GetSecretValueCommand({ SecretId: "js/secret" })), ResourceNotFoundException);
console.log("ok");
