//! Project configuration: `awsredirect.toml`, or `[tool.awsredirect]` in `pyproject.toml`, found
//! by walking up from a target. Unknown keys are errors that point into the file.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::endpoint;
use crate::rules::Selection;

/// The settings a file may hold; every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The default endpoint.
    pub endpoint: Option<String>,
    /// Endpoints per service (`s3 = "http://localhost:9000"`), used where the service is known.
    pub endpoints: BTreeMap<String, String>,
    /// Globs of paths not to walk, replacing the default exclusions; `None` keeps the defaults.
    pub exclude: Option<Vec<String>>,
    /// Globs of paths not to walk, on top of `exclude` (or the defaults).
    pub extend_exclude: Vec<String>,
    /// Rule codes (or prefixes) to report; all when empty.
    pub select: Vec<String>,
    /// Rule codes (or prefixes) never to report.
    pub ignore: Vec<String>,
    /// `literal` or `env`.
    pub style: Option<String>,
    /// Where the results cache lives, relative to the configuration file's directory.
    pub cache_dir: Option<String>,
}

/// A configuration with the file it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub config: Config,
    /// The file, or `None` where no file was found.
    pub path: Option<PathBuf>,
}

impl Loaded {
    /// The directory `exclude` globs are relative to.
    pub fn root(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

/// A configuration file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    pub message: String,
    /// Byte range of the offending part of `text`.
    pub span: Option<Range<usize>>,
    /// What to do about it.
    pub hint: Option<String>,
}

/// A setting that cannot be used: in a configuration file, or an endpoint given outside one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    File(ConfigError),
    Endpoint(endpoint::EndpointError),
}

impl From<ConfigError> for SettingsError {
    fn from(error: ConfigError) -> SettingsError {
        SettingsError::File(error)
    }
}

const KEYS_HINT: &str =
    "the keys are: endpoint, endpoints, exclude, extend-exclude, select, ignore, style, cache-dir (see the README)";

/// The file as written, each value with its byte range for error frames.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    endpoint: Option<Spanned<String>>,
    #[serde(default)]
    endpoints: BTreeMap<String, Spanned<String>>,
    exclude: Option<Vec<Spanned<String>>>,
    #[serde(default, rename = "extend-exclude")]
    extend_exclude: Vec<Spanned<String>>,
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    style: Option<Spanned<String>>,
    #[serde(rename = "cache-dir")]
    cache_dir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    awsredirect: Option<Raw>,
}

/// A value serde accepted but awsredirect does not: what is wrong, where, and the way out.
struct Problem {
    message: String,
    span: Range<usize>,
    hint: String,
}

/// The configuration that applies to `target`: the nearest `awsredirect.toml`, or
/// `pyproject.toml` with a `[tool.awsredirect]` table, in its directory or above.
pub fn discover(target: &Path) -> Result<Loaded, ConfigError> {
    let start = fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf());
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(current) = dir {
        let own = current.join("awsredirect.toml");
        if own.is_file() {
            return load(&own);
        }
        let pyproject = current.join("pyproject.toml");
        if pyproject.is_file() {
            let loaded = load(&pyproject)?;
            if loaded.path.is_some() {
                return Ok(loaded);
            }
        }
        dir = current.parent();
    }
    Ok(Loaded::default())
}

/// Reads one file; a `pyproject.toml` without `[tool.awsredirect]` gives no configuration.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        text: String::new(),
        message: format!("cannot read: {e}"),
        span: None,
        hint: None,
    })?;
    let error = |e: toml::de::Error| ConfigError {
        path: path.to_path_buf(),
        text: text.clone(),
        message: e.message().to_string(),
        span: e.span(),
        hint: Some(KEYS_HINT.to_string()),
    };
    let raw = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        let project: PyProject = toml::from_str(&text).map_err(error)?;
        match project.tool.and_then(|t| t.awsredirect) {
            Some(raw) => raw,
            None => return Ok(Loaded::default()),
        }
    } else {
        toml::from_str(&text).map_err(error)?
    };
    validate(&raw).map_err(|problem| ConfigError {
        path: path.to_path_buf(),
        text: text.clone(),
        message: problem.message,
        span: Some(problem.span),
        hint: Some(problem.hint),
    })?;
    Ok(Loaded {
        config: plain(raw),
        path: Some(path.to_path_buf()),
    })
}

