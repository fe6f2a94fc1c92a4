//! The MD5 digests SQS returns and SDKs verify: of the body and of the message attributes.
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use md5::{Digest, Md5};

use crate::state::sqs::AttributeValue;

pub fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// MD5 of message attributes as SQS defines it: for each attribute in name order, the
/// length-prefixed name and data type, a transport byte (1 string, 2 binary) and the
/// length-prefixed value.
pub fn attributes_md5(attributes: &BTreeMap<String, AttributeValue>) -> Option<String> {
    if attributes.is_empty() {
        return None;
    }
    let mut buf = Vec::new();
    for (name, value) in attributes {
        push_prefixed(&mut buf, name.as_bytes());
        push_prefixed(&mut buf, value.data_type.as_bytes());
        if let Some(binary) = &value.binary_value {
            buf.push(2);
            push_prefixed(&mut buf, &BASE64.decode(binary).unwrap_or_default());
        } else {
            buf.push(1);
            push_prefixed(
                &mut buf,
                value.string_value.as_deref().unwrap_or("").as_bytes(),
            );
        }
    }
    Some(md5_hex(&buf))
}

fn push_prefixed(buf: &mut Vec<u8>, data: &[u8]) {
    buf.extend_from_slice(&(data.len() as u32).to_be_bytes());
    buf.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_like_sqs() {
        // The byte layout SQS documents, for one String attribute `a` = `b`.
        let mut attrs = BTreeMap::new();
        attrs.insert(
            "a".to_string(),
            AttributeValue {
                data_type: "String".into(),
                string_value: Some("b".into()),
                binary_value: None,
            },
        );
        let mut expected = Vec::new();
        expected.extend_from_slice(&[0, 0, 0, 1, b'a', 0, 0, 0, 6]);
        expected.extend_from_slice(b"String");
        expected.extend_from_slice(&[1, 0, 0, 0, 1, b'b']);
        assert_eq!(attributes_md5(&attrs), Some(md5_hex(&expected)));
    }
}
