//! GetRandomPassword: a password from the character classes AWS documents (upper and lower
//! case letters, digits, and the punctuation ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``, optionally a
//! space), without the excluded characters, with one of each included class when
//! `RequireEachIncludedType` (the default) asks for it.
use super::invalid;
use crate::error::ApiError;
use crate::generated::secretsmanager as sm;

const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
/// GetRandomPassword's default length.
const DEFAULT_LENGTH: i64 = 32;

pub fn generate(input: &sm::GetRandomPasswordRequest) -> Result<String, ApiError> {
    let length = input.password_length.unwrap_or(DEFAULT_LENGTH);
    let length = usize::try_from(length).map_err(|_| invalid("Invalid PasswordLength"))?;
    let classes = classes(input);
    if classes.is_empty() {
        return Err(invalid(
            "The password can't be generated because every character is excluded.",
        ));
    }
    let require_each = input.require_each_included_type.unwrap_or(true);
    if require_each && length < classes.len() {
        return Err(invalid(format!(
            "The password length {length} is too short to include a character of each of the {} included types.",
            classes.len()
        )));
    }
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    let mut chars: Vec<char> = Vec::with_capacity(length);
    if require_each {
        chars.extend(classes.iter().map(|class| pick(class)));
    }
    while chars.len() < length {
        chars.push(pick(&all));
    }
    shuffle(&mut chars);
    Ok(chars.into_iter().collect())
}

/// The included character classes, each without the excluded characters; empty ones dropped.
fn classes(input: &sm::GetRandomPasswordRequest) -> Vec<Vec<char>> {
    let excluded = input.exclude_characters.as_deref().unwrap_or("");
    let on = |flag: Option<bool>| !flag.unwrap_or(false);
    let mut sets: Vec<String> = Vec::new();
    if on(input.exclude_uppercase) {
        sets.push(('A'..='Z').collect());
    }
    if on(input.exclude_lowercase) {
        sets.push(('a'..='z').collect());
    }
    if on(input.exclude_numbers) {
        sets.push(('0'..='9').collect());
    }
    if on(input.exclude_punctuation) {
        sets.push(PUNCTUATION.to_string());
    }
    if input.include_space.unwrap_or(false) {
        sets.push(" ".to_string());
    }
    sets.iter()
        .map(|set| set.chars().filter(|c| !excluded.contains(*c)).collect())
        .filter(|class: &Vec<char>| !class.is_empty())
        .collect()
}

/// A uniformly chosen element (from a random UUID's bits; `chars` is never empty).
fn pick(chars: &[char]) -> char {
    chars[random_below(chars.len())]
}

fn random_below(n: usize) -> usize {
    (uuid::Uuid::new_v4().as_u128() % n as u128) as usize
}

fn shuffle(chars: &mut [char]) {
    for i in (1..chars.len()).rev() {
        chars.swap(i, random_below(i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> sm::GetRandomPasswordRequest {
        sm::GetRandomPasswordRequest::default()
    }

    #[test]
    fn default_passwords_have_32_characters_of_every_class() {
        let password = generate(&request()).unwrap();
        assert_eq!(password.chars().count(), 32);
        assert!(password.chars().any(|c| c.is_ascii_uppercase()));
        assert!(password.chars().any(|c| c.is_ascii_lowercase()));
        assert!(password.chars().any(|c| c.is_ascii_digit()));
        assert!(password.chars().any(|c| PUNCTUATION.contains(c)));
    }

    #[test]
    fn exclusions_are_honoured() {
        let input = sm::GetRandomPasswordRequest {
            password_length: Some(200),
            exclude_characters: Some("abcXYZ".to_string()),
            exclude_punctuation: Some(true),
            exclude_numbers: Some(true),
            ..request()
        };
        let password = generate(&input).unwrap();
        assert_eq!(password.len(), 200);
        assert!(password.chars().all(|c| c.is_ascii_alphabetic()));
        assert!(!password.chars().any(|c| "abcXYZ".contains(c)));
    }

    #[test]
    fn too_short_for_every_class_is_an_error() {
        let input = sm::GetRandomPasswordRequest {
            password_length: Some(3),
            ..request()
        };
        assert!(generate(&input).is_err());
    }
}