/// Checks values serde cannot: the style name, the globs, the endpoints and the rule codes.
fn validate(raw: &Raw) -> Result<(), Problem> {
    validate_style(raw.style.as_ref())?;
    validate_cache_dir(raw.cache_dir.as_ref())?;
    let globs = raw.exclude.iter().flatten().map(|g| ("exclude", g));
    for (key, glob) in globs.chain(raw.extend_exclude.iter().map(|g| ("extend-exclude", g))) {
        validate_glob(key, glob)?;
    }
    if let Some(value) = &raw.endpoint {
        validate_endpoint("endpoint", value)?;
    }
    for (service, value) in &raw.endpoints {
        validate_endpoint(&format!("endpoints.{service}"), value)?;
    }
    validate_codes(&raw.select, &raw.ignore)
}

fn validate_style(style: Option<&Spanned<String>>) -> Result<(), Problem> {
    match style {
        Some(style) if style.get_ref() != "literal" && style.get_ref() != "env" => Err(Problem {
            message: format!("unknown style `{}`", style.get_ref()),
            span: style.span(),
            hint: "`style` is `literal` or `env`".into(),
        }),
        _ => Ok(()),
    }
}

fn validate_cache_dir(dir: Option<&Spanned<String>>) -> Result<(), Problem> {
    match dir {
        Some(dir) if dir.get_ref().trim().is_empty() => Err(Problem {
            message: "empty `cache-dir`".into(),
            span: dir.span(),
            hint: "`cache-dir` is a directory, relative to the configuration file's, e.g. `.awsredirect_cache`"
                .into(),
        }),
        _ => Ok(()),
    }
}

fn validate_glob(key: &str, glob: &Spanned<String>) -> Result<(), Problem> {
    globset::Glob::new(glob.get_ref())
        .map(drop)
        .map_err(|e| Problem {
            message: format!("bad glob `{}` in `{key}`: {}", glob.get_ref(), e.kind()),
            span: glob.span(),
            hint: "globs are relative to the configuration file's directory, e.g. `generated/**`"
                .into(),
        })
}

fn validate_endpoint(key: &str, value: &Spanned<String>) -> Result<(), Problem> {
    endpoint::check(value.get_ref()).map_err(|bad| Problem {
        message: format!(
            "invalid endpoint {:?} in `{key}`: {}",
            value.get_ref(),
            bad.reason
        ),
        span: value.span(),
        hint: bad.hint,
    })
}

/// Unknown codes, as the command line finds them (`Selection::unknown_codes`).
fn validate_codes(select: &[Spanned<String>], ignore: &[Spanned<String>]) -> Result<(), Problem> {
    let selection = Selection {
        select: values(select),
        ignore: values(ignore),
    };
    let unknown = selection.unknown_codes();
    let keyed = select.iter().map(|c| ("select", c));
    match keyed
        .chain(ignore.iter().map(|c| ("ignore", c)))
        .find(|(_, code)| unknown.contains(code.get_ref()))
    {
        Some((key, code)) => Err(Problem {
            message: format!("unknown rule code `{}` in `{key}`", code.get_ref()),
            span: code.span(),
            hint: "`awsredirect rules` lists the codes".into(),
        }),
        None => Ok(()),
    }
}

fn values(spanned: &[Spanned<String>]) -> Vec<String> {
    spanned.iter().map(|s| s.get_ref().clone()).collect()
}

