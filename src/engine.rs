//! The per-file pipeline — read → parse → detect → fix → apply → verify → write — and the
//! parallel run over many files. Returns reports; printing is `output`'s job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::{Cache, Cached, Queries};
use crate::check::{self, Finding};
use crate::files::{self, Problem, SourceFile};
use crate::fix::{self, Applicability, Edit, EndpointStyle, Fix};
use crate::lang::{self, Language};
use crate::parallel;
use crate::project::{Place, Project};
use crate::regex_engine;
use crate::sdk::{self, Detection, SiteState};
use crate::verify;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Add endpoint overrides.
    Patch,
    /// Remove the overrides `patch` added.
    Unpatch,
    /// Only find sites.
    Check,
}

/// Which engine finds the sites (`--engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// tree-sitter detection; files that do not parse are reported and left untouched.
    #[default]
    Ast,
    /// Line-based patterns, for files the parsers reject (templates, Python 2, broken files).
    Regex,
    /// The AST engine where the file parses, the regex engine where it does not.
    Auto,
}

/// The engine that processed one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Engine {
    Ast,
    Regex,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Ast => "ast",
            Engine::Regex => "regex",
        }
    }
}

/// The endpoint to redirect to: per service where the service is known statically and listed,
/// the default otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub default: String,
    pub per_service: BTreeMap<String, String>,
}

impl Endpoints {
    pub fn single(endpoint: &str) -> Endpoints {
        Endpoints {
            default: endpoint.to_string(),
            per_service: BTreeMap::new(),
        }
    }

    pub fn for_service(&self, service: Option<&str>) -> &str {
        service
            .and_then(|s| self.per_service.get(&s.to_ascii_lowercase()))
            .unwrap_or(&self.default)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub endpoints: Endpoints,
    pub style: EndpointStyle,
    pub engine: EngineChoice,
    /// Write changed files (false for `--diff` / `--check` dry runs and for `check`).
    pub write: bool,
    /// Apply unsafe fixes too (`patch --unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Project-wide facts (functions of other modules that return sessions or clients).
    pub project: Option<Arc<Project>>,
    /// The results cache (never for standard input, nor with `--no-cache`).
    pub cache: Option<Arc<Cache>>,
    /// Which of the run's jobs (a path and the configuration that applies to it) these are the
    /// options of: the project pass's facts about a job's files are kept by job and place.
    pub job: usize,
}

impl Options {
    /// Options for a dry run with one endpoint, the literal style and the AST engine.
    pub fn new(mode: Mode, endpoint: &str) -> Options {
        Options {
            mode,
            endpoints: Endpoints::single(endpoint),
            style: EndpointStyle::Literal,
            engine: EngineChoice::Ast,
            write: false,
            unsafe_fixes: false,
            project: None,
            cache: None,
            job: 0,
        }
    }
}

/// What happened to one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    /// Not source awsredirect can read (binary, too large, unsupported type).
    Skipped(String),
    /// Source that could not be processed; nothing was written.
    Failed(Failure),
    Processed(Processed),
}

#[derive(Debug)]
pub struct Failure {
    pub message: String,
    /// Where in `text` the problem is, when known.
    pub offset: Option<usize>,
    pub text: Option<String>,
}

#[derive(Debug)]
pub struct Processed {
    pub language: Language,
    /// The engine that found the sites.
    pub engine: Engine,
    /// The text as read, without its byte-order mark.
    pub text: String,
    /// Whether the file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    pub detection: Detection,
    /// The new text, when the mode changed something.
    pub updated: Option<String>,
    /// How many sites the change touched.
    pub changed_sites: usize,
    pub fixes: FixCounts,
    /// Endpoints of overrides in awsredirect's own shape that `unpatch` left because they point
    /// elsewhere than the endpoint it was given, one per site.
    pub other_endpoints: Vec<String>,
    /// Every finding, whatever the selection, where the run computed them for the cache or took
    /// them from it (`detection` is then empty); `None` when `check` computes them itself.
    pub findings: Option<Vec<Finding>>,
    /// What the file's resolution asked the project-wide facts, with the answers.
    pub queries: Queries,
}

