//! Languages awsredirect reads: detection by extension or shebang, and tree-sitter parsing.
//!
//! Nothing here knows about AWS: a language module turns source text into generic facts
//! (calls with resolved callee paths, argument lists, string literals) for `sdk/` to judge.

pub mod arena;
pub mod enclosing;
pub mod javascript;
pub mod marks;
pub mod python;
pub mod scopes;
pub mod shell;

use std::path::Path;

/// Interpreters whose `#!` line makes an extension-less file a shell script.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh"];

/// A language awsredirect can rewrite. Adding one is a variant, a file, a query and fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Python,
    /// JavaScript, including JSX (`.js .mjs .cjs .jsx`).
    JavaScript,
    /// TypeScript without JSX (`.ts .mts .cts`).
    TypeScript,
    /// TypeScript with JSX (`.tsx`).
    Tsx,
    Shell,
}

impl Language {
    /// The language a file extension names, if any.
    pub fn from_extension(ext: &str) -> Option<Language> {
        match ext {
            "py" | "pyi" | "pyw" => Some(Language::Python),
            "js" | "mjs" | "cjs" | "jsx" => Some(Language::JavaScript),
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "sh" | "bash" | "zsh" => Some(Language::Shell),
            _ => None,
        }
    }

    /// The language a `#!` line names (for extension-less scripts), if any.
    pub fn from_shebang(first_line: &str) -> Option<Language> {
        let line = first_line.strip_prefix("#!")?;
        let mut words = line.split_whitespace();
        let program = words.next()?;
        let program = if program.ends_with("/env") {
            words.find(|w| !w.starts_with('-'))?
        } else {
            program
        };
        let name = program.rsplit('/').next().unwrap_or(program);
        if name == "python" || name.starts_with("python3") || name.starts_with("python2") {
            return Some(Language::Python);
        }
        if name == "node" || name == "nodejs" {
            return Some(Language::JavaScript);
        }
        if name == "ts-node" {
            return Some(Language::TypeScript);
        }
        if SHELLS.contains(&name) {
            return Some(Language::Shell);
        }
        None
    }

    /// The language of a path: by extension, else by the shebang line of `head`. TypeScript
    /// declaration files (`.d.ts`) hold no code to rewrite and have none.
    pub fn detect(path: &Path, head: &str) -> Option<Language> {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if [".d.ts", ".d.mts", ".d.cts"]
            .iter()
            .any(|suffix| file_name.ends_with(suffix))
        {
            return None;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) => Language::from_extension(ext),
            None => Language::from_shebang(head.lines().next().unwrap_or("")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::Shell => "shell",
        }
    }

    /// The tree-sitter grammar used for finding and editing.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Shell => tree_sitter_bash::LANGUAGE.into(),
        }
    }
}

/// Parses `text` with the language's tree-sitter grammar (a parser of its own, so that nothing
/// of the parse outlives its tree: the arena of `arena` then starts over for the next file).
pub fn parse(language: Language, text: &str) -> tree_sitter::Tree {
    parse_reusing(language, text, None)
}

/// Parses `after`, the text `before` became by `changes` (ranges of `before`, none overlapping
/// another, each with the length of what replaced it), reusing `tree`, the parse of `before`:
/// tree-sitter's incremental parse, which re-reads only around the changes. Where the text has
/// errors, its tree may differ from a parse afresh (a comment's place, an error seen after an
/// edit that a parse afresh recovers from); `tests/properties.rs` checks that it never finds
/// fewer errors, which is what verification relies on.
pub fn parse_changed(
    language: Language,
    tree: &tree_sitter::Tree,
    before: &str,
    after: &str,
    changes: &[(std::ops::Range<usize>, usize)],
) -> tree_sitter::Tree {
    let mut edited = tree.clone();
    for edit in input_edits(before, after, changes) {
        edited.edit(&edit);
    }
    parse_reusing(language, after, Some(&edited))
}

