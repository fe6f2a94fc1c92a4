//! The shared fixture harness: every `fixtures/<lang>/<case>.<ext>` with its expected output
//! `<case>.expected.<ext>` beside it, checked against every invariant of a patch.
//!
//! `fixtures/regex/` runs with the regex engine; its outputs need only add no parse errors
//! compared with the input (the inputs are templates, Python 2 and broken files). Directories
//! named `<lang>-env` run with `--style env`.
//!
//! Markers: a comment `# AR001` (or `// AR001`) on a line says `check` reports a finding with
//! that code starting on that line (or, after backslash continuations, on the line where the
//! continued line starts); lines without markers must have no finding.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use awsredirect::check;
use awsredirect::engine::{transform, EngineChoice, Mode, Options, Processed};
use awsredirect::files::decode;
use awsredirect::fix::{Applicability, EndpointStyle};
use awsredirect::lang::{self, Language};
use awsredirect::rules::Selection;
use awsredirect::verify;
use similar::{ChangeTag, TextDiff};

const ENDPOINT: &str = "http://localhost:4566";

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every (input, expected) pair under fixtures/, except the demo project.
fn pairs() -> Vec<(PathBuf, PathBuf)> {
    let mut pairs = Vec::new();
    for dir in fs::read_dir(fixture_root()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() || dir.ends_with("demo") {
            continue;
        }
        for file in fs::read_dir(&dir).unwrap() {
            let input = file.unwrap().path();
            let name = input.file_name().unwrap().to_string_lossy().to_string();
            if name.contains(".expected") {
                continue;
            }
            let expected = match name.split_once('.') {
                Some((stem, ext)) => dir.join(format!("{stem}.expected.{ext}")),
                None => dir.join(format!("{name}.expected")),
            };
            assert!(
                expected.exists(),
                "{} has no expected output {}",
                input.display(),
                expected.display()
            );
            pairs.push((input, expected));
        }
    }
    pairs.sort();
    pairs
}

fn read(path: &Path) -> (bool, String) {
    decode(fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

fn language(path: &Path, text: &str) -> Language {
    Language::detect(path, text).unwrap_or_else(|| panic!("{}: unknown language", path.display()))
}

/// Fixture directories named `<lang>-env` run with `--style env`.
fn style_of(input: &Path) -> EndpointStyle {
    let dir = input
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    if dir.ends_with("-env") {
        EndpointStyle::Env
    } else {
        EndpointStyle::Literal
    }
}

/// The engine a fixture directory is run with: `fixtures/regex/` holds files the parsers
/// reject (templates, Python 2, broken files), run with the regex engine.
fn engine_for(input: &Path) -> EngineChoice {
    if input.parent().is_some_and(|dir| dir.ends_with("regex")) {
        EngineChoice::Regex
    } else {
        EngineChoice::Ast
    }
}

fn options(mode: Mode, style: EndpointStyle, engine: EngineChoice) -> Options {
    Options {
        style,
        engine,
        ..Options::new(mode, ENDPOINT)
    }
}

/// Whether a line is the import `--style env` adds (the only change allowed outside a call).
fn is_added_import(line: &str) -> bool {
    line.trim_end().ends_with("# added by awsredirect")
}

fn after(processed: &Processed, text: &str) -> String {
    processed
        .updated
        .clone()
        .unwrap_or_else(|| text.to_string())
}

/// Codes expected per 1-based line, from `# AR00N` / `// AR00N` markers. A line that ends in a
/// backslash continuation cannot hold a comment, so a marker on the last line of a continued
/// line counts for the line where it starts.
fn markers(text: &str) -> BTreeMap<usize, Vec<String>> {
    let marker = regex::Regex::new(r"(?:#|//)\s*((?:AR\d{3}\s*)+)$").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(m) = marker.captures(line.trim_end()) {
            let codes = m[1].split_whitespace().map(str::to_string).collect();
            let mut start = i;
            while start > 0 && lines[start - 1].trim_end().ends_with('\\') {
                start -= 1;
            }
            found.insert(start + 1, codes);
        }
    }
    found
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// `patch --unsafe-fixes` keeps every invariant too: its output parses, a second run changes
/// nothing, and `unpatch` restores the input byte for byte.
fn unsafe_fixes_hold_the_invariants(
    language: Language,
    input: &str,
    style: EndpointStyle,
    engine: EngineChoice,
) -> Result<(), String> {
    let run = |text: &str, mode: Mode| -> Processed {
        let options = Options {
            unsafe_fixes: true,
            ..options(mode, style, engine)
        };
        transform(language, text, &options)
            .unwrap_or_else(|e| panic!("{mode:?} --unsafe-fixes failed: {}", e.message))
    };
    let output = after(&run(input, Mode::Patch), input);
    if engine != EngineChoice::Regex {
        verify::verify(language, input, &output)
            .map_err(|e| format!("--unsafe-fixes output does not parse: {}", e.message))?;
    }
    if run(&output, Mode::Patch).updated.is_some() {
        return Err("a second patch --unsafe-fixes changed the file again".into());
    }
    if after(&run(&output, Mode::Unpatch), &output) != input {
        return Err("unpatch did not restore the input after patch --unsafe-fixes".into());
    }
    Ok(())
}

fn check_pair(input_path: &Path, expected_path: &Path) -> Result<(), String> {
    let (bom_in, input) = read(input_path);
    let (bom_out, expected) = read(expected_path);
    let language = language(input_path, &input);
    let style = style_of(input_path);
    let engine = engine_for(input_path);
    let run = |text: &str, mode: Mode| -> Processed {
        transform(language, text, &options(mode, style, engine))
            .unwrap_or_else(|e| panic!("{mode:?} failed: {}", e.message))
    };
    if bom_in != bom_out {
        return Err("byte-order mark not kept".into());
    }

    let patched = run(&input, Mode::Patch);
    let output = after(&patched, &input);
    if output != expected {
        let diff = TextDiff::from_lines(&expected, &output)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        return Err(format!(
            "patch output differs from the expected output:\n{diff}"
        ));
    }

    if engine == EngineChoice::Regex {
        verify::tree_sitter_no_new_errors(language, &input, &output)
            .map_err(|e| format!("patched output has new parse errors: {}", e.message))?;
    } else {
        if !lang::error_offsets(&lang::parse(language, &output)).is_empty() {
            return Err("patched output has tree-sitter errors".into());
        }
        verify::verify(language, &input, &output)
            .map_err(|e| format!("patched output does not parse: {}", e.message))?;
    }

    if run(&output, Mode::Patch).updated.is_some() {
        return Err("a second patch changed the file again (not idempotent)".into());
    }

    let restored = after(&run(&output, Mode::Unpatch), &output);
    if restored != input {
        let diff = TextDiff::from_lines(&input, &restored)
            .unified_diff()
            .header("input", "unpatched")
            .to_string();
        return Err(format!(
            "unpatch did not restore the input byte for byte:\n{diff}"
        ));
    }

    unsafe_fixes_hold_the_invariants(language, &input, style, engine)?;

    let checked = run(&input, Mode::Check);
    let sites = &checked.detection.sites;
    let spans: Vec<(usize, usize)> = sites
        .iter()
        .map(|s| (line_of(&input, s.range.start), line_of(&input, s.range.end)))
        .collect();
    only_site_lines_changed(&input, &output, &spans)?;

    let findings = check::findings(
        &checked.detection,
        &input,
        &options(Mode::Check, style, engine),
        &Selection::default(),
    );
    let mut reported: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.suppressed) {
        reported
            .entry(line_of(&input, f.range.start))
            .or_default()
            .push(f.rule.code.to_string());
    }
    let expected_markers = markers(&input);
    if reported != expected_markers {
        return Err(format!(
            "check reported {reported:?}, markers say {expected_markers:?}"
        ));
    }
    let fixable = findings
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::Safe)
                && !f.suppressed
        })
        .count();
    if fixable != patched.changed_sites {
        return Err(format!(
            "check reports {fixable} fixable sites, patch changed {}",
            patched.changed_sites
        ));
    }
    Ok(())
}