/// The fixes a run did not apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FixCounts {
    /// Fixes left out whole because they overlapped another.
    pub skipped: usize,
    /// Unsafe fixes available with `--unsafe-fixes`.
    pub unsafe_available: usize,
}

/// Runs the pipeline over `files` on all cores (one worker more where changes are verified,
/// which may wait on bash). `map` turns each report into what the caller
/// keeps (on the worker thread, so a file's text is dropped as soon as it is done with), and
/// `sink` receives the results in the order of `files`, as soon as each is ready: memory stays
/// bounded by the few files in flight, however large the tree.
pub fn run_each<T: Send>(
    files: &[(PathBuf, Language)],
    options: &Options,
    map: impl Fn(FileReport) -> T + Sync,
    sink: impl FnMut(T),
) {
    let work = |i, (path, language): &(PathBuf, Language)| {
        map(process(path.clone(), i, *language, options))
    };
    match options.mode {
        Mode::Check => parallel::for_each(files, work, sink),
        Mode::Patch | Mode::Unpatch => parallel::for_each_waiting(files, work, sink),
    }
}

/// Runs the pipeline over `files` and returns every report, in the order of `files`.
pub fn run(files: &[(PathBuf, Language)], options: &Options) -> Vec<FileReport> {
    let mut reports = Vec::with_capacity(files.len());
    run_each(
        files,
        options,
        |report| report,
        |report| reports.push(report),
    );
    reports
}

/// The whole pipeline for the file at `path`, the `file`th of its job's. A file the project
/// pass read and found no SDK marker in is not read again: it is untouched, as it would be
/// found to be.
fn process(path: PathBuf, file: usize, language: Language, options: &Options) -> FileReport {
    let project = options.project.as_deref();
    if project.is_some_and(|p| {
        p.read_without_marker(Place {
            job: options.job,
            file,
        })
    }) {
        let outcome = Outcome::Processed(untouched(language));
        return FileReport { path, outcome };
    }
    let outcome = match files::read_source(&path, language) {
        Err(Problem::Skipped(reason)) => Outcome::Skipped(reason),
        Err(Problem::Failed(message)) => Outcome::Failed(Failure {
            message,
            offset: None,
            text: None,
        }),
        Ok(source) => process_source(&source, &path, options),
    };
    FileReport { path, outcome }
}

fn process_source(source: &SourceFile, path: &Path, options: &Options) -> Outcome {
    let cache = options
        .cache
        .as_deref()
        .filter(|_| options.mode != Mode::Unpatch);
    let needs_parse = needs_parse(source.language, &source.text, options, Some(path));
    let early = options
        .project
        .as_deref()
        .filter(|_| needs_parse)
        .and_then(|project| project.take_early(path))
        .and_then(|early| from_early(early, source, path, options));
    let processed = match early {
        // The project pass stored it in the cache already.
        Some(Ok(processed)) => processed,
        Some(Err(failure)) => return Outcome::Failed(failure),
        None => {
            if let Some(processed) = cache
                .filter(|_| needs_parse)
                .and_then(|cache| from_cache(cache, source, path, options))
            {
                return Outcome::Processed(processed);
            }
            let processed = match transform_at(source.language, &source.text, options, Some(path)) {
                Ok(processed) => Processed {
                    bom: source.bom,
                    ..processed
                },
                Err(failure) => return Outcome::Failed(failure),
            };
            match cache.filter(|_| needs_parse) {
                Some(cache) => store(cache, source, path, processed, options),
                None => processed,
            }
        }
    };
    if let (Some(updated), true) = (&processed.updated, options.write) {
        if let Err(message) = files::write_atomic(source, updated) {
            return Outcome::Failed(Failure {
                message,
                offset: None,
                text: None,
            });
        }
    }
    Outcome::Processed(processed)
}