/// `changes` as tree-sitter's edits, in order, each in the coordinates of the text the ones
/// before it made.
fn input_edits(
    before: &str,
    after: &str,
    changes: &[(std::ops::Range<usize>, usize)],
) -> Vec<tree_sitter::InputEdit> {
    let mut sorted = changes.to_vec();
    sorted.sort_by_key(|(range, _)| (range.start, range.end));
    let mut shift = 0isize;
    let mut edits = Vec::with_capacity(sorted.len());
    for (range, length) in sorted {
        let start = range.start.saturating_add_signed(shift);
        let start_position = point_at(after, start);
        edits.push(tree_sitter::InputEdit {
            start_byte: start,
            old_end_byte: start + range.len(),
            new_end_byte: start + length,
            start_position,
            old_end_position: advance(start_position, &before.as_bytes()[range.clone()]),
            new_end_position: advance(start_position, &after.as_bytes()[start..start + length]),
        });
        shift += length as isize - range.len() as isize;
    }
    edits
}

/// The row and column (in bytes) of `offset` in `text`.
fn point_at(text: &str, offset: usize) -> tree_sitter::Point {
    advance(tree_sitter::Point::new(0, 0), &text.as_bytes()[..offset])
}

/// The point `bytes` end at when they start at `from`.
fn advance(from: tree_sitter::Point, bytes: &[u8]) -> tree_sitter::Point {
    match memchr::memrchr(b'\n', bytes) {
        Some(last) => tree_sitter::Point::new(
            from.row + memchr::memchr_iter(b'\n', bytes).count(),
            bytes.len() - last - 1,
        ),
        None => tree_sitter::Point::new(from.row, from.column + bytes.len()),
    }
}

fn parse_reusing(
    language: Language,
    text: &str,
    old: Option<&tree_sitter::Tree>,
) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&language.grammar())
        .expect("bundled grammar matches the tree-sitter version");
    parser
        .parse(text, old)
        .expect("parsing without a timeout or cancellation flag always returns a tree")
}

/// Test corpus for the walks' long oracle runs: the text of every file under `dir` (ignore
/// files respected) whose name ends in `.{extension}`, where it is UTF-8.
#[cfg(test)]
pub(crate) fn texts_under(dir: &Path, extension: &str) -> impl Iterator<Item = String> {
    let extension = extension.to_string();
    ignore::WalkBuilder::new(dir)
        .build()
        .filter_map(Result::ok)
        .filter(move |entry| {
            entry
                .path()
                .extension()
                .is_some_and(|e| e == extension.as_str())
        })
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
}

/// Test oracle for the walks that replaced query cursors: every match of the query `source` on
/// `tree`, in the cursor's order, each as its captures by name (in the match's order).
#[cfg(test)]
pub(crate) fn query_matches<'t>(
    language: Language,
    source: &str,
    tree: &'t tree_sitter::Tree,
    text: &str,
) -> Vec<Vec<(String, tree_sitter::Node<'t>)>> {
    use streaming_iterator::StreamingIterator;
    let query = tree_sitter::Query::new(&language.grammar(), source).expect("a valid query");
    let names = query.capture_names();
    let mut cursor = tree_sitter::QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
    let mut found = Vec::new();
    while let Some(m) = matches.next() {
        let captures = m.captures().iter();
        found.push(
            captures
                .map(|c| (names[c.index as usize].to_string(), c.node))
                .collect(),
        );
    }
    found
}

/// The node captured as `name` in one match of `query_matches`.
#[cfg(test)]
pub(crate) fn captured<'t>(
    captures: &[(String, tree_sitter::Node<'t>)],
    name: &str,
) -> Option<tree_sitter::Node<'t>> {
    captures
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, node)| *node)
}

/// String literals holding a URL (`scheme://...`), with their ranges and values; `value` reads a
/// literal's value in the language. Looked for only where the text mentions an AWS host (no
/// other text is walked for them).
pub fn url_literals(
    tree: &tree_sitter::Tree,
    text: &str,
    value: impl Fn(tree_sitter::Node, &str) -> Option<String>,
) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"amazonaws").is_none() {
        return found;
    }
    // A literal's value holds `://` only where its text does or an escape (a backslash) could
    // spell it: the walk passes by the subtrees that hold neither.
    let bytes = text.as_bytes();
    let mut positions: Vec<usize> = memchr::memmem::find_iter(bytes, b"://")
        .chain(memchr::memchr_iter(b'\\', bytes))
        .collect();
    positions.sort_unstable();
    let mut marks = marks::Marks::at(positions);
    let entering = |node: tree_sitter::Node| marks.any_in(node.byte_range());
    // `string` is the string literal's node name in every grammar.
    preorder_entering(tree.root_node(), entering, |node, ancestors, _| {
        if node.is_named() && node.kind() == "string" && !is_statement_by_itself(ancestors.last()) {
            if let Some(url) = value(node, text).filter(|v| v.contains("://")) {
                found.push((node.byte_range(), url));
            }
        }
    });
    found
}

