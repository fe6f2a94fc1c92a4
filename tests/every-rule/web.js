const AWS = require('aws-sdk');

AWS.config.update({ region: 'us-east-1', endpoint: 'http://localhost:4566' });
const s3 = new AWS.S3({ endpoint: 'http://localhost:4566' });
const sqs = new AWS.SQS();