/// The cached result of a file, where it holds for the project as it is now and the run can
/// use it: `check` always, `patch` when it would change nothing (a change is made for real).
fn from_cache(
    cache: &Cache,
    source: &SourceFile,
    path: &Path,
    options: &Options,
) -> Option<Processed> {
    let cached = cache.lookup(path, source.language, &source.text)?;
    from_cached(cached, source, path, options)
}

/// A stored result as the file's result, where the project's answers to its questions are
/// still the same and the run can use it (see `from_cache`).
fn from_cached(
    cached: Cached,
    source: &SourceFile,
    path: &Path,
    options: &Options,
) -> Option<Processed> {
    if !same_answers(&cached.queries, path, options) {
        return None;
    }
    let (chosen, unsafe_available) =
        applicable(patch_fixes(&cached.findings), options.unsafe_fixes);
    if options.mode == Mode::Patch && !chosen.is_empty() {
        return None;
    }
    Some(Processed {
        engine: cached.engine,
        text: source.text.clone(),
        bom: source.bom,
        fixes: FixCounts {
            skipped: 0,
            unsafe_available: if options.mode == Mode::Patch {
                unsafe_available
            } else {
                0
            },
        },
        findings: Some(cached.findings),
        ..untouched(source.language)
    })
}

/// Whether the project-wide facts answer each question as they did when it was asked.
fn same_answers(queries: &Queries, path: &Path, options: &Options) -> bool {
    let project = options.project.as_deref();
    let current = |dotted: &str| project.and_then(|p| p.returns(path, dotted));
    queries
        .iter()
        .all(|(dotted, answer)| current(dotted) == *answer)
}

/// A file's result from the project pass, which detects in the Python modules it parses for
/// factories before every module's factories are known: it stands where the complete facts
/// answer the file's questions as the pass did (almost always: most questions are about
/// functions that return no client).
#[derive(Debug)]
pub enum Early {
    /// Checked: its findings, packed as the cache stores them (`cache::pack`): kept for many
    /// modules until their turn, they take a fraction of the memory of `Finding`s.
    Done(Box<[u8]>),
    /// Planned for `patch`: the fixes it would consider (applied, and the result verified,
    /// when it is taken: only the edits are kept, not the new text). Boxed: the pass keeps
    /// one `Early` per module it checked, most of them `Done`.
    Planned(Box<Planned>),
    /// Not processed: a syntax error in the text read (found before any question is asked).
    Failed {
        message: String,
        offset: Option<usize>,
    },
}

/// What `patch` would do to a file the project pass parsed, short of applying it: the fixes of
/// its unsuppressed findings in the order detection found the sites (whatever their
/// applicability: `--unsafe-fixes` chooses when they are applied), and the file-level edits
/// the endpoint style adds with them.
#[derive(Debug)]
pub struct Planned {
    engine: Engine,
    queries: Queries,
    /// tree-sitter's error count in the text (what verification compares against).
    text_errors: usize,
    fixes: Vec<Fix>,
    file: Vec<Edit>,
    /// The lines holding the edits, which verification parses again (`lines_to_verify`).
    lines: Vec<std::ops::Range<usize>>,
}

