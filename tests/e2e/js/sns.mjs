// SNS through @aws-sdk/client-sns, delivering into SQS, against argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const {
  SNSClient, CreateTopicCommand, ListTopicsCommand, SubscribeCommand, ListSubscriptionsCommand,
  ListSubscriptionsByTopicCommand, PublishCommand, PublishBatchCommand, UnsubscribeCommand, DeleteTopicCommand,
  NotFoundException,
} = require("@aws-sdk/client-sns");
const { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } = require("@aws-sdk/client-sqs");

const config = {
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};
const sns = new SNSClient(config);
const sqs = new SQSClient(config);

const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "js-topic" }));
assert.ok((await sns.send(new ListTopicsCommand({}))).Topics.some((t) => t.TopicArn === TopicArn));
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "js-topic-inbox" }));
const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
const { SubscriptionArn } = await sns.send(new SubscribeCommand({
  TopicArn, Protocol: "sqs", Endpoint: Attributes.QueueArn, Attributes: { RawMessageDelivery: "true" }, ReturnSubscriptionArn: true,
}));
assert.equal((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions.length, 1);
assert.ok((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions.some((s) => s.SubscriptionArn === SubscriptionArn));
await sns.send(new PublishCommand({ TopicArn, Message: "raw one" }));
const batch = await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [{ Id: "1", Message: "raw two" }] }));
assert.equal(batch.Successful.length, 1);
const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
assert.deepEqual(received.Messages.map((m) => m.Body).sort(), ["raw one", "raw two"]);
await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
await sns.send(new DeleteTopicCommand({ TopicArn }));
await assert.rejects(sns.send(new PublishCommand({ TopicArn, Message: "x" })), NotFoundException);
console.log("ok");
