//! What awsredirect accepts as an endpoint: an absolute `http://` or `https://` URL with a host,
//! an optional port and path, and nothing else. Checked with the `url` crate, never a regex.

use url::Url;

/// Why a value is not an endpoint, and what was probably meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEndpoint {
    pub reason: String,
    pub hint: String,
}

/// The environment variable `--endpoint` falls back to.
pub const VARIABLE: &str = "AWSREDIRECT_ENDPOINT";

/// Where an endpoint given outside the configuration file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--endpoint`.
    Flag,
    /// The `AWSREDIRECT_ENDPOINT` environment variable.
    Environment,
}

/// An endpoint from the command line or the environment that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError {
    pub value: String,
    pub origin: Origin,
    pub problem: BadEndpoint,
}

/// Accepts `value` as written (it is not normalised) or says why not.
pub fn check(value: &str) -> Result<(), BadEndpoint> {
    if value.is_empty() {
        return Err(bad("it is empty", example_hint()));
    }
    if let Some(c) = value.chars().find(|c| !is_url_char(*c)) {
        return Err(bad(
            &format!("it contains {c:?}, which a URL cannot hold"),
            example_hint(),
        ));
    }
    match Url::parse(value) {
        Ok(url) => check_parts(value, &url),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(missing_scheme(value)),
        Err(e) => Err(bad(&format!("it is not a URL ({e})"), example_hint())),
    }
}

fn check_parts(value: &str, url: &Url) -> Result<(), BadEndpoint> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(if value.contains("://") {
            wrong_scheme(value, url.scheme())
        } else {
            missing_scheme(value)
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host", example_hint()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it holds credentials", without_hint(url)));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "an endpoint has no query or fragment",
            without_hint(url),
        ));
    }
    Ok(())
}

/// `localhost:4566` parses as a URL with the scheme `localhost`, so a missing scheme is told
/// apart by the absence of `://`.
fn missing_scheme(value: &str) -> BadEndpoint {
    let guess = format!("http://{value}");
    let hint = if check(&guess).is_ok() {
        format!("did you mean {guess}?")
    } else {
        example_hint()
    };
    bad("it has no http:// or https:// scheme", hint)
}

fn wrong_scheme(value: &str, scheme: &str) -> BadEndpoint {
    let guess = format!("http{}", &value[scheme.len()..]);
    let hint = if check(&guess).is_ok() {
        format!("did you mean {guess}?")
    } else {
        example_hint()
    };
    bad(
        &format!("its scheme is {scheme}://, not http:// or https://"),
        hint,
    )
}

fn without_hint(url: &Url) -> String {
    let mut plain = url.clone();
    plain.set_query(None);
    plain.set_fragment(None);
    let _ = plain.set_username("");
    let _ = plain.set_password(None);
    format!("did you mean {plain}?")
}

fn example_hint() -> String {
    "an endpoint looks like http://localhost:4566".to_string()
}

fn bad(reason: &str, hint: String) -> BadEndpoint {
    BadEndpoint {
        reason: reason.to_string(),
        hint,
    }
}

/// The characters RFC 3986 allows in a URL (unreserved, reserved and `%`).
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_urls_with_a_host() {
        for ok in [
            "http://localhost:4566",
            "https://localstack.internal",
            "http://127.0.0.1:4566/",
            "http://[::1]:9000/prefix/path",
            "HTTP://Localhost:4566",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_is_not_an_endpoint() {
        for bad in [
            "",
            "localhost:4566",
            "ftp://localhost",
            "http://",
            "http://local host:4566",
            "http://localhost:4566 ",
            "http://localhost:99999",
            "http://user:secret@localhost",
            "http://localhost?x=1",
            "http://localhost/#top",
            "/just/a/path",
            "http://localhost/\"quoted\"",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_missing_scheme_suggests_http() {
        let error = check("localhost:4566").unwrap_err();
        assert_eq!(error.hint, "did you mean http://localhost:4566?");
        let error = check("ftp://minio:9000").unwrap_err();
        assert_eq!(error.hint, "did you mean http://minio:9000?");
        assert!(error.reason.contains("ftp://"), "{}", error.reason);
    }

    #[test]
    fn spaces_and_emptiness_are_named() {
        assert!(check("").unwrap_err().reason.contains("empty"));
        assert!(check("http://a b").unwrap_err().reason.contains("' '"));
        assert!(check("http://").unwrap_err().reason.contains("host"));
    }
}