/// The project pass's `check` of a Python module it parsed (`tree`), for per-file processing
/// to take: the result (with `options.project` the facts known so far; for `patch`, the plan
/// of its change) and the module's factories when detection found them.
pub fn process_early(
    source: &SourceFile,
    path: &Path,
    tree: &tree_sitter::Tree,
    options: &Options,
    patch: bool,
) -> (Option<Early>, Option<Vec<(String, String)>>) {
    if options.mode != Mode::Check
        || !needs_parse(source.language, &source.text, options, Some(path))
    {
        return (None, None);
    }
    let processed = match transform_tree(source.language, &source.text, tree, options, Some(path)) {
        Ok(processed) => processed,
        // A patched text that would not parse is found after detection asked its questions,
        // which the failure does not carry: that file is processed again.
        Err(failure) if failure.text.as_ref() == Some(&source.text) => {
            let early = Early::Failed {
                message: failure.message,
                offset: failure.offset,
            };
            return (Some(early), None);
        }
        Err(_) => return (None, None),
    };
    let factories =
        (processed.engine == Engine::Ast).then(|| processed.detection.factories.clone());
    let (engine, queries) = (processed.engine, processed.queries.clone());
    let planned = patch.then(|| {
        let text_errors = lang::error_offsets(tree).len();
        let fixes = patch_fixes_in_order(&processed.detection, &source.text, options);
        let file: Vec<Edit> = match options.style {
            EndpointStyle::Env => {
                fix::env_setup(source.language, &source.text, &processed.detection)
                    .into_iter()
                    .collect()
            }
            EndpointStyle::Literal => Vec::new(),
        };
        let lines = match engine {
            Engine::Ast => lines_to_verify(
                source.language,
                tree,
                &source.text,
                text_errors,
                &fixes,
                &file,
            ),
            Engine::Regex => Vec::new(),
        };
        Planned {
            engine,
            queries: queries.clone(),
            text_errors,
            fixes,
            file,
            lines,
        }
    });
    let findings = match options.cache.as_deref() {
        Some(cache) => store(cache, source, path, processed, options).findings,
        None if patch => None,
        None => Some(check::findings(
            &processed.detection,
            &processed.text,
            options,
            &crate::rules::Selection::default(),
        )),
    };
    let early = match (planned, findings) {
        (Some(planned), _) => Some(Early::Planned(Box::new(planned))),
        (None, Some(findings)) => Some(Early::Done(crate::cache::pack(&Cached {
            engine,
            queries,
            findings,
        }))),
        (None, None) => None,
    };
    (early, factories)
}

/// The fixes `patch` considers in a file's detection: those of its unsuppressed client
/// findings, in the order of the sites.
fn patch_fixes_in_order(detection: &Detection, text: &str, options: &Options) -> Vec<Fix> {
    check::site_findings(detection, text, options)
        .filter(|finding| !finding.suppressed)
        .filter_map(|finding| finding.fix)
        .collect()
}

/// A file's result from the project pass, where it stands (see `Early`).
fn from_early(
    early: Early,
    source: &SourceFile,
    path: &Path,
    options: &Options,
) -> Option<Result<Processed, Failure>> {
    match early {
        Early::Done(packed) => {
            from_cached(crate::cache::unpack(&packed)?, source, path, options).map(Ok)
        }
        Early::Planned(planned) => from_planned(*planned, source, path, options),
        Early::Failed { message, offset } => Some(Err(Failure {
            message,
            offset,
            text: Some(source.text.clone()),
        })),
    }
}

/// `patch`'s result from the project pass's plan, where the project's answers to the file's
/// questions are still the same: the fixes applied and the new text verified, as `finish`
/// does.
fn from_planned(
    planned: Planned,
    source: &SourceFile,
    path: &Path,
    options: &Options,
) -> Option<Result<Processed, Failure>> {
    if options.mode != Mode::Patch || !same_answers(&planned.queries, path, options) {
        return None;
    }
    let (fixes, unsafe_available) = applicable(planned.fixes, options.unsafe_fixes);
    let file = if fixes.is_empty() {
        Vec::new()
    } else {
        planned.file
    };
    let plan = Plan {
        fixes,
        lines: planned.lines,
        file,
        unsafe_available,
        other_endpoints: Vec::new(),
    };
    let parsed = verify::Before {
        text: &source.text,
        errors: planned.text_errors,
        tree: None,
        changes: None,
    };
    let applied = apply_plan(source.language, planned.engine, &parsed, plan);
    Some(applied.map(|processed| Processed {
        bom: source.bom,
        queries: planned.queries,
        ..processed
    }))
}

/// The fixes `patch` would consider among a file's findings: those of client sites that no
/// comment suppresses.
fn patch_fixes(findings: &[Finding]) -> Vec<Fix> {
    findings
        .iter()
        .filter(|f| !f.suppressed)
        .filter_map(|f| f.fix.clone())
        .collect()
}

