//! Command-line interface: clap definitions, settings resolution (flags over the configuration
//! file over defaults), and one file per command.

pub mod ca;
pub mod check;
pub mod clean;
pub mod completions;
pub mod infra;
pub mod patch;
pub mod rules;
pub mod run;
pub mod serve;
pub mod stdin;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cache::{self, Cache};
use crate::config::{self, ConfigError, Loaded, SettingsError};
use crate::endpoint::{self, EndpointError, Origin};
use crate::engine::{Endpoints, EngineChoice, Mode, Options};
use crate::fix::EndpointStyle;
use crate::lang::Language;
use crate::output;
use crate::project::{Place, Project};
use crate::rules::Selection;
use crate::walk::{self, Exclude, WalkOptions};

pub const DEFAULT_ENDPOINT: &str = "http://localhost:4566";

#[derive(Debug, Parser)]
#[command(
    name = "awsredirect",
    version,
    about = "Point AWS SDK code at a local endpoint (LocalStack, moto, MinIO) by rewriting the source precisely.",
    long_about = "Point AWS SDK code at a local endpoint (LocalStack, moto, MinIO) by rewriting the source precisely.\n\n\
awsredirect finds every AWS client construction in Python (boto3, botocore, aioboto3, \
aiobotocore) and JavaScript / TypeScript (AWS SDK v2 and v3), and adds an endpoint override with a \
minimal, reviewable edit that `unpatch` removes again byte for byte.",
    after_help = "Examples:\n  \
awsredirect patch --diff src/        show what would change\n  \
awsredirect patch src/               redirect every client to http://localhost:4566\n  \
awsredirect check src/               fail (exit 1) if any client still talks to real AWS\n  \
awsredirect unpatch src/             remove exactly what patch added\n\n\
Settings come from flags, then awsredirect.toml or [tool.awsredirect] in pyproject.toml\n\
(nearest one above each path), then defaults.\n\n\
Exit codes: 0 nothing to report, 1 findings or changes (check, --check), 2 errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output: `auto` colours a terminal unless NO_COLOR is set (FORCE_COLOR
    /// colours a pipe too).
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorArg,
    /// Print findings, diffs, warnings and errors only: no summary, notes or skipped-file lines.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add endpoint overrides to every AWS client that lacks one.
    #[command(after_help = "Examples:\n  \
awsredirect patch --diff .                            review the change as a unified diff\n  \
awsredirect patch --endpoint http://localhost:5000 app/   redirect to moto's server\n  \
awsredirect patch --style env .                       read AWS_ENDPOINT_URL, fall back to the endpoint\n  \
awsredirect patch --check .                           exit 1 if anything would change")]
    Patch(patch::PatchArgs),
    /// Remove the endpoint overrides `patch` added (byte-identical round trip).
    #[command(after_help = "Examples:\n  \
awsredirect unpatch .                                 undo `awsredirect patch .`\n  \
awsredirect unpatch --endpoint http://localhost:5000 app/   undo a patch made with that endpoint")]
    Unpatch(patch::PatchArgs),
    /// Report every AWS client that is not redirected (exit 1 if any).
    #[command(after_help = "Examples:\n  \
awsredirect check .                          findings with code frames\n  \
awsredirect check --format json src/         machine-readable findings\n  \
awsredirect check --format sarif . > r.sarif for GitHub code scanning\n  \
awsredirect check --select AR001 --ignore AR003 .")]
    Check(check::CheckArgs),
    /// Remove the results cache (`.awsredirect_cache/` at the project root, or `cache-dir`).
    #[command(after_help = "Example:\n  awsredirect clean")]
    Clean(clean::CleanArgs),
    /// Print the documentation of one rule.
    #[command(after_help = "Example:\n  awsredirect rule AR001")]
    Rule(rules::RuleArgs),
    /// List every rule.
    #[command(after_help = "Example:\n  awsredirect rules")]
    Rules,
    /// Run the bundled AWS emulator on a local endpoint: S3, SQS, STS, DynamoDB, SNS, SSM Parameter
    /// Store, Secrets Manager, Lambda, IAM and EventBridge (with --tls-port HTTPS, with --dns a DNS
    /// responder).
    #[command(after_help = "Examples:\n  \