/// Every line the patch deletes or inserts lies within a site's lines (or right after them).
fn only_site_lines_changed(
    input: &str,
    output: &str,
    spans: &[(usize, usize)],
) -> Result<(), String> {
    let diff = TextDiff::from_lines(input, output);
    let mut old_line = 1;
    for change in diff.iter_all_changes() {
        let inside =
            |line: usize, slack: usize| spans.iter().any(|(a, b)| line >= *a && line <= b + slack);
        match change.tag() {
            ChangeTag::Equal => old_line += 1,
            ChangeTag::Delete => {
                if !inside(old_line, 0) {
                    return Err(format!(
                        "line {old_line} changed outside any AWS client call"
                    ));
                }
                old_line += 1;
            }
            ChangeTag::Insert => {
                if !inside(old_line, 1) && !is_added_import(change.value()) {
                    return Err(format!(
                        "a line was inserted before line {old_line}, outside any AWS client call"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_fixture_pair_holds_every_invariant() {
    // As the binary does: tree-sitter's blocks come from the arenas (`lang::arena`).
    awsredirect::lang::arena::install();
    let pairs = pairs();
    assert!(!pairs.is_empty(), "no fixtures found");
    let failures: Vec<String> = pairs
        .iter()
        .filter_map(|(input, expected)| {
            check_pair(input, expected).err().map(|e| {
                format!(
                    "{}: {e}",
                    input.strip_prefix(fixture_root()).unwrap().display()
                )
            })
        })
        .collect();
    assert_eq!(
        awsredirect::lang::arena::blocks_in_use(),
        0,
        "a parser or tree outlived its file: the arena cannot start over"
    );
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n\n{}",
        failures.len(),
        pairs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn each_language_has_enough_fixtures() {
    let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
    for (input, _) in pairs() {
        let dir = input
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        *per_dir.entry(dir).or_default() += 1;
    }
    for (dir, minimum) in [("python", 30), ("shell", 25), ("regex", 10)] {
        assert!(
            per_dir.get(dir).copied().unwrap_or(0) >= minimum,
            "{dir}: {per_dir:?}"
        );
    }
    let javascript = per_dir.get("javascript").copied().unwrap_or(0);
    let typescript = per_dir.get("typescript").copied().unwrap_or(0);
    assert!(javascript + typescript >= 30, "{per_dir:?}");
}
