// DynamoDB through @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb against argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, ListTablesCommand, DeleteTableCommand,
  UpdateTableCommand, ConditionalCheckFailedException, TransactionCanceledException, ResourceNotFoundException,
} = require("@aws-sdk/client-dynamodb");
const {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, DeleteCommand, QueryCommand, ScanCommand,
  BatchWriteCommand, BatchGetCommand, TransactWriteCommand, TransactGetCommand,
} = require("@aws-sdk/lib-dynamodb");

const client = new DynamoDBClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const doc = DynamoDBDocumentClient.from(client);
const TableName = "js-table";

await client.send(new CreateTableCommand({
  TableName,
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" },
    { AttributeName: "kind", AttributeType: "S" },
  ],
  GlobalSecondaryIndexes: [{
    IndexName: "by-kind", KeySchema: [{ AttributeName: "kind", KeyType: "HASH" }],
    Projection: { ProjectionType: "ALL" },
  }],
  BillingMode: "PAY_PER_REQUEST",
}));
assert.equal((await client.send(new DescribeTableCommand({ TableName }))).Table.TableStatus, "ACTIVE");
assert.ok((await client.send(new ListTablesCommand({}))).TableNames.includes(TableName));
await client.send(new UpdateTableCommand({ TableName, BillingMode: "PAY_PER_REQUEST" }));

await doc.send(new PutCommand({ TableName, Item: { pk: "a", sk: 1, kind: "x", n: 10, tags: new Set(["t"]) } }));
await assert.rejects(
  doc.send(new PutCommand({ TableName, Item: { pk: "a", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)" })),
  ConditionalCheckFailedException,
);
const updated = await doc.send(new UpdateCommand({
  TableName, Key: { pk: "a", sk: 1 }, UpdateExpression: "SET n = n + :d, l = list_append(if_not_exists(l, :e), :e)",
  ExpressionAttributeValues: { ":d": 5, ":e": ["v"] }, ReturnValues: "ALL_NEW",
}));
assert.equal(updated.Attributes.n, 15);
assert.deepEqual(updated.Attributes.l, ["v", "v"]);
assert.equal((await doc.send(new GetCommand({ TableName, Key: { pk: "a", sk: 1 }, ProjectionExpression: "n" }))).Item.n, 15);

await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [2, 3, 4].map((sk) => ({ PutRequest: { Item: { pk: "a", sk, kind: "y" } } })) } }));
const got = await doc.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [{ pk: "a", sk: 2 }, { pk: "a", sk: 9 }] } } }));
assert.equal(got.Responses[TableName].length, 1);
const page = await doc.send(new QueryCommand({
  TableName, KeyConditionExpression: "pk = :p AND sk >= :s", ExpressionAttributeValues: { ":p": "a", ":s": 2 },
  ScanIndexForward: false, Limit: 2,
}));
assert.deepEqual(page.Items.map((i) => i.sk), [4, 3]);
assert.deepEqual(page.LastEvaluatedKey, { pk: "a", sk: 3 });
const byKind = await doc.send(new QueryCommand({ TableName, IndexName: "by-kind", KeyConditionExpression: "kind = :k", ExpressionAttributeValues: { ":k": "y" } }));
assert.equal(byKind.Count, 3);
const scanned = await doc.send(new ScanCommand({ TableName, FilterExpression: "attribute_exists(n)" }));
assert.equal(scanned.Count, 1);

await doc.send(new TransactWriteCommand({ TransactItems: [
  { Put: { TableName, Item: { pk: "b", sk: 1 } } },
  { Delete: { TableName, Key: { pk: "a", sk: 4 } } },
] }));
await assert.rejects(
  doc.send(new TransactWriteCommand({ TransactItems: [
    { ConditionCheck: { TableName, Key: { pk: "b", sk: 1 }, ConditionExpression: "attribute_exists(nope)" } },
  ] })),
  (err) => err instanceof TransactionCanceledException && err.CancellationReasons[0].Code === "ConditionalCheckFailed",
);
const tx = await doc.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName, Key: { pk: "b", sk: 1 } } }] }));
assert.equal(tx.Responses[0].Item.pk, "b");
await doc.send(new DeleteCommand({ TableName, Key: { pk: "b", sk: 1 } }));
await client.send(new DeleteTableCommand({ TableName }));
await assert.rejects(client.send(new DescribeTableCommand({ TableName })), ResourceNotFoundException);
console.log("ok");
