//! The walk's own ignore-file matching (`awsredirect::ignores`) against the `ignore` crate's
//! walker, which it replaces: on built trees the two must keep exactly the same source files.
//! `AWSREDIRECT_WALK_ORACLE=DIR` compares them on every directory of DIR (a long run, ignored).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use awsredirect::walk::{self, Exclude, WalkOptions};

/// What the `ignore` crate's walker keeps, as the walk was configured before: standard filters
/// without git required, hidden files walked, the default exclusions.
fn crate_walk(root: &Path) -> BTreeSet<PathBuf> {
    let exclude = Exclude::default();
    let mut builder = ignore::WalkBuilder::new(root);
    builder.require_git(false).hidden(false);
    builder.filter_entry(move |e| {
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        e.depth() == 0 || !exclude.matches(e.path(), is_dir)
    });
    let files = builder.build().filter_map(Result::ok);
    let files = files.filter(|e| e.file_type().is_some_and(|t| t.is_file()));
    files
        .map(ignore::DirEntry::into_path)
        .filter(|p| walk::language_of(p).is_some())
        .collect()
}

fn our_walk(root: &Path) -> BTreeSet<PathBuf> {
    let walked = walk::walk(&[root.to_path_buf()], &WalkOptions::default());
    assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    walked.files.into_iter().map(|(path, _)| path).collect()
}

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Both walks keep the same files, and the tree's own expectation holds.
fn assert_same(root: &Path, kept: &[&str], skipped: &[&str]) {
    let ours = our_walk(root);
    assert_eq!(
        ours,
        crate_walk(root),
        "the walks differ below {}",
        root.display()
    );
    for name in kept {
        assert!(
            ours.contains(&root.join(name)),
            "{name} should be walked: {ours:?}"
        );
    }
    for name in skipped {
        assert!(
            !ours.contains(&root.join(name)),
            "{name} should be skipped: {ours:?}"
        );
    }
}

#[test]
fn a_deeper_gitignore_overrides_a_shallower_one() {
    let dir = tree(&[
        (".gitignore", b"*.py\n!keep.py\nbuild/\n/top.sh\n"),
        ("keep.py", b""),
        ("drop.py", b""),
        ("top.sh", b""),
        ("sub/top.sh", b""),
        ("sub/.gitignore", b"!*.py\nx.py\n"),
        ("sub/again.py", b""),
        ("sub/x.py", b""),
        ("sub/build/in_build.js", b""),
        ("sub/deeper/y.py", b""),
        ("build.js/z.js", b""),
        ("lib/build", b"#!/bin/bash\n"),
    ]);
    assert_same(
        dir.path(),
        &[
            "keep.py",
            "sub/top.sh",
            "sub/again.py",
            "sub/deeper/y.py",
            "lib/build",
        ],
        &["drop.py", "top.sh", "sub/x.py", "sub/build/in_build.js"],
    );
}

#[test]
fn dot_ignore_outranks_gitignore_and_gitignore_outranks_info_exclude() {
    let dir = tree(&[
        (".gitignore", b"gen/\n!wanted.py\n"),
        (".ignore", b"!gen/\ngen/secret.js\n"),
        (".git/info/exclude", b"wanted.py\nexcluded.py\n"),
        ("gen/made.js", b""),
        ("gen/secret.js", b""),
        ("wanted.py", b""),
        ("excluded.py", b""),
        ("plain.py", b""),
    ]);
    assert_same(
        dir.path(),
        &["gen/made.js", "wanted.py", "plain.py"],
        &["gen/secret.js", "excluded.py"],
    );
}

#[test]
fn ignore_files_above_the_root_apply_to_it() {
    let dir = tree(&[
        (".gitignore", b"inner/skipped.py\n*.sh\n"),
        ("inner/.gitignore", b"!kept.sh\n"),
        ("inner/skipped.py", b""),
        ("inner/kept.py", b""),
        ("inner/kept.sh", b""),
        ("inner/dropped.sh", b""),
    ]);
    let inner = dir.path().join("inner");
    assert_same(
        &inner,
        &["kept.py", "kept.sh"],
        &["skipped.py", "dropped.sh"],
    );
}

