//! Typed shapes generated from the botocore models (scripts/gen-emulator-models.py).
//! One module per emulated service; do not edit.
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod sts;
