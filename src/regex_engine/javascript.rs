//! JavaScript / TypeScript for the regex engine: `new AWS.X(...)` (SDK v2) and `new XClient(...)`
//! for client classes imported from `@aws-sdk/client-*` (SDK v3), with their first argument
//! read as an object literal when it is one.
//!
//! `detect` turns them into the same `Site`s as the AST engine (`Target::JsNew`), so the
//! JavaScript fixer and verification are shared.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::lexer::{bracketed, mark, string_end, Bracketed, Class};
use crate::lang::javascript::{Arg, ArgList, ObjectLit, Prop, PropKind, StringLit};
use crate::lang::Language;
use crate::sdk::javascript::NewTarget;
use crate::sdk::{self, Detection, Site, SiteKind, Target};

/// `new AWS.S3(`, `new AWS.DynamoDB.DocumentClient(`, `new Name(` (checked against the imports).
const NEW_PATTERN: &str =
    r"\bnew\s+(AWS\s*\.\s*[A-Z]\w*(?:\s*\.\s*[A-Z]\w*)?|[A-Z]\w*)\s*(?:<[^<>()]*>\s*)?\(";
/// `import { S3Client, SQSClient as Q } from "@aws-sdk/client-s3"` and
/// `const { S3Client } = require("@aws-sdk/client-s3")`.
const IMPORT_PATTERN: &str = r#"(?s)(?:import\s*(?:type\s*)?\{([^}]*)\}\s*from|(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\s*\()\s*['"]@aws-sdk/client-[\w-]+['"]"#;

/// One `new` construction of a client class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExpression {
    /// From `new` to the closing parenthesis.
    pub range: Range<usize>,
    /// The class as written without blanks: `AWS.S3`, `S3Client`.
    pub class: String,
    pub args: Bracketed,
    /// The first argument, when it is an object literal.
    pub object: Option<ObjectLiteral>,
}

/// An object literal `{ ... }` and its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectLiteral {
    pub braces: Bracketed,
    pub props: Vec<Property>,
}

/// One property of an object literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub range: Range<usize>,
    /// The key of `key: value`, `"key": value` or shorthand `key`; `None` for spreads,
    /// computed keys and methods.
    pub key: Option<String>,
    /// The value of `key: value`.
    pub value: Option<Range<usize>>,
    /// `...expr`
    pub spread: bool,
}

fn pattern(cell: &'static OnceLock<Regex>, source: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(source).expect("regex engine patterns are valid"))
}

/// Every AWS SDK client construction the patterns find, in source order.
pub fn constructions(text: &str) -> Vec<NewExpression> {
    static NEW: OnceLock<Regex> = OnceLock::new();
    let classes = classify(text);
    let imported = imported_clients(text, &classes);
    let v2 = text.contains("aws-sdk");
    pattern(&NEW, NEW_PATTERN)
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let class: String = c[1].chars().filter(|ch| !ch.is_whitespace()).collect();
            let known = if let Some(v2_class) = class.strip_prefix("AWS.") {
                v2 && is_v2_client(v2_class)
            } else {
                imported.contains(&class)
            };
            if !known || classes[whole.start()] != Class::Code {
                return None;
            }
            let args = bracketed(text, &classes, whole.end() - 1)?;
            let object = args
                .items
                .first()
                .filter(|r| is_object_literal(&text[(*r).clone()]))
                .and_then(|r| object_literal(text, &classes, r.start));
            Some(NewExpression {
                range: whole.start()..args.close + 1,
                class,
                args,
                object,
            })
        })
        .collect()
}

/// S3's upload helper: a site only when its options pass no `service` (then it cannot be
/// redirected automatically), as in the AST engine.
const MANAGED_UPLOAD: &str = "S3.ManagedUpload";

/// `S3`, `DynamoDB.DocumentClient`: a v2 service client (from the SDK's own service list), not
/// `Endpoint` or `SharedIniFileCredentials`; and `S3.ManagedUpload`.
fn is_v2_client(class: &str) -> bool {
    matches!(class, "DynamoDB.DocumentClient" | MANAGED_UPLOAD)
        || sdk::javascript::v2_service_id(class).is_some()
}

/// An item that starts with `{`, and not with a template tag such as `{{ options }}`.
fn is_object_literal(item: &str) -> bool {
    item.starts_with('{') && !item.starts_with("{{") && !item.starts_with("{%")
}