awsredirect serve                              http://127.0.0.1:4566, state in memory\n  \
awsredirect serve --port 0 --state-dir .state  a free port; state survives restarts\n  \
awsredirect serve --dns 127.0.0.1:5353         also answer *.amazonaws.com with 127.0.0.1")]
    Serve(serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:\n  \
awsredirect completions bash > ~/.local/share/bash-completion/completions/awsredirect\n  \
awsredirect completions zsh > ~/.zfunc/_awsredirect     (with ~/.zfunc in $fpath)\n  \
awsredirect completions fish > ~/.config/fish/completions/awsredirect.fish\n  \
awsredirect completions powershell >> $PROFILE")]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    #[command(after_help = "Examples:\n  \
awsredirect man | man -l -                 read it now\n  \
awsredirect man --dir ~/.local/share/man/man1   install every command's page")]
    Man(completions::ManArgs),
    /// Run a command in a sandbox where AWS is the bundled emulator and nothing else is
    /// reachable (Linux: user, network and mount namespaces).
    #[command(after_help = "Examples:\n  \
awsredirect run -- python app.py               unmodified boto3 code talks to the emulator\n  \
awsredirect run --state-dir .state -- aws s3 ls   state kept across runs\n  \
awsredirect run --add-host db.internal -- node job.mjs   another name for the emulator\n\n\
Inside: HTTP on 127.0.0.1:4566 and HTTPS on 443 (certificates from the local CA, exported in\n\
AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE and SSL_CERT_FILE), DNS on 53 answering\n\
every AWS name with the emulator and refusing the rest, every emulated service's AWS hostnames\n\
in /etc/hosts, only the loopback interface. The command's exit code is run's; 2 when the\n\
sandbox cannot be made.")]
    Run(run::RunArgs),
    /// The local certificate authority of `serve --tls-port` and `run`.
    #[command(after_help = "Example:\n  export AWS_CA_BUNDLE=$(awsredirect ca path)")]
    Ca(ca::CaArgs),
    /// Print configuration that sends AWS names to an endpoint at the infrastructure level:
    /// dnsmasq, /etc/hosts, iptables or resolv.conf.
    #[command(after_help = "Examples:\n  \
awsredirect infra dnsmasq > /etc/dnsmasq.d/awsredirect.conf   AWS domains -> 127.0.0.1\n  \
awsredirect infra hosts --services s3,sqs --regions us-east-1 an /etc/hosts block\n  \
awsredirect infra iptables --endpoint https://127.0.0.1:4443  DNAT 443 and 80 to the emulator\n  \
awsredirect infra resolv                                      the nameserver line for serve --dns\n\n\
Each output starts with comments saying what it does, how to install it and how to undo it.")]
    Infra(infra::InfraArgs),
}

/// Flags every file-processing command shares.
#[derive(Debug, Args)]
pub struct Common {
    /// Files or directories to process [default: .]; `-` reads standard input (`patch -` prints
    /// the patched text)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The file name standard input stands for (`-`): it chooses the language (by extension or
    /// shebang; Python without one), the configuration that applies and the name in reports.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Walk everything: ignore .gitignore and the exclusions. Excluded by default: .git, .hg,
    /// .svn, .bzr, .venv, venv, node_modules, site-packages, __pycache__, .mypy_cache,
    /// .pytest_cache, .ruff_cache, .tox, .nox, cdk.out, .aws-sam, .awsredirect_cache, any
    /// directory holding a pyvenv.cfg, and vendored SDK copies (a directory holding a boto3,
    /// botocore, aioboto3 or aiobotocore package). The configuration's `exclude` replaces this
    /// list; `extend-exclude` adds to it. Hidden directories are walked.
    #[arg(long)]
    pub no_ignore: bool,
    /// Apply the exclusions to paths named on the command line too (as pre-commit passes them).
    #[arg(long)]
    pub force_exclude: bool,
    /// The endpoint clients should talk to: an http:// or https:// URL [env:
    /// AWSREDIRECT_ENDPOINT] [default: http://localhost:4566, or the configuration's `endpoint`]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// How the endpoint is written: a literal, or a read of AWS_ENDPOINT_URL with the endpoint as
    /// fallback [default: literal, or the configuration's `style`]
    #[arg(long, value_enum)]
    pub style: Option<StyleArg>,
    /// Use this configuration file instead of looking for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How sites are found: `ast` (tree-sitter), `regex` (line-based patterns), or `auto`
    /// (regex only where a file does not parse).
    #[arg(long, value_enum, default_value = "ast")]
    pub engine: EngineArg,
    /// Neither read nor write the results cache (`.awsredirect_cache/` at the project root, or
    /// the configuration's `cache-dir`, or AWSREDIRECT_CACHE_DIR).
    #[arg(long)]
    pub no_cache: bool,
}

