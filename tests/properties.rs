//! Property tests (the stable-toolchain twin of the cargo-fuzz targets in fuzz/): every fixture
//! input, mutated by inserting, deleting and duplicating tokens, must never make `patch` panic;
//! a changed output must parse, be a fixed point of `patch`, and `unpatch` must restore the input.

use std::fs;
use std::path::{Path, PathBuf};

use awsredirect::engine::{transform, Mode, Options};
use awsredirect::lang::{self, Language};
use proptest::prelude::*;

fn options(mode: Mode) -> Options {
    Options::new(mode, "http://localhost:4566")
}

/// (language, text) of every fixture input, every language; read once.
fn corpus() -> &'static [(Language, String)] {
    static CORPUS: std::sync::OnceLock<Vec<(Language, String)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(read_corpus)
}

fn read_corpus() -> Vec<(Language, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in fs::read_dir(root).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            files.extend(fs::read_dir(&dir).unwrap().map(|f| f.unwrap().path()));
        }
    }
    files.sort();
    files
        .iter()
        .filter(|p| !p.to_string_lossy().contains(".expected"))
        .filter_map(|p| {
            let text = fs::read_to_string(p).ok()?;
            let text = text
                .strip_prefix('\u{feff}')
                .map(str::to_string)
                .unwrap_or(text);
            Some((Language::detect(p, &text)?, text))
        })
        .collect()
}

/// Words, runs of white space, and single other characters.
fn tokens(text: &str) -> Vec<&str> {
    let pattern = regex::Regex::new(r"\w+|\s+|.").unwrap();
    pattern.find_iter(text).map(|m| m.as_str()).collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    /// Copy token `.1` to before token `.0`.
    Insert(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut tokens: Vec<String> = tokens(text).into_iter().map(str::to_string).collect();
    for m in mutations {
        if tokens.is_empty() {
            break;
        }
        let n = tokens.len();
        match *m {
            Mutation::Delete(i) => {
                tokens.remove(i % n);
            }
            Mutation::Duplicate(i) => tokens.insert(i % n, tokens[i % n].clone()),
            Mutation::Insert(i, j) => tokens.insert(i % n, tokens[j % n].clone()),
        }
    }
    tokens.concat()
}

/// `text` with some of its tokens (`.0` of each pair, as an index) replaced by another of its
/// tokens (`.1`) or, where `.1` is even, deleted; and the changes made, as ranges of `text`
/// with the length of what replaced each (in no particular order).
fn replace_tokens(
    text: &str,
    replaced: &[(usize, usize)],
) -> (String, Vec<(std::ops::Range<usize>, usize)>) {
    let tokens = tokens(text);
    if tokens.is_empty() {
        return (text.to_string(), Vec::new());
    }
    let mut with: Vec<Option<&str>> = vec![None; tokens.len()];
    for &(i, j) in replaced {
        let by = if j % 2 == 0 {
            ""
        } else {
            tokens[j % tokens.len()]
        };
        with[i % tokens.len()] = Some(by);
    }
    let (mut after, mut changes, mut offset) = (String::new(), Vec::new(), 0);
    for (token, by) in tokens.iter().zip(&with) {
        let end = offset + token.len();
        match by {
            Some(by) => {
                changes.push((offset..end, by.len()));
                after.push_str(by);
            }
            None => after.push_str(token),
        }
        offset = end;
    }
    changes.reverse();
    (after, changes)
}

fn check_properties(language: Language, input: &str) -> Result<(), TestCaseError> {
    let Ok(patched) = transform(language, input, &options(Mode::Patch)) else {
        return Ok(()); // refused (syntax error or failed verification): nothing would be written
    };
    let Some(output) = patched.updated else {
        return Ok(());
    };
    let before = lang::error_offsets(&lang::parse(language, input)).len();
    let after = lang::error_offsets(&lang::parse(language, &output)).len();
    prop_assert!(after <= before, "patch added syntax errors");
    let again =
        transform(language, &output, &options(Mode::Patch)).expect("patched output is processed");
    prop_assert!(again.updated.is_none(), "patch is not idempotent");
    let input_unpatched = transform(language, input, &options(Mode::Unpatch)).map(|p| p.updated);
    if matches!(input_unpatched, Ok(None)) {
        let restored = transform(language, &output, &options(Mode::Unpatch))
            .expect("patched output is processed")
            .updated
            .unwrap_or_else(|| output.clone());
        prop_assert_eq!(restored, input.to_string(), "unpatch(patch(x)) != x");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_fixtures_keep_every_invariant(
        index in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let corpus = corpus();
        let (language, text) = &corpus[index % corpus.len()];
        check_properties(*language, &mutate(text, &mutations))?;
    }

    #[test]
    fn a_parse_reusing_the_tree_never_finds_fewer_errors_than_a_parse_afresh(
        index in any::<usize>(),
        replaced in prop::collection::vec((any::<usize>(), any::<usize>()), 1..5),
    ) {
        let corpus = corpus();
        let (language, text) = &corpus[index % corpus.len()];
        let (after, changes) = replace_tokens(text, &replaced);
        let reused = lang::parse_changed(*language, &lang::parse(*language, text), text, &after, &changes);
        let fresh = lang::parse(*language, &after);
        let (reused, fresh) = (lang::error_offsets(&reused), lang::error_offsets(&fresh));
        prop_assert!(reused.len() >= fresh.len(), "reused {reused:?}, afresh {fresh:?}: {after:?}");
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", index in any::<usize>()) {
        let corpus = corpus();
        let (language, _) = &corpus[index % corpus.len()];
        check_properties(*language, &text)?;
    }
}

#[test]
fn every_fixture_unmutated_keeps_every_invariant() {
    for (language, text) in corpus() {
        check_properties(*language, text).unwrap();
    }
}

/// Inputs cargo-fuzz found (fuzz/artifacts), kept as regression tests.
#[test]
fn inputs_found_by_fuzzing_keep_every_invariant() {
    // tree-sitter-bash splits the one word `"aws"\ sns` in two; patch used to insert the
    // option between the halves, changing the word (and unpatch could not restore it).
    let shell = "#!/bin/bash\n\"aws\"\\ sns list-topics\naws s3 ls\n";
    check_properties(Language::Shell, shell).unwrap();
    let patched = transform(Language::Shell, shell, &options(Mode::Patch))
        .unwrap()
        .updated
        .unwrap();
    assert!(patched.contains("\"aws\"\\ sns list-topics\n"), "{patched}");
}