/// The local names of the classes imported from `@aws-sdk/client-*` packages.
fn imported_clients(text: &str, classes: &[Class]) -> BTreeSet<String> {
    static IMPORT: OnceLock<Regex> = OnceLock::new();
    let mut names = BTreeSet::new();
    for c in pattern(&IMPORT, IMPORT_PATTERN).captures_iter(text) {
        let Some(list) = c.get(1).or_else(|| c.get(2)) else {
            continue;
        };
        if classes[c.get(0).map_or(0, |m| m.start())] != Class::Code {
            continue;
        }
        for entry in list.as_str().split(',') {
            let local = entry
                .rsplit([' ', ':'])
                .find(|w| !w.trim().is_empty())
                .unwrap_or("")
                .trim();
            if !local.is_empty() {
                names.insert(local.to_string());
            }
        }
    }
    names
}

fn object_literal(text: &str, classes: &[Class], open: usize) -> Option<ObjectLiteral> {
    let braces = bracketed(text, classes, open)?;
    let props = braces
        .items
        .iter()
        .map(|r| property(text, r.clone()))
        .collect();
    Some(ObjectLiteral { braces, props })
}

fn property(text: &str, range: Range<usize>) -> Property {
    static PAIR: OnceLock<Regex> = OnceLock::new();
    let source = &text[range.clone()];
    if source.starts_with("...") {
        return Property {
            range,
            key: None,
            value: None,
            spread: true,
        };
    }
    let pair = pattern(
        &PAIR,
        r#"^(?:([A-Za-z_$][\w$]*)|"([^"\\]*)"|'([^'\\]*)')\s*(:\s*)?"#,
    );
    let Some(c) = pair.captures(source) else {
        return Property {
            range,
            key: None,
            value: None,
            spread: false,
        };
    };
    let key = c
        .get(1)
        .or(c.get(2))
        .or(c.get(3))
        .map(|m| m.as_str().to_string());
    let end = c.get(0).map_or(0, |m| m.end());
    let shorthand = c.get(4).is_none() && end == source.len();
    let value = c.get(4).map(|_| range.start + end..range.end);
    Property {
        key: key.filter(|_| value.is_some() || shorthand),
        value,
        range,
        spread: false,
    }
}

/// Classifies every byte: strings and template literals, `//` and `/* */` comments, blanks
/// and code.
fn classify(text: &str) -> Vec<Class> {
    let bytes = text.as_bytes();
    let mut classes = vec![Class::Code; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        let next = bytes.get(i + 1).copied();
        let end = match (bytes[i], next) {
            (b'/', Some(b'/')) => memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n),
            (b'/', Some(b'*')) => {
                memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |n| i + 2 + n + 2)
            }
            (b'\'' | b'"', _) => string_end(bytes, i, false, false),
            (b'`', _) => string_end(bytes, i, false, true),
            (b' ' | b'\t' | b'\r' | b'\n', _) => {
                classes[i] = Class::Blank;
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let class = if bytes[i] == b'/' {
            Class::Comment
        } else {
            Class::Str
        };
        mark(&mut classes, i..end, class);
        i = end;
    }
    classes
}

/// The sites among the constructions, as the AST engine would describe them.
pub fn detect(language: Language, text: &str) -> Detection {
    let sites = constructions(text)
        .into_iter()
        .filter_map(|new| site(language, text, new))
        .collect();
    Detection::new(sites, sdk::preferred_quote(language, text))
}

fn site(language: Language, text: &str, new: NewExpression) -> Option<Site> {
    let (service, path_style) = service_of(&new.class);
    let object = new.object.map(|o| object_lit(text, o));
    let items = new
        .args
        .items
        .iter()
        .enumerate()
        .map(|(i, range)| Arg {
            range: range.clone(),
            spread: text[range.clone()].starts_with("..."),
            object: if i == 0 { object.clone() } else { None },
            bound_object: None,
        })
        .collect();
    let args = ArgList {
        open: new.args.open,
        close: new.args.close,
        items,
        trailing_comma: new.args.trailing_comma,
    };
    if new.class.strip_prefix("AWS.") == Some(MANAGED_UPLOAD) {
        return Some(Site {
            range: new.range.clone(),
            language,
            kind: SiteKind::Client,
            state: sdk::javascript::managed_upload_state(Some(&args))?,
            service: Some(service),
            target: Target::Nothing,
            constructor: new.class,
        });
    }
    Some(Site {
        range: new.range.clone(),
        language,
        kind: SiteKind::Client,
        state: sdk::javascript::state(Some(&args), path_style, text),
        service: Some(service),
        target: Target::JsNew(NewTarget {
            end: new.range.end,
            args: Some(args),
            path_style,
            indent_unit: "  ".to_string(),
        }),
        constructor: new.class,
    })
}