/// Stores a freshly processed file's findings; a file `patch` rewrites is not stored (its old
/// text will not be read again).
fn store(
    cache: &Cache,
    source: &SourceFile,
    path: &Path,
    processed: Processed,
    options: &Options,
) -> Processed {
    if processed.updated.is_some() && options.write {
        return processed;
    }
    let findings = check::findings(
        &processed.detection,
        &processed.text,
        options,
        &crate::rules::Selection::default(),
    );
    let cached = Cached {
        engine: processed.engine,
        queries: processed.queries.clone(),
        findings,
    };
    cache.store(path, source.language, &source.text, &cached);
    Processed {
        findings: Some(cached.findings),
        ..processed
    }
}

/// Whether a text can hold anything the detectors report, so it must be parsed: the literal
/// prefilters of `sdk`, or a call of a function that project-wide facts say returns a session
/// or client. A text without any SDK marker needs no parse whatever the facts: the project
/// pass counts on it (`Project::read_without_marker`).
pub fn needs_parse(language: Language, text: &str, options: &Options, path: Option<&Path>) -> bool {
    if !sdk::mentions_aws(language, text) {
        return false;
    }
    sdk::may_construct(language, text)
        || (path.is_some()
            && options
                .project
                .as_deref()
                .is_some_and(|p| p.mentions_factory(text)))
}

/// Parse, detect, fix, apply and verify one text with the chosen engine, without any I/O.
pub fn transform(language: Language, text: &str, options: &Options) -> Result<Processed, Failure> {
    transform_at(language, text, options, None)
}

/// `transform` for the file at `path`, which lets the project-wide facts resolve its imports.
pub fn transform_at(
    language: Language,
    text: &str,
    options: &Options,
    path: Option<&Path>,
) -> Result<Processed, Failure> {
    if !needs_parse(language, text, options, path) {
        return Ok(untouched(language));
    }
    let tree = lang::parse(language, text);
    transform_tree(language, text, &tree, options, path)
}

/// `transform_at` of a text already parsed (the project pass parses a module once for its
/// factories and its detection).
fn transform_tree(
    language: Language,
    text: &str,
    tree: &tree_sitter::Tree,
    options: &Options,
    path: Option<&Path>,
) -> Result<Processed, Failure> {
    let errors = lang::error_offsets(tree);
    match (options.engine, errors.first().copied()) {
        (EngineChoice::Ast, Some(offset)) => Err(Failure {
            message: "syntax error; file left untouched (`--engine auto` or `--engine regex` handles files that do not parse)".into(),
            offset: Some(offset),
            text: Some(text.to_string()),
        }),
        (EngineChoice::Ast, None) | (EngineChoice::Auto, None) => {
            let project = options.project.as_deref().zip(path);
            let asked = std::sync::Mutex::new(Queries::new());
            let returns = |dotted: &str| {
                let answer = project.and_then(|(p, path)| p.returns(path, dotted));
                if let Ok(mut asked) = asked.lock() {
                    asked.push((dotted.to_string(), answer.clone()));
                }
                answer
            };
            let detection = sdk::detect(language, tree, text, project.map(|_| &returns as _));
            let processed = finish(language, Some(tree), text, errors.len(), detection, options)?;
            Ok(Processed {
                queries: asked.into_inner().unwrap_or_default(),
                ..processed
            })
        }
        (EngineChoice::Regex, _) | (EngineChoice::Auto, Some(_)) => {
            let detection = regex_engine::detect(language, text);
            finish(language, None, text, errors.len(), detection, options)
        }
    }
}

/// A file without any AWS marker: nothing to find, so it is not even parsed (its `text` is left
/// empty, as nothing will point into it).
fn untouched(language: Language) -> Processed {
    Processed {
        language,
        engine: Engine::Ast,
        text: String::new(),
        bom: false,
        detection: Detection::new(Vec::new(), '"'),
        updated: None,
        changed_sites: 0,
        fixes: FixCounts::default(),
        other_endpoints: Vec::new(),
        findings: None,
        queries: Queries::new(),
    }
}