/// The configuration without its spans.
fn plain(raw: Raw) -> Config {
    let take = |values: Vec<Spanned<String>>| -> Vec<String> {
        values.into_iter().map(Spanned::into_inner).collect()
    };
    Config {
        endpoint: raw.endpoint.map(Spanned::into_inner),
        endpoints: raw
            .endpoints
            .into_iter()
            .map(|(service, url)| (service, url.into_inner()))
            .collect(),
        exclude: raw.exclude.map(take),
        extend_exclude: take(raw.extend_exclude),
        select: take(raw.select),
        ignore: take(raw.ignore),
        style: raw.style.map(Spanned::into_inner),
        cache_dir: raw.cache_dir.map(Spanned::into_inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_every_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "awsredirect.toml",
            "endpoint = \"http://e\"\nexclude = [\"gen/**\"]\nselect = [\"AR001\"]\nignore = [\"AR003\"]\nstyle = \"env\"\n[endpoints]\ns3 = \"http://minio:9000\"\n",
        );
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.config.endpoint.as_deref(), Some("http://e"));
        assert_eq!(loaded.config.exclude, Some(vec!["gen/**".to_string()]));
        assert_eq!(loaded.config.endpoints["s3"], "http://minio:9000");
        assert_eq!(loaded.config.style.as_deref(), Some("env"));
    }

    #[test]
    fn unknown_keys_point_into_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "endpoint = \"http://e\"\nendpoitn = \"x\"\n";
        let path = write(dir.path(), "awsredirect.toml", text);
        let error = load(&path).unwrap_err();
        assert!(error.message.contains("endpoitn"), "{}", error.message);
        assert_eq!(&text[error.span.unwrap()], "endpoitn");
    }

    #[test]
    fn pyproject_table_is_found_walking_up() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.awsredirect]\nendpoint = \"http://p\"\n",
        );
        let sub = dir.path().join("src/app");
        fs::create_dir_all(&sub).unwrap();
        let loaded = discover(&sub).unwrap();
        assert_eq!(loaded.config.endpoint.as_deref(), Some("http://p"));
    }

    #[test]
    fn pyproject_without_the_table_is_no_config() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "pyproject.toml", "[project]\nname = \"x\"\n");
        assert_eq!(discover(dir.path()).unwrap(), Loaded::default());
    }

    #[test]
    fn bad_style_is_an_error_at_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let text = "style = \"fancy\"\n";
        let path = write(dir.path(), "awsredirect.toml", text);
        let error = load(&path).unwrap_err();
        assert_eq!(&text[error.span.unwrap()], "\"fancy\"");
    }

    #[test]
    fn extend_exclude_adds_and_absent_exclude_keeps_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "awsredirect.toml",
            "extend-exclude = [\"gen/**\"]\n",
        );
        let config = load(&path).unwrap().config;
        assert_eq!(config.exclude, None);
        assert_eq!(config.extend_exclude, vec!["gen/**".to_string()]);
    }

    fn error_at(text: &str) -> (ConfigError, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "awsredirect.toml", text);
        let error = load(&path).unwrap_err();
        let pointed = text[error.span.clone().unwrap()].to_string();
        (error, pointed)
    }

    #[test]
    fn a_bad_endpoint_points_at_its_value_with_a_hint() {
        let (error, pointed) = error_at("endpoint = \"localhost:4566\"\n");
        assert_eq!(pointed, "\"localhost:4566\"");
        assert!(error.message.contains("`endpoint`"), "{}", error.message);
        assert_eq!(
            error.hint.as_deref(),
            Some("did you mean http://localhost:4566?")
        );
    }

    #[test]
    fn a_bad_per_service_endpoint_names_its_service() {
        let text =
            "endpoint = \"http://ok:1\"\n[endpoints]\ns3 = \"http://minio:9000\"\nsqs = \"\"\n";
        let (error, pointed) = error_at(text);
        assert_eq!(pointed, "\"\"");
        assert!(
            error.message.contains("`endpoints.sqs`"),
            "{}",
            error.message
        );
        assert!(error.message.contains("empty"), "{}", error.message);
    }

    #[test]
    fn unknown_rule_codes_point_at_the_code() {
        let (error, pointed) = error_at("select = [\"AR001\"]\nignore = [\"AR0\", \"XY9\"]\n");
        assert_eq!(pointed, "\"XY9\"");
        assert!(error.message.contains("`ignore`"), "{}", error.message);
    }

    #[test]
    fn unknown_codes_in_pyproject_point_at_the_code() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[tool.awsredirect]\nselect = [\"AR9\"]\n";
        let path = write(dir.path(), "pyproject.toml", text);
        let error = load(&path).unwrap_err();
        assert_eq!(&text[error.span.unwrap()], "\"AR9\"");
    }

    #[test]
    fn a_bad_glob_points_at_it() {
        let (error, pointed) = error_at("extend-exclude = [\"ok/**\", \"a[\"]\n");
        assert_eq!(pointed, "\"a[\"");
        assert!(
            error.message.contains("extend-exclude"),
            "{}",
            error.message
        );
    }
}