/// The service and S3 path-style flag of a class: `AWS.S3`, `AWS.DynamoDB.DocumentClient`,
/// `S3Client`, aggregated `S3`.
fn service_of(class: &str) -> (String, Option<&'static str>) {
    let (name, flag) = match class.strip_prefix("AWS.") {
        Some(v2) => (
            v2.split('.').next().unwrap_or(v2),
            sdk::javascript::V2_PATH_STYLE,
        ),
        None => (
            class.strip_suffix("Client").unwrap_or(class),
            sdk::javascript::V3_PATH_STYLE,
        ),
    };
    let service = name.to_ascii_lowercase();
    let flag = (service == "s3").then_some(flag);
    (service, flag)
}

fn object_lit(text: &str, object: ObjectLiteral) -> ObjectLit {
    ObjectLit {
        open: object.braces.open,
        close: object.braces.close,
        props: object.props.iter().map(|p| prop(text, p)).collect(),
        trailing_comma: object.braces.trailing_comma,
    }
}

fn prop(text: &str, property: &Property) -> Prop {
    let kind = match (&property.key, &property.value) {
        _ if property.spread => PropKind::Spread(property.range.start + 3..property.range.end),
        (Some(key), Some(value)) => PropKind::Pair {
            key: Some(key.clone()),
            value: value.clone(),
            string: string_literal(&text[value.clone()]),
        },
        (Some(key), None) => PropKind::Shorthand(key.clone()),
        _ => PropKind::Other,
    };
    Prop {
        range: property.range.clone(),
        kind,
    }
}

/// A quoted string without escapes or interpolation, as the AST engine reads it.
fn string_literal(value: &str) -> Option<StringLit> {
    let quote = value
        .chars()
        .next()
        .filter(|q| matches!(q, '"' | '\'' | '`'))?;
    let inner = value.strip_prefix(quote)?.strip_suffix(quote)?;
    let interpolated = quote == '`' && inner.contains("${");
    let plain = !(inner.contains('\\') || inner.contains(quote) || interpolated);
    Some(StringLit {
        quote,
        value: plain.then(|| inner.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_v2_and_imported_v3_clients_only() {
        let text = r#"const AWS = require("aws-sdk");
import { S3Client, SQSClient as Queue } from "@aws-sdk/client-s3";
const a = new AWS.S3({ region: "{{ region }}" });
const b = new S3Client({ region, ...extra, endpoint: "http://x", });
const c = new Queue();
const d = new MongoClient(url);
// const e = new AWS.SQS();
const f = "new AWS.SNS()";
const g = new AWS.DynamoDB.DocumentClient({{ options | tojson }});
const h = new AWS.Endpoint("http://localhost:4566");
const i = new AWS.SharedIniFileCredentials({ profile: "dev" });
const j = new AWS.S3.ManagedUpload({ params: {} });
"#;
        let found = constructions(text);
        let classes: Vec<&str> = found.iter().map(|n| n.class.as_str()).collect();
        assert_eq!(
            classes,
            vec![
                "AWS.S3",
                "S3Client",
                "Queue",
                "AWS.DynamoDB.DocumentClient",
                "AWS.S3.ManagedUpload"
            ]
        );
        let b = found[1].object.as_ref().unwrap();
        let keys: Vec<Option<&str>> = b.props.iter().map(|p| p.key.as_deref()).collect();
        assert_eq!(keys, vec![Some("region"), None, Some("endpoint")]);
        assert!(b.props[1].spread);
        assert_eq!(&text[b.props[2].value.clone().unwrap()], "\"http://x\"");
        assert!(b.braces.trailing_comma.is_some());
        assert!(found[2].args.items.is_empty());
        assert_eq!(found[3].object, None);
    }

    #[test]
    fn require_destructuring_counts_as_an_import() {
        let text = "const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');\nnew DynamoDBClient({});\n";
        assert_eq!(constructions(text).len(), 1);
    }
}