/// Visits every node under `root` in document order (parents before children), in ERROR nodes
/// too, with its ancestors (`root` first) and the field it holds in its parent (0 for none,
/// looked up only when asked). One cursor for the whole tree: `Node::parent` descends from the
/// root on each call, and a query cursor costs more than the walks built on this.
pub(crate) fn preorder<'t>(
    root: tree_sitter::Node<'t>,
    visit: impl FnMut(tree_sitter::Node<'t>, &[tree_sitter::Node<'t>], &dyn Fn() -> u16),
) {
    preorder_entering(root, |_| true, visit);
}

/// `preorder`, entering only the nodes `enter` accepts: the children of a node it refuses are
/// not visited. `enter` is asked after `visit`, in the same order.
pub(crate) fn preorder_entering<'t>(
    root: tree_sitter::Node<'t>,
    mut enter: impl FnMut(tree_sitter::Node<'t>) -> bool,
    mut visit: impl FnMut(tree_sitter::Node<'t>, &[tree_sitter::Node<'t>], &dyn Fn() -> u16),
) {
    let mut cursor = root.walk();
    let mut ancestors = Vec::new();
    loop {
        let node = cursor.node();
        visit(node, &ancestors, &|| {
            cursor.field_id().map_or(0, std::num::NonZeroU16::get)
        });
        if enter(node) && cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
            ancestors.pop();
        }
    }
}

/// Whether a string whose parent is `parent` is a whole statement: a docstring, or a bare
/// string used as a comment. It is never sent anywhere, so a URL in it is documentation.
fn is_statement_by_itself(parent: Option<&tree_sitter::Node>) -> bool {
    parent.is_some_and(|p| p.kind() == "expression_statement" && p.named_child_count() == 1)
}

/// The quote character a text uses more: `'` where single quotes outnumber double quotes, else
/// `"` (a byte count: cheap, and what decides a new literal's quotes only where nothing nearer
/// does).
pub fn preferred_quote(text: &str) -> char {
    let bytes = text.as_bytes();
    let singles = memchr::memchr_iter(b'\'', bytes).count();
    let doubles = memchr::memchr_iter(b'"', bytes).count();
    if singles > doubles {
        '\''
    } else {
        '"'
    }
}

/// The ancestors of `node` below `root`, innermost first, found in one descent from the root
/// (each `Node::parent` call descends from the root again: quadratic in the depth).
pub fn ancestors<'t>(
    root: tree_sitter::Node<'t>,
    node: tree_sitter::Node<'t>,
) -> Vec<tree_sitter::Node<'t>> {
    let mut path = Vec::new();
    let mut current = root;
    while current.id() != node.id() {
        path.push(current);
        match current.child_with_descendant(node) {
            Some(next) => current = next,
            None => break,
        }
    }
    path.reverse();
    path
}

/// Byte offsets of every ERROR and MISSING node; verification compares their number before and
/// after an edit, and error messages point at the first.
pub fn error_offsets(tree: &tree_sitter::Tree) -> Vec<usize> {
    let mut found = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            found.push(node.start_byte());
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return found;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_and_typescript_by_extension_and_shebang() {
        let detect = |path: &str, head: &str| Language::detect(Path::new(path), head);
        assert_eq!(detect("a/app.mjs", ""), Some(Language::JavaScript));
        assert_eq!(detect("a/app.jsx", ""), Some(Language::JavaScript));
        assert_eq!(detect("a/app.cts", ""), Some(Language::TypeScript));
        assert_eq!(detect("a/App.tsx", ""), Some(Language::Tsx));
        assert_eq!(detect("a/types.d.ts", ""), None);
        assert_eq!(detect("a/types.d.mts", ""), None);
        assert_eq!(
            detect("bin/tool", "#!/usr/bin/env node\n"),
            Some(Language::JavaScript)
        );
        assert_eq!(
            detect("bin/tool", "#!/usr/bin/env -S node --no-warnings\n"),
            Some(Language::JavaScript)
        );
        assert_eq!(
            detect("bin/tool", "#!/usr/bin/env ts-node\n"),
            Some(Language::TypeScript)
        );
    }
}