#[test]
fn line_endings_byte_order_marks_and_bad_bytes_are_read_as_the_crate_reads_them() {
    let dir = tree(&[
        (
            "a/.gitignore",
            b"\xef\xbb\xbffirst.py\r\nsecond.py\r\n[bad\n",
        ),
        ("a/first.py", b""),
        ("a/second.py", b""),
        ("a/third.py", b""),
        // Reading stops at a line that is not UTF-8: `after.py` is not ignored.
        ("b/.gitignore", b"before.py\n\xff\xfe\nafter.py\n"),
        ("b/before.py", b""),
        ("b/after.py", b""),
        // The same text in two places is compiled once and matched relative to each.
        ("c/.gitignore", b"/only_here.py\n"),
        ("c/only_here.py", b""),
        ("c/d/.gitignore", b"/only_here.py\n"),
        ("c/d/only_here.py", b""),
        ("c/d/e/only_here.py", b""),
    ]);
    assert_same(
        dir.path(),
        &["a/third.py", "b/after.py", "c/d/e/only_here.py"],
        &[
            "a/first.py",
            "a/second.py",
            "b/before.py",
            "c/only_here.py",
            "c/d/only_here.py",
        ],
    );
}

#[test]
fn a_worktree_reads_info_exclude_from_its_common_directory() {
    let dir = tree(&[
        ("main/.git/info/exclude", b"local.py\n"),
        ("main/.git/worktrees/w/commondir", b"../..\n"),
        ("w/local.py", b""),
        ("w/other.py", b""),
    ]);
    let gitdir = dir.path().join("main/.git/worktrees/w");
    fs::write(
        dir.path().join("w/.git"),
        format!("gitdir: {}\n", gitdir.display()),
    )
    .unwrap();
    assert_same(&dir.path().join("w"), &["other.py"], &["local.py"]);
}

/// Every directory below `AWSREDIRECT_WALK_ORACLE` as a root, both walks compared.
/// The walk reads each directory once and decides from that listing what the crate's walker
/// decided by looking names up: a virtualenv and the directory of a vendored SDK copy (by what
/// they hold, at any depth), excluded names, symbolic links (never followed), extension-less scripts.
#[test]
fn exclusions_by_content_and_links_are_decided_as_the_crate_decides_them() {
    let dir = tree(&[
        ("app.py", b"import boto3\n"),
        ("env/pyvenv.cfg", b"home = /usr\n"),
        ("env/lib/site.py", b"x = 1\n"),
        ("deep/er/venv2/pyvenv.cfg", b"home = /usr\n"),
        ("deep/er/venv2/a.py", b"x = 1\n"),
        ("deep/er/kept.py", b"x = 1\n"),
        ("vendor/boto3/__init__.py", b"x = 1\n"),
        ("vendor/boto3/client.py", b"x = 1\n"),
        ("vendor/own.py", b"x = 1\n"),
        ("notvendor/boto3/readme.txt", b"no package\n"),
        ("notvendor/boto3/a.py", b"x = 1\n"),
        ("web/node_modules/lib/index.js", b"x;\n"),
        ("web/src/index.ts", b"let x = 1;\n"),
        ("bin/deploy", b"#!/bin/bash\naws s3 ls\n"),
        ("bin/notes", b"plain text\n"),
        (".hidden/tool.sh", b"aws s3 ls\n"),
    ]);
    let root = dir.path();
    std::os::unix::fs::symlink(root.join("web"), root.join("linked-web")).unwrap();
    std::os::unix::fs::symlink(root.join("app.py"), root.join("linked.py")).unwrap();
    assert_same(
        root,
        &[
            "app.py",
            "deep/er/kept.py",
            "notvendor/boto3/a.py",
            "web/src/index.ts",
            "bin/deploy",
            ".hidden/tool.sh",
        ],
        &[
            "env/lib/site.py",
            "deep/er/venv2/a.py",
            "vendor/boto3/client.py",
            "vendor/own.py",
            "web/node_modules/lib/index.js",
            "linked-web/src/index.ts",
            "linked.py",
            "bin/notes",
        ],
    );
}

#[test]
#[ignore = "a long run over a corpus: AWSREDIRECT_WALK_ORACLE=DIR"]
fn every_directory_walks_as_the_crate_walks() {
    let Some(corpus) = std::env::var_os("AWSREDIRECT_WALK_ORACLE") else {
        return;
    };
    let dirs = walkdir(Path::new(&corpus));
    for dir in &dirs {
        assert_eq!(our_walk(dir), crate_walk(dir), "below {}", dir.display());
    }
    assert!(
        dirs.len() > 1,
        "no directories below {}",
        corpus.to_string_lossy()
    );
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    let mut i = 0;
    while i < dirs.len() {
        if let Ok(entries) = fs::read_dir(&dirs[i]) {
            let children = entries.filter_map(Result::ok).map(|e| e.path());
            dirs.extend(children.filter(|p| p.is_dir() && !p.is_symlink()));
        }
        i += 1;
    }
    dirs
}
