//! The regex engine against the AST engine: on every shell fixture (files that parse) both find
//! the same calls and make the same edits, so `--engine auto` gives one result whichever engine
//! a file falls to.

use std::fs;
use std::path::Path;

use awsredirect::engine::{transform, EngineChoice, Mode, Options};
use awsredirect::lang::Language;

fn patched(language: Language, text: &str, engine: EngineChoice) -> String {
    let options = Options {
        engine,
        ..Options::new(Mode::Patch, "http://localhost:4566")
    };
    let processed = transform(language, text, &options).unwrap_or_else(|e| panic!("{}", e.message));
    processed.updated.unwrap_or_else(|| text.to_string())
}

#[test]
fn regex_and_ast_engines_agree_on_every_shell_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shell");
    let mut compared = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains(".expected") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let ast = patched(Language::Shell, &text, EngineChoice::Ast);
        let regex = patched(Language::Shell, &text, EngineChoice::Regex);
        assert_eq!(regex, ast, "{}", path.display());
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} shell fixtures");
}