/// `--engine`: how sites are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Parse with tree-sitter; files that do not parse are reported and left untouched.
    Ast,
    /// Line-based patterns, for templates, Python 2 and broken files (see README: limits).
    Regex,
    /// The AST engine where a file parses, the regex engine where it does not.
    Auto,
}

impl From<EngineArg> for EngineChoice {
    fn from(arg: EngineArg) -> EngineChoice {
        match arg {
            EngineArg::Ast => EngineChoice::Ast,
            EngineArg::Regex => EngineChoice::Regex,
            EngineArg::Auto => EngineChoice::Auto,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StyleArg {
    Literal,
    Env,
}

/// Exit status conventions shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing to report.
    Clean = 0,
    /// Findings (`check`) or changes (`--check`).
    Findings = 1,
    /// At least one error.
    Error = 2,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// Files to process with the settings that apply to them.
#[derive(Debug)]
pub struct Job {
    pub files: Vec<(PathBuf, Language)>,
    pub options: Options,
    pub selection: Selection,
}

/// Everything the walk produced: jobs, plus what could not be walked.
#[derive(Debug, Default)]
pub struct Plan {
    pub jobs: Vec<Job>,
    pub unsupported: Vec<PathBuf>,
    /// Paths named on the command line that `--force-exclude` left out.
    pub excluded: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, String)>,
    /// Temporary files an interrupted run left behind.
    pub leftovers: Vec<PathBuf>,
}

impl Common {
    fn paths(&self) -> Vec<PathBuf> {
        if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        }
    }

    /// Checks every setting, then walks every path with the configuration that applies to it;
    /// a bad setting stops the run before any file is read.
    pub fn plan(
        &self,
        mode: Mode,
        write: bool,
        cli_selection: &Selection,
    ) -> Result<Plan, SettingsError> {
        let endpoint = self.given_endpoint().map_err(SettingsError::Endpoint)?;
        let targets = self
            .paths()
            .into_iter()
            .map(|path| Ok((self.configuration(&path)?, path)))
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let mut plan = Plan::default();
        for (loaded, path) in targets {
            let walked = walk::walk(std::slice::from_ref(&path), &self.walk_options(&loaded)?);
            plan.unsupported.extend(walked.unsupported);
            plan.excluded.extend(walked.excluded);
            plan.errors.extend(walked.errors);
            plan.leftovers.extend(walked.leftovers);
            let mut options = self.options(&loaded, endpoint.as_deref(), mode, write);
            options.job = plan.jobs.len();
            options.cache = self.cache(&loaded, &options);
            plan.jobs.push(Job {
                files: walked.files,
                options,
                selection: selection(cli_selection, &loaded),
            });
        }
        let cache = plan.jobs.iter().find_map(|job| job.options.cache.clone());
        let jobs: Vec<Options> = plan.jobs.iter().map(|job| job.options.clone()).collect();
        let around = self.files_around();
        let project = Arc::new(Project::build(
            &Common::project_files(&plan, &around),
            &jobs,
            cache.as_deref(),
        ));
        drop(around);
        for job in &mut plan.jobs {
            job.options.project = Some(Arc::clone(&project));
        }
        Ok(plan)
    }

    /// The results cache of a job, unless `--no-cache` (or `unpatch`, which never uses it).
    fn cache(&self, loaded: &Loaded, options: &Options) -> Option<Arc<Cache>> {
        if self.no_cache || options.mode == Mode::Unpatch {
            return None;
        }
        let dir = cache::location(loaded.root(), loaded.config.cache_dir.as_deref());
        Cache::open(&dir, options).map(Arc::new)
    }

    /// Whether the input is standard input: `-` as the only path, or no path and
    /// `--stdin-filename`.
    pub fn reads_stdin(&self) -> bool {
        match self.paths.as_slice() {
            [] => self.stdin_filename.is_some(),
            [only] => only.as_os_str() == "-",
            _ => false,
        }
    }

    /// `-` among other paths: standard input is read alone.
    pub fn mixes_stdin(&self) -> bool {
        self.paths.len() > 1 && self.paths.iter().any(|path| path.as_os_str() == "-")
    }

    /// The settings for standard input, as if it were the file `--stdin-filename` names (its
    /// configuration is found from that file's directory); nothing is written.
    pub fn stdin_settings(
        &self,
        mode: Mode,
        cli_selection: &Selection,
    ) -> Result<StdinSettings, SettingsError> {
        let endpoint = self.given_endpoint().map_err(SettingsError::Endpoint)?;
        let name = self
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        let lookup = match self.stdin_filename.as_deref().map(std::path::Path::parent) {
            Some(Some(parent)) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let loaded = self.configuration(&lookup)?;
        let walk_options = self.walk_options(&loaded)?;
        let excluded = self.force_exclude
            && !self.no_ignore
            && self.stdin_filename.is_some()
            && walk_options.exclude.matches_named(&name);
        Ok(StdinSettings {
            options: self.options(&loaded, endpoint.as_deref(), mode, false),
            selection: selection(cli_selection, &loaded),
            excluded,
            name,
        })
    }

    /// The Python files the project-wide pass reads, sorted by path, each once (borrowed, not
    /// copied): those walked, and `around` (`files_around`), so a factory in a module that was
    /// not named still resolves. Each file comes with the index of the first job that
    /// processes it (none for the rest).
    fn project_files<'a>(
        plan: &'a Plan,
        around: &'a [(PathBuf, Language)],
    ) -> Vec<(&'a Path, Option<Place>)> {
        let in_jobs = plan.jobs.iter().enumerate().flat_map(|(job, files)| {
            files
                .files
                .iter()
                .enumerate()
                .filter(|(_, (_, language))| *language == Language::Python)
                .map(move |(file, (path, _))| (path.as_path(), Some(Place { job, file })))
        });
        let around = around
            .iter()
            .filter(|(_, language)| *language == Language::Python)
            .map(|(path, _)| (path.as_path(), None));
        let mut files: Vec<(&Path, Option<Place>)> = in_jobs.chain(around).collect();
        files.sort_by(|a, b| (a.0, a.1.is_none(), a.1).cmp(&(b.0, b.1.is_none(), b.1)));
        files.dedup_by(|later, first| later.0 == first.0);
        // Held for the whole project pass.
        files.shrink_to_fit();
        files
    }

    /// Where files are named one by one (as pre-commit does), the files of the tree under the
    /// working directory, which the project pass reads too; nothing otherwise.
    fn files_around(&self) -> Vec<(PathBuf, Language)> {
        if !self.paths.iter().any(|path| path.is_file()) {
            return Vec::new();
        }
        let options = WalkOptions {
            no_ignore: self.no_ignore,
            ..WalkOptions::default()
        };
        walk::walk(&[PathBuf::from(".")], &options).files
    }

    /// `--endpoint`, else `AWSREDIRECT_ENDPOINT` (set but empty is an error, not unset).
    fn given_endpoint(&self) -> Result<Option<String>, EndpointError> {
        let (value, origin) = match (&self.endpoint, std::env::var_os(endpoint::VARIABLE)) {
            (Some(value), _) => (value.clone(), Origin::Flag),
            (None, Some(value)) => (value.to_string_lossy().into_owned(), Origin::Environment),
            (None, None) => return Ok(None),
        };
        match endpoint::check(&value) {
            Ok(()) => Ok(Some(value)),
            Err(problem) => Err(EndpointError {
                value,
                origin,
                problem,
            }),
        }
    }

    fn configuration(&self, path: &std::path::Path) -> Result<Loaded, ConfigError> {
        match &self.config {
            Some(file) => config::load(file),
            None => config::discover(path),
        }
    }

    fn walk_options(&self, loaded: &Loaded) -> Result<WalkOptions, ConfigError> {
        let config = &loaded.config;
        let exclude = Exclude::new(
            loaded.root(),
            config.exclude.as_deref(),
            &config.extend_exclude,
        )
        .map_err(|e| ConfigError {
            path: loaded.path.clone().unwrap_or_default(),
            text: String::new(),
            message: format!("bad exclude glob: {e}"),
            span: None,
            hint: None,
        })?;
        Ok(WalkOptions {
            no_ignore: self.no_ignore,
            exclude,
            force_exclude: self.force_exclude,
        })
    }

    fn options(&self, loaded: &Loaded, endpoint: Option<&str>, mode: Mode, write: bool) -> Options {
        let config = &loaded.config;
        let default = endpoint
            .or(config.endpoint.as_deref())
            .unwrap_or(DEFAULT_ENDPOINT)
            .to_string();
        let style = match (self.style, config.style.as_deref()) {
            (Some(StyleArg::Env), _) | (None, Some("env")) => EndpointStyle::Env,
            _ => EndpointStyle::Literal,
        };
        Options {
            mode,
            endpoints: Endpoints {
                default,
                per_service: config
                    .endpoints
                    .iter()
                    .map(|(service, url)| (service.to_ascii_lowercase(), url.clone()))
                    .collect(),
            },
            style,
            engine: self.engine.into(),
            write,
            unsafe_fixes: false,
            job: 0,
            project: None,
            cache: None,
        }
    }
}

/// Settings for text read from standard input.
#[derive(Debug)]
pub struct StdinSettings {
    /// `--stdin-filename`, or `-`.
    pub name: PathBuf,
    pub options: Options,
    pub selection: Selection,
    /// `--force-exclude` and the configuration exclude `--stdin-filename`.
    pub excluded: bool,
}

/// Flags over the configuration's rule selection.
fn selection(cli_selection: &Selection, loaded: &Loaded) -> Selection {
    Selection {
        select: first_non_empty(&cli_selection.select, &loaded.config.select),
        ignore: first_non_empty(&cli_selection.ignore, &loaded.config.ignore),
    }
}

fn first_non_empty(preferred: &[String], fallback: &[String]) -> Vec<String> {
    if preferred.is_empty() {
        fallback.to_vec()
    } else {
        preferred.to_vec()
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    output::configure(output::Settings {
        color: match cli.color {
            ColorArg::Auto => output::ColorChoice::Auto,
            ColorArg::Always => output::ColorChoice::Always,
            ColorArg::Never => output::ColorChoice::Never,
        },
        quiet: cli.quiet,
    });
    let status = match cli.command {
        Command::Patch(args) => patch::run(args, Mode::Patch),
        Command::Unpatch(args) => patch::run(args, Mode::Unpatch),
        Command::Check(args) => check::run(args),
        Command::Clean(args) => clean::run(&args),
        Command::Rule(args) => rules::run_rule(args),
        Command::Rules => rules::run_rules(),
        Command::Serve(args) => return serve::run(args),
        Command::Completions(args) => completions::run_completions(args),
        Command::Man(args) => completions::run_man(args),
        Command::Run(args) => return run::run(args),
        Command::Ca(args) => return ca::run(args),
        Command::Infra(args) => infra::run(&args),
    };
    status.into()
}
