// SQS through @aws-sdk/client-sqs (JSON protocol, MD5 checks on) against argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, SendMessageCommand,
  SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand, DeleteMessageBatchCommand,
  ChangeMessageVisibilityCommand, GetQueueAttributesCommand, SetQueueAttributesCommand,
  PurgeQueueCommand, DeleteQueueCommand, QueueDoesNotExist,
} = require("@aws-sdk/client-sqs");

const client = new SQSClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: "js-queue", Attributes: { VisibilityTimeout: "30" } }));
assert.equal((await client.send(new GetQueueUrlCommand({ QueueName: "js-queue" }))).QueueUrl, QueueUrl);
assert.ok((await client.send(new ListQueuesCommand({}))).QueueUrls.includes(QueueUrl));
await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: "0" } }));
const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }));
assert.equal(attrs.Attributes.VisibilityTimeout, "30");

// The SDK verifies MD5OfMessageBody and MD5OfMessageAttributes itself.
await client.send(new SendMessageCommand({
  QueueUrl, MessageBody: "from node",
  MessageAttributes: {
    kind: { DataType: "String", StringValue: "greeting" },
    raw: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
  },
}));
await client.send(new SendMessageBatchCommand({
  QueueUrl, Entries: [{ Id: "a", MessageBody: "batch a" }, { Id: "b", MessageBody: "batch b" }],
}));
const received = await client.send(new ReceiveMessageCommand({
  QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 1,
}));
assert.deepEqual(received.Messages.map((m) => m.Body).sort(), ["batch a", "batch b", "from node"]);
const first = received.Messages.find((m) => m.Body === "from node");
assert.equal(first.MessageAttributes.kind.StringValue, "greeting");
assert.deepEqual([...first.MessageAttributes.raw.BinaryValue], [1, 2, 3]);

await client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }));
const again = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
assert.ok(again.Messages.some((m) => m.Body === "from node"));
const redelivered = again.Messages.find((m) => m.Body === "from node");
await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: redelivered.ReceiptHandle }));
const batchDeleted = await client.send(new DeleteMessageBatchCommand({
  QueueUrl,
  Entries: received.Messages.filter((m) => m !== first).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
}));
assert.equal(batchDeleted.Successful.length, 2);
await client.send(new PurgeQueueCommand({ QueueUrl }));
await client.send(new DeleteQueueCommand({ QueueUrl }));
await assert.rejects(client.send(new GetQueueUrlCommand({ QueueName: "js-queue" })), QueueDoesNotExist);
console.log("ok");
