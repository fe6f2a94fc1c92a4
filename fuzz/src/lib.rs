//! Shared code of the fuzz targets: the properties of tests/properties.rs (never panics, a changed
//! output verifies and adds no syntax error, patch is idempotent, unpatch(patch(x)) == x where x
//! has no redirect of its own) and the structure-aware mode (fixture files mutated by inserting,
//! deleting and duplicating tokens, driven by the fuzzer's bytes).
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use awsredirect::engine::{transform, Mode, Options};
use awsredirect::lang::{self, Language};

fn options(mode: Mode) -> Options {
    Options::new(mode, "http://localhost:4566")
}

/// Asserts every property for one input; a violation panics, which libFuzzer reports.
pub fn check(language: Language, input: &str) {
    let Ok(patched) = transform(language, input, &options(Mode::Patch)) else {
        return; // refused (syntax error or failed verification): nothing would be written
    };
    let Some(output) = patched.updated else {
        return;
    };
    let before = lang::error_offsets(&lang::parse(language, input)).len();
    let after = lang::error_offsets(&lang::parse(language, &output)).len();
    assert!(after <= before, "patch added syntax errors:\n{output}");
    let again =
        transform(language, &output, &options(Mode::Patch)).expect("patched output is processed");
    assert!(
        again.updated.is_none(),
        "patch is not idempotent:\n{output}"
    );
    let input_unpatched = transform(language, input, &options(Mode::Unpatch)).map(|p| p.updated);
    if matches!(input_unpatched, Ok(None)) {
        let restored = transform(language, &output, &options(Mode::Unpatch))
            .expect("patched output is processed")
            .updated
            .unwrap_or_else(|| output.clone());
        assert_eq!(restored, input, "unpatch(patch(x)) != x");
    }
}

/// Every fixture input of these languages, read once.
pub fn corpus(languages: &[Language]) -> Vec<(Language, String)> {
    static ALL: OnceLock<Vec<(Language, String)>> = OnceLock::new();
    ALL.get_or_init(read_fixtures)
        .iter()
        .filter(|(l, _)| languages.contains(l))
        .cloned()
        .collect()
}

fn read_fixtures() -> Vec<(Language, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
        if dir.path().is_dir() {
            files.extend(
                std::fs::read_dir(dir.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|f| f.path()),
            );
        }
    }
    files.sort();
    files
        .iter()
        .filter(|p| !p.to_string_lossy().contains(".expected"))
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            let text = text
                .strip_prefix('\u{feff}')
                .map(str::to_string)
                .unwrap_or(text);
            Some((Language::detect(p, &text)?, text))
        })
        .collect()
}

/// Words, runs of white space, and single other characters.
fn tokens(text: &str) -> Vec<String> {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| regex::Regex::new(r"\w+|\s+|.").unwrap());
    pattern
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Applies the mutations the bytes describe, 5 bytes each: operation (delete, duplicate,
/// insert a copy of another token), then two 16-bit token indexes.
pub fn mutate(text: &str, bytes: &[u8]) -> String {
    let mut tokens = tokens(text);
    for m in bytes.chunks_exact(5).take(16) {
        if tokens.is_empty() {
            break;
        }
        let n = tokens.len();
        let i = u16::from_le_bytes([m[1], m[2]]) as usize % n;
        let j = u16::from_le_bytes([m[3], m[4]]) as usize % n;
        match m[0] % 3 {
            0 => {
                tokens.remove(i);
            }
            1 => tokens.insert(i, tokens[i].clone()),
            _ => tokens.insert(i, tokens[j].clone()),
        }
    }
    tokens.concat()
}

/// One fuzz input for a language family: the first byte picks the mode. Even: the rest is the
/// text itself (lossily decoded, as awsredirect refuses invalid UTF-8 before parsing), in the
/// language the second byte picks. Odd: the second byte picks a fixture, the rest mutates it.
pub fn run(languages: &[Language], data: &[u8]) {
    let [mode, pick, rest @ ..] = data else {
        return;
    };
    if mode % 2 == 0 {
        let language = languages[*pick as usize % languages.len()];
        check(language, &String::from_utf8_lossy(rest));
    } else {
        let corpus = corpus(languages);
        if corpus.is_empty() {
            return;
        }
        let (language, text) = &corpus[*pick as usize % corpus.len()];
        check(*language, &mutate(text, rest));
    }
}
