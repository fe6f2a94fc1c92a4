//! Credentials the emulator issues: IAM users' access keys (`AKIA…`) and STS's temporary ones
//! (`ASIA…`), kept by key id across accounts so that a request signed with one is served in
//! the account and as the principal it belongs to. Key ids carry their account the way AWS's
//! do (the 10 bytes after the prefix hold `account << 7` in their first 6), so they look like
//! AWS's to tools that decode them; the emulator itself reads the account from the stored key.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{put, scope, typed};
use crate::context::{account_for_access_key, Context};
use crate::error::ApiError;
use crate::state::docs::{self, DocStore, Scope};
use crate::state::State;

/// Who holds a credential and what it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credential {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Only temporary credentials have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    pub account: String,
    /// The principal's ARN, as GetCallerIdentity answers it.
    pub arn: String,
    /// GetCallerIdentity's `UserId`.
    pub user_id: String,
    /// The IAM user of an access key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `Active` or `Inactive`.
    pub status: String,
    pub create_date: f64,
    /// When temporary credentials expire (epoch seconds); not enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<f64>,
}

/// Every credential, in one scope across accounts.
fn all_scope() -> Scope {
    scope("", "credential")
}

/// RFC 4648 base32 without padding (`A`–`Z`, `2`–`7`).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// A new key id for `account`: `prefix` (`AKIA` or `ASIA`) and 16 base32 characters whose
/// first 47 bits are the account shifted left by 7 and the rest random.
pub fn new_key_id(prefix: &str, account: &str) -> String {
    let number: u64 = account.parse().unwrap_or(0);
    let random = uuid::Uuid::new_v4();
    let random = random.as_bytes();
    let head = (number << 7) | u64::from(random[0] & 0x7f);
    let mut bytes = head.to_be_bytes()[2..].to_vec();
    bytes.extend_from_slice(&random[1..5]);
    format!("{prefix}{}", base32(&bytes))
}

/// The account a key id made by [`new_key_id`] carries.
#[cfg(test)]
fn key_account(key_id: &str) -> Option<u64> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut head = 0u64;
    // The first 48 bits are the first 9.6 characters: take 10 and drop 2 bits.
    for c in key_id.get(4..14)?.bytes() {
        head = (head << 5) | ALPHABET.iter().position(|a| *a == c)? as u64;
    }
    Some(((head >> 2) & 0x7fff_ffff_ff80) >> 7)
}

/// A secret access key: 40 characters, as AWS's.
pub fn new_secret() -> String {
    let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
    bytes.extend_from_slice(&uuid::Uuid::new_v4().as_bytes()[..14]);
    BASE64.encode(bytes)
}

/// A session token, opaque to clients (AWS documents no format): 356 base64 characters that
/// begin as the tokens STS issued for role sessions did (`FQoGZXIvYXdzE`).
pub fn new_session_token() -> String {
    const PREFIX: &str = "FQoGZXIvYXdzE";
    // 267 bytes are 356 base64 characters without padding.
    let mut bytes = Vec::with_capacity(272);
    while bytes.len() < 267 {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(267);
    let encoded = BASE64.encode(bytes);
    format!("{PREFIX}{}", &encoded[PREFIX.len()..])
}

/// Whether a key id has the form the emulator issues (only those are looked up).
fn issued_form(key_id: &str) -> bool {
    key_id.len() == 20 && (key_id.starts_with("AKIA") || key_id.starts_with("ASIA"))
}

/// The stored credential of key id `key_id`, if the emulator issued it.
pub fn find(state: &State, key_id: &str) -> Option<Credential> {
    if !issued_form(key_id) {
        return None;
    }
    let store = state.docs();
    let doc = store.get(&all_scope(), key_id)?;
    typed(doc).ok()
}

/// The account a request signed with `access_key` acts in: the account of a key the emulator
/// issued, else what the key id itself says (a 12-digit id is that account), else the server's
/// default account.
pub fn account_for(state: &State, access_key: &str, default_account: &str) -> String {
    match find(state, access_key) {
        Some(credential) => credential.account,
        None => account_for_access_key(access_key, default_account),
    }
}

/// Who the caller is: (account, ARN, user id) of its credential, else the account's root.
pub fn caller(state: &State, ctx: &Context) -> Credential {
    find(state, &ctx.access_key).unwrap_or_else(|| Credential {
        access_key_id: ctx.access_key.clone(),
        account: ctx.account.clone(),
        arn: ctx.global_arn("iam", &ctx.account, "root"),
        user_id: ctx.account.clone(),
        status: "Active".to_string(),
        ..Default::default()
    })
}

/// Stores a new credential.
pub fn issue(state: &State, credential: &Credential) -> Result<(), ApiError> {
    state.commit_docs(|_| {
        let entry = put(&all_scope(), &credential.access_key_id, credential);
        Ok((vec![entry], ()))
    })
}

/// The access keys of `account`'s user `user_name`.
pub fn of_user(store: &DocStore, account: &str, user_name: &str) -> Vec<Credential> {
    let all = store.all(&all_scope());
    all.into_iter()
        .flat_map(|docs| docs.values())
        .filter_map(|doc| typed::<Credential>(doc).ok())
        .filter(|c| c.account == account && c.user_name.as_deref() == Some(user_name))
        .collect()
}

/// The entry that stores `credential` (changed).
pub fn put_entry(credential: &Credential) -> crate::state::record::Entry {
    put(&all_scope(), &credential.access_key_id, credential)
}

/// The entry that removes the credential `key_id`.
pub fn delete_entry(key_id: &str) -> crate::state::record::Entry {
    docs::delete(&all_scope(), key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }

    #[test]
    fn key_ids_carry_their_account() {
        for account in ["000000000000", "123456789012", "999999999999"] {
            let id = new_key_id("AKIA", account);
            assert_eq!(id.len(), 20, "{id}");
            assert!(issued_form(&id));
            assert_eq!(key_account(&id), Some(account.parse().unwrap()), "{id}");
        }
        assert_ne!(new_key_id("ASIA", "1"), new_key_id("ASIA", "1"));
    }

    #[test]
    fn secrets_are_40_characters() {
        assert_eq!(new_secret().len(), 40);
        let token = new_session_token();
        assert_eq!(token.len(), 356);
        assert!(token.starts_with("FQoGZXIvYXdzE"));
        assert!(BASE64.decode(&token).is_ok());
    }

    #[test]
    fn unknown_keys_fall_back_to_the_key_id() {
        let state = State::in_memory();
        assert_eq!(
            account_for(&state, "123456789012", "000000000000"),
            "123456789012"
        );
        assert_eq!(
            account_for(&state, "AKIAIOSFODNN7EXAMPLE", "999999999999"),
            "999999999999"
        );
        let credential = Credential {
            access_key_id: new_key_id("AKIA", "222233334444"),
            account: "222233334444".to_string(),
            ..Default::default()
        };
        issue(&state, &credential).unwrap();
        assert_eq!(
            account_for(&state, &credential.access_key_id, "000000000000"),
            "222233334444"
        );
    }
}
