// An unpatched program using the AWS SDK for JavaScript v3: no endpoint in code or environment
// (AWS_REGION comes from the environment). Under `awsredirect run` every call lands on the
// emulator; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = require("@aws-sdk/client-s3");
const { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand } = require("@aws-sdk/client-sqs");
const { DynamoDBClient, CreateTableCommand, PutItemCommand, GetItemCommand } = require("@aws-sdk/client-dynamodb");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

const s3 = new S3Client({});
await s3.send(new CreateBucketCommand({ Bucket: "js-virtual" }));
await s3.send(new PutObjectCommand({ Bucket: "js-virtual", Key: "k.txt", Body: "from node" }));
const got = await s3.send(new GetObjectCommand({ Bucket: "js-virtual", Key: "k.txt" }));
assert.equal(await got.Body.transformToString(), "from node");

const paths = new S3Client({ forcePathStyle: true });
const again = await paths.send(new GetObjectCommand({ Bucket: "js-virtual", Key: "k.txt" }));
assert.equal(await again.Body.transformToString(), "from node");

// The SDK sends later calls to the queue URL's host: it must be the real AWS name, over HTTPS.
const sqs = new SQSClient({});
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "js-jobs" }));
assert.match(QueueUrl, /^https:\/\/sqs\.us-east-1\.amazonaws\.com\//);
await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hi" }));
const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
assert.equal(Messages[0].Body, "hi");

const ddb = new DynamoDBClient({});
await ddb.send(new CreateTableCommand({
  TableName: "js-table",
  KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
  BillingMode: "PAY_PER_REQUEST",
}));
await ddb.send(new PutItemCommand({ TableName: "js-table", Item: { id: { S: "1" } } }));
assert.deepEqual((await ddb.send(new GetItemCommand({ TableName: "js-table", Key: { id: { S: "1" } } }))).Item, { id: { S: "1" } });

const identity = await new STSClient({}).send(new GetCallerIdentityCommand({}));
assert.equal(identity.Account, "000000000000");
console.log("ok");