/// Fix, apply and verify the sites one engine found: the AST engine's in `tree`, the regex
/// engine's without one.
fn finish(
    language: Language,
    tree: Option<&tree_sitter::Tree>,
    text: &str,
    text_errors: usize,
    detection: Detection,
    options: &Options,
) -> Result<Processed, Failure> {
    let mut planned = plan(language, &detection, text, options);
    if let Some(tree) = tree {
        let (fixes, file) = (&planned.fixes, &planned.file);
        planned.lines = lines_to_verify(language, tree, text, text_errors, fixes, file);
    }
    let engine = match tree {
        Some(_) => Engine::Ast,
        None => Engine::Regex,
    };
    let parsed = verify::Before {
        text,
        errors: text_errors,
        tree,
        changes: None,
    };
    let processed = apply_plan(language, engine, &parsed, planned)?;
    Ok(Processed {
        detection,
        ..processed
    })
}

/// The lines of a Python text parsed into `tree` that hold the edits of `fixes` and `file`: the
/// statements verification parses again (`verify::python`). None where the parse had errors
/// (`text_errors`): statement boundaries are only known in a clean parse.
fn lines_to_verify(
    language: Language,
    tree: &tree_sitter::Tree,
    text: &str,
    text_errors: usize,
    fixes: &[Fix],
    file: &[Edit],
) -> Vec<std::ops::Range<usize>> {
    let edits: Vec<&Edit> = fixes.iter().flat_map(|f| &f.edits).chain(file).collect();
    if language != Language::Python || text_errors > 0 || edits.is_empty() {
        return Vec::new();
    }
    let holds = |line: &std::ops::Range<usize>| {
        edits
            .iter()
            .any(|e| line.start < e.range.start && e.range.end < line.end)
    };
    let mut lines = lang::python::statement_lines(tree, text);
    lines.retain(holds);
    lines
}

/// Apply and verify a plan (the result's `detection` is left empty).
fn apply_plan(
    language: Language,
    engine: Engine,
    parsed: &verify::Before,
    planned: Plan,
) -> Result<Processed, Failure> {
    let text = parsed.text;
    let chosen: Vec<&Fix> = planned.fixes.iter().collect();
    let applied = fix::apply_fixes(text, &chosen, &planned.file);
    // A Python change parsed line by line where it can be; else the whole text, as below.
    let parsed_by_lines = |updated: &str| {
        let changes = applied.changes.as_deref();
        !planned.lines.is_empty()
            && changes
                .is_some_and(|c| verify::python::changed_lines_parse(updated, &planned.lines, c))
    };
    let by_lines = applied.applied > 0 && parsed_by_lines(&applied.text);
    let updated = (applied.applied > 0).then_some(applied.text);
    if let Some(updated) = updated.as_ref().filter(|_| !by_lines) {
        let input_must_parse = engine == Engine::Ast
            && matches!(
                language,
                Language::JavaScript | Language::TypeScript | Language::Tsx
            );
        let before = verify::Before {
            changes: applied.changes.as_deref(),
            ..*parsed
        };
        verify::verify_strictly(language, &before, updated, input_must_parse).map_err(|e| {
            Failure {
                message: format!(
                    "the patched file would not parse ({}); file left untouched",
                    e.message
                ),
                offset: e.offset,
                text: Some(updated.clone()),
            }
        })?;
    }
    Ok(Processed {
        language,
        engine,
        text: text.to_string(),
        bom: false,
        detection: Detection::new(Vec::new(), '"'),
        updated,
        changed_sites: applied.applied,
        fixes: FixCounts {
            skipped: applied.skipped,
            unsafe_available: planned.unsafe_available,
        },
        other_endpoints: planned.other_endpoints,
        findings: None,
        queries: Queries::new(),
    })
}

