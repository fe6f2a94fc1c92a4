// S3 through @aws-sdk/client-s3 against the emulator whose URL is argv[2]; prints "ok".
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";

const require = createRequire(import.meta.url);
const s3sdk = require("@aws-sdk/client-s3");
const {
  S3Client, CreateBucketCommand, ListBucketsCommand, HeadBucketCommand, PutObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, CopyObjectCommand,
  DeleteObjectCommand, DeleteObjectsCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand, ListPartsCommand, AbortMultipartUploadCommand,
  DeleteBucketCommand, NoSuchKey, NoSuchBucket,
} = s3sdk;

const client = new S3Client({
  endpoint: process.argv[2],
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const md5 = (data) => `"${createHash("md5").update(data).digest("hex")}"`;

await client.send(new CreateBucketCommand({ Bucket: "js-bucket" }));
const buckets = await client.send(new ListBucketsCommand({}));
assert.ok(buckets.Buckets.some((b) => b.Name === "js-bucket"));
await client.send(new HeadBucketCommand({ Bucket: "js-bucket" }));

// A string body (checksum header) and a stream body (aws-chunked with a trailing checksum).
const put = await client.send(new PutObjectCommand({
  Bucket: "js-bucket", Key: "hello.txt", Body: "hello from js", ContentType: "text/plain",
  Metadata: { origin: "node" },
}));
assert.equal(put.ETag, md5("hello from js"));
const streamed = Buffer.alloc(300 * 1024, "s");
await client.send(new PutObjectCommand({
  Bucket: "js-bucket", Key: "streamed.bin", Body: Readable.from([streamed]), ContentLength: streamed.length,
}));
const gotStream = await client.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "streamed.bin" }));
assert.equal(Buffer.from(await gotStream.Body.transformToByteArray()).equals(streamed), true);

const got = await client.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "hello.txt" }));
assert.equal(await got.Body.transformToString(), "hello from js");
assert.equal(got.ContentType, "text/plain");
assert.deepEqual(got.Metadata, { origin: "node" });
const ranged = await client.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "hello.txt", Range: "bytes=0-4" }));
assert.equal(await ranged.Body.transformToString(), "hello");
const head = await client.send(new HeadObjectCommand({ Bucket: "js-bucket", Key: "hello.txt" }));
assert.equal(head.ContentLength, 13);

await client.send(new CopyObjectCommand({ Bucket: "js-bucket", Key: "copy.txt", CopySource: "js-bucket/hello.txt" }));
const listed = await client.send(new ListObjectsV2Command({ Bucket: "js-bucket" }));
assert.deepEqual(listed.Contents.map((o) => o.Key), ["copy.txt", "hello.txt", "streamed.bin"]);

await assert.rejects(client.send(new GetObjectCommand({ Bucket: "js-bucket", Key: "absent" })), NoSuchKey);
await assert.rejects(client.send(new ListObjectsV2Command({ Bucket: "no-such-js-bucket" })), NoSuchBucket);

const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: "js-bucket", Key: "multi" }));
const part1 = Buffer.alloc(5 * 1024 * 1024, "a");
const part2 = Buffer.from("tail");
const e1 = (await client.send(new UploadPartCommand({ Bucket: "js-bucket", Key: "multi", UploadId: upload.UploadId, PartNumber: 1, Body: part1 }))).ETag;
const e2 = (await client.send(new UploadPartCommand({ Bucket: "js-bucket", Key: "multi", UploadId: upload.UploadId, PartNumber: 2, Body: part2 }))).ETag;
const parts = await client.send(new ListPartsCommand({ Bucket: "js-bucket", Key: "multi", UploadId: upload.UploadId }));
assert.equal(parts.Parts.length, 2);
const done = await client.send(new CompleteMultipartUploadCommand({
  Bucket: "js-bucket", Key: "multi", UploadId: upload.UploadId,
  MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] },
}));
assert.match(done.ETag, /-2"$/);
const aborted = await client.send(new CreateMultipartUploadCommand({ Bucket: "js-bucket", Key: "aborted" }));
await client.send(new AbortMultipartUploadCommand({ Bucket: "js-bucket", Key: "aborted", UploadId: aborted.UploadId }));

await client.send(new DeleteObjectCommand({ Bucket: "js-bucket", Key: "copy.txt" }));
const deleted = await client.send(new DeleteObjectsCommand({
  Bucket: "js-bucket", Delete: { Objects: [{ Key: "hello.txt" }, { Key: "streamed.bin" }, { Key: "multi" }] },
}));
assert.equal(deleted.Deleted.length, 3);
await client.send(new DeleteBucketCommand({ Bucket: "js-bucket" }));
console.log("ok");
