//! Project configuration: `awsredirect.toml`, or `[tool.awsredirect]` in `pyproject.toml`, found
//! by walking up from a target. Unknown keys are errors that point into the file.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The settings a file may hold; every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The default endpoint.
    pub endpoint: Option<String>,
    /// Endpoints per service (`s3 = "http://localhost:9000"`), used where the service is known.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    /// Globs, relative to the configuration file's directory, of paths not to walk.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Rule codes (or prefixes) to report; all when empty.
    #[serde(default)]
    pub select: Vec<String>,
    /// Rule codes (or prefixes) never to report.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// `literal` or `env`.
    pub style: Option<String>,
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
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    awsredirect: Option<Config>,
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
    })?;
    let error = |e: toml::de::Error| ConfigError {
        path: path.to_path_buf(),
        text: text.clone(),
        message: e.message().to_string(),
        span: e.span(),
    };
    let config = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        let project: PyProject = toml::from_str(&text).map_err(error)?;
        match project.tool.and_then(|t| t.awsredirect) {
            Some(config) => config,
            None => return Ok(Loaded::default()),
        }
    } else {
        toml::from_str(&text).map_err(error)?
    };
    validate(&config).map_err(|message| ConfigError {
        path: path.to_path_buf(),
        span: key_span(&text, &message.0),
        text: text.clone(),
        message: message.1,
    })?;
    Ok(Loaded {
        config,
        path: Some(path.to_path_buf()),
    })
}

/// Checks values serde cannot: the style name and the globs. The error names the key.
fn validate(config: &Config) -> Result<(), (String, String)> {
    if let Some(style) = &config.style {
        if style != "literal" && style != "env" {
            return Err((
                "style".into(),
                format!("unknown style `{style}`, expected `literal` or `env`"),
            ));
        }
    }
    for glob in &config.exclude {
        globset::Glob::new(glob)
            .map_err(|e| ("exclude".to_string(), format!("bad glob `{glob}`: {e}")))?;
    }
    Ok(())
}

/// The range of `key = ...` in the text, for pointing at a bad value.
fn key_span(text: &str, key: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with('=') {
            let start = offset + (line.len() - trimmed.len());
            return Some(start..offset + line.trim_end().len());
        }
        offset += line.len();
    }
    None
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
        assert_eq!(&text[error.span.unwrap()], "style = \"fancy\"");
    }
}