/// What a mode changes: one fix per site, file-level edits (an import) made with the first fix,
/// the unsafe fixes left out, and (`unpatch`) overrides of awsredirect's shape that point at
/// another endpoint than the one given.
#[derive(Debug, Default)]
struct Plan {
    fixes: Vec<Fix>,
    /// The lines verification parses again where not the whole text (see `lines_to_verify`).
    lines: Vec<std::ops::Range<usize>>,
    file: Vec<Edit>,
    unsafe_available: usize,
    other_endpoints: Vec<String>,
}

fn plan(language: Language, detection: &Detection, text: &str, options: &Options) -> Plan {
    match options.mode {
        Mode::Patch => patch_plan(language, detection, text, options),
        Mode::Unpatch => unpatch_plan(language, detection, text, options),
        Mode::Check => Plan::default(),
    }
}

/// `patch` applies the fixes of `check`'s findings: the two cannot disagree about a site.
fn patch_plan(language: Language, detection: &Detection, text: &str, options: &Options) -> Plan {
    let fixes = patch_fixes_in_order(detection, text, options);
    let (fixes, unsafe_available) = applicable(fixes, options.unsafe_fixes);
    let file = match options.style {
        EndpointStyle::Env if !fixes.is_empty() => fix::env_setup(language, text, detection),
        _ => None,
    };
    Plan {
        fixes,
        lines: Vec::new(),
        file: file.into_iter().collect(),
        unsafe_available,
        other_endpoints: Vec::new(),
    }
}

/// The fixes a patch applies — safe ones, and unsafe ones with `--unsafe-fixes` — and how many
/// unsafe ones it left out.
fn applicable(fixes: Vec<Fix>, unsafe_fixes: bool) -> (Vec<Fix>, usize) {
    let (chosen, left): (Vec<Fix>, Vec<Fix>) =
        fixes.into_iter().partition(|f| match f.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => unsafe_fixes,
            Applicability::DisplayOnly => false,
        });
    let unsafe_left = left
        .iter()
        .filter(|f| f.applicability == Applicability::Unsafe)
        .count();
    (chosen, unsafe_left)
}

fn unpatch_plan(language: Language, detection: &Detection, text: &str, options: &Options) -> Plan {
    let mut plan = Plan::default();
    let mut env_sites_left = 0;
    for site in &detection.sites {
        let SiteState::Redirected(redirect) = &site.state else {
            continue;
        };
        let endpoint = options.endpoints.for_service(site.service.as_deref());
        let removal = fix::unredirect(site, text, endpoint)
            .or_else(|| fix::unredirect(site, text, &options.endpoints.default));
        match (removal, &redirect.endpoint) {
            (Some(removal), _) => plan.fixes.push(Fix::safe(removal)),
            (None, Some(other)) if fix::unredirect(site, text, other).is_some() => {
                plan.other_endpoints.push(other.clone());
            }
            (None, _) if redirect.from_env => env_sites_left += 1,
            (None, _) => {}
        }
    }
    if !plan.fixes.is_empty() && env_sites_left == 0 {
        plan.file.extend(fix::env_teardown(language, text));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(applicability: Applicability) -> Fix {
        Fix {
            edits: vec![Edit::insertion(0, "x")],
            applicability,
        }
    }

    #[test]
    fn unsafe_fixes_only_with_the_flag_and_display_only_never() {
        let all = || {
            vec![
                fix(Applicability::Safe),
                fix(Applicability::Unsafe),
                fix(Applicability::DisplayOnly),
            ]
        };
        let (chosen, unsafe_left) = applicable(all(), false);
        assert_eq!(chosen, vec![fix(Applicability::Safe)]);
        assert_eq!(unsafe_left, 1);
        let (chosen, unsafe_left) = applicable(all(), true);
        assert_eq!(
            chosen,
            vec![fix(Applicability::Safe), fix(Applicability::Unsafe)]
        );
        assert_eq!(unsafe_left, 0);
    }
}
