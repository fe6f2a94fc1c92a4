//! JavaScript / TypeScript fixes: give a `new` client expression an `endpoint` property (and,
//! for S3, the path-style flag), and take them away again.
//!
//! `redirect` and `unredirect` are exact inverses for every layout `redirect` produces
//! (`F` stands for `endpoint: "E"` followed, for S3, by `, forcePathStyle: true` in v3 or
//! `, s3ForcePathStyle: true` in v2):
//! - `new X`         → `new X ({ F })` (the space tells `unpatch` there were no parentheses)
//! - `new X()`       → `new X({ F })`, and `new X ()` → `new X ({ F, })` (the comma tells it
//!   from `new X`)
//! - `new X(cfg)`    → `new X({ ...cfg, F })`
//! - `new X({})`     → `new X({F})`
//! - `new X({ a })`  → `new X({ a, F })`, and `{ a, }` → `{ a, F, }`
//! - one property per line, with trailing comma: new lines for the properties after the
//!   trailing comma's line (comments on that line stay on it);
//! - one property per line, without: a `,` after the last property and new lines after its line.
//!
//! - `new X({ ...c })` → `new X({ ...c, F, })` (the trailing comma tells it from `new X(c)`)
//!
//! An object that already sets the path-style flag only gets the endpoint. The one layout that
//! is not restored byte for byte is a user's own `{ ...c, }` on one line: it comes back as `{ ...c }`.

use crate::lang::javascript::{ArgList, ObjectLit, Prop, PropKind};
use crate::sdk::javascript::{NewTarget, ENDPOINT_KEY};
use crate::sdk::ENDPOINT_ENV_VARIABLE;

use super::append::{append, List};
use super::style::{indentation, line_start, quoted, same_line};
use super::{Edit, EndpointStyle, Redirection};

/// The endpoint expression in a style: `"E"` or `process.env.AWS_ENDPOINT_URL ?? "E"`.
fn endpoint_value(endpoint: &str, style: EndpointStyle, quote: char) -> String {
    let literal = quoted(endpoint, quote);
    match style {
        EndpointStyle::Literal => literal,
        EndpointStyle::Env => format!("process.env.{ENDPOINT_ENV_VARIABLE} ?? {literal}"),
    }
}

/// Whether a property is `endpoint: <value>` in a form `redirect` writes for `endpoint`.
fn is_endpoint_property(prop: &Prop, text: &str, endpoint: &str) -> bool {
    let PropKind::Pair {
        key: Some(key),
        value,
        ..
    } = &prop.kind
    else {
        return false;
    };
    key == ENDPOINT_KEY
        && [EndpointStyle::Literal, EndpointStyle::Env]
            .iter()
            .any(|style| {
                ['"', '\'', '`']
                    .iter()
                    .any(|q| endpoint_value(endpoint, *style, *q) == text[value.clone()])
            })
}

/// The edits that add `endpoint: <endpoint>` (and the S3 path-style flag) to the construction.
pub fn redirect(
    target: &NewTarget,
    text: &str,
    preferred_quote: char,
    to: Redirection,
) -> Vec<Edit> {
    let Some(args) = &target.args else {
        let props = new_properties(target, None, preferred_quote, to);
        return vec![Edit::insertion(
            target.end,
            format!(" ({{ {} }})", props.join(", ")),
        )];
    };
    let Some(first) = args.items.first() else {
        let props = new_properties(target, None, preferred_quote, to);
        // `new X ()` gets a trailing comma, so that `unpatch` does not take it for `new X`.
        let marker = if text[..args.open].ends_with(char::is_whitespace) {
            ","
        } else {
            ""
        };
        return vec![Edit::insertion(
            args.open + 1,
            format!("{{ {}{marker} }}", props.join(", ")),
        )];
    };
    let props = new_properties(target, first.object.as_ref(), preferred_quote, to);
    match &first.object {
        Some(object) => object_redirect(object, text, &props, &target.indent_unit),
        None => vec![
            Edit::insertion(first.range.start, "{ ..."),
            Edit::insertion(first.range.end, format!(", {} }}", props.join(", "))),
        ],
    }
}

/// `endpoint: "E"`, plus the path-style flag where the client is S3 and the object lacks it.
fn new_properties(
    target: &NewTarget,
    object: Option<&ObjectLit>,
    preferred_quote: char,
    to: Redirection,
) -> Vec<String> {
    let quote = object.and_then(object_quote).unwrap_or(preferred_quote);
    let value = endpoint_value(to.endpoint, to.style, quote);
    let mut props = vec![format!("{ENDPOINT_KEY}: {value}")];
    if let Some(flag) = target.path_style {
        if object.is_none_or(|o| o.find(flag).is_none()) {
            props.push(format!("{flag}: true"));
        }
    }
    props
}

fn object_redirect(object: &ObjectLit, text: &str, props: &[String], unit: &str) -> Vec<Edit> {
    let last = object.props.last().map(|p| (p.range.start, p.range.end));
    if let Some((_, last_end)) = last {
        let one_line = same_line(text, last_end, object.close);
        if one_line && object.trailing_comma.is_none() && is_lone_spread(object, text) {
            return vec![Edit::insertion(
                last_end,
                format!(", {},", props.join(", ")),
            )];
        }
    }
    let list = List {
        open: object.open,
        close: object.close,
        last,
        trailing_comma: object.trailing_comma,
    };
    append(text, &list, props, || {
        format!("{}{unit}", indentation(text, object.open))
    })
}

/// The edits that remove an `endpoint` equal to `endpoint` (and the path-style flag right after
/// it), or `None` if there is none. Layouts `redirect` produces are undone byte for byte; other
/// layouts lose the properties and the comma that separated them.
pub fn unredirect(target: &NewTarget, text: &str, endpoint: &str) -> Option<Vec<Edit>> {
    let args = target.args.as_ref()?;
    let object = args.items.first()?.object.as_ref()?;
    let index = object
        .props
        .iter()
        .position(|p| is_endpoint_property(p, text, endpoint))?;
    let last = match (target.path_style, object.props.get(index + 1)) {
        (Some(flag), Some(next)) if is_true_property(next, flag, text) => index + 1,
        _ => index,
    };
    if let Some(next) = object.props.get(last + 1) {
        return Some(vec![Edit::deletion(
            object.props[index].range.start..next.range.start,
        )]);
    }
    Some(
        synthesized_removal(args, object, index, text)
            .or_else(|| exact_removal(object, index, last, text))
            .unwrap_or_else(|| last_removal(object, index, last)),
    )
}

fn is_true_property(prop: &Prop, key: &str, text: &str) -> bool {
    matches!(&prop.kind, PropKind::Pair { key: Some(k), value, .. }
        if k == key && &text[value.clone()] == "true")
}

/// Undoes the objects `redirect` writes itself: `new X ({ F })`, `new X({ F })` and
/// `new X({ ...cfg, F })`.
fn synthesized_removal(
    args: &ArgList,
    object: &ObjectLit,
    index: usize,
    text: &str,
) -> Option<Vec<Edit>> {
    let first = &object.props[0];
    let last_end = object.props.last()?.range.end;
    // The only argument, right after `(`: what follows it up to `)` is blanks and comments.
    let fills_parentheses =
        args.items.len() == 1 && args.trailing_comma.is_none() && object.open == args.open + 1;
    let bare =
        fills_parentheses && object.close + 1 == args.close && text[..args.open].ends_with(' ');
    let opens_spaced = &text[object.open + 1..first.range.start] == " ";
    let marked_empty = index == 0
        && fills_parentheses
        && opens_spaced
        && object.trailing_comma == Some(last_end)
        && &text[last_end..object.close] == ", ";
    if marked_empty {
        return Some(vec![Edit::deletion(object.open..object.close + 1)]);
    }
    let spaced =
        object.trailing_comma.is_none() && opens_spaced && &text[last_end..object.close] == " ";
    if !spaced {
        return None;
    }
    match (index, &first.kind) {
        (0, _) if bare => Some(vec![Edit::deletion(args.open - 1..args.close + 1)]),
        (0, _) if fills_parentheses => Some(vec![Edit::deletion(object.open..object.close + 1)]),
        (1, PropKind::Spread(spread))
            if &text[first.range.end..object.props[1].range.start] == ", " =>
        {
            Some(vec![
                Edit::deletion(object.open..spread.start),
                Edit::deletion(spread.end..object.close + 1),
            ])
        }
        _ => None,
    }
}

/// Undoes one of `redirect`'s layouts inside an existing object, when the text shows exactly
/// that layout.
fn exact_removal(object: &ObjectLit, index: usize, last: usize, text: &str) -> Option<Vec<Edit>> {
    let start = object.props[index].range.start;
    let end = object.props[last].range.end;
    let previous = index.checked_sub(1).map(|i| &object.props[i]);
    let comma_follows = object.trailing_comma == Some(end);
    let line = line_start(text, start);
    let own_line = line > object.open && text[line..start].trim().is_empty();
    if own_line {
        let bytes = text.as_bytes();
        let break_start = if line >= 2 && bytes[line - 2] == b'\r' {
            line - 2
        } else {
            line - 1
        };
        if comma_follows {
            return Some(vec![Edit::deletion(break_start..end + 1)]);
        }
        let previous = previous?;
        if bytes.get(previous.range.end) != Some(&b',') || object.trailing_comma.is_some() {
            return None;
        }
        return Some(vec![
            Edit::deletion(previous.range.end..previous.range.end + 1),
            Edit::deletion(break_start..end),
        ]);
    }
    match previous {
        Some(p) if comma_follows && index == 1 && is_lone_spread_patched(object, text) => {
            Some(vec![Edit::deletion(p.range.end..end + 1)])
        }
        None if start == object.open + 1 && object.trailing_comma.is_none() => {
            Some(vec![Edit::deletion(start..end)])
        }
        Some(_) if comma_follows && text[..start].ends_with(", ") => {
            Some(vec![Edit::deletion(start - 1..end + 1)])
        }
        Some(p) if object.trailing_comma.is_none() && &text[p.range.end..start] == ", " => {
            Some(vec![Edit::deletion(p.range.end..end)])
        }
        _ => None,
    }
}

/// `{ ...cfg }`: patched like other objects it would read `{ ...cfg, F }`, which is what
/// `new X(cfg)` becomes; a trailing comma (`{ ...cfg, F, }`) tells the two apart.
fn is_lone_spread(object: &ObjectLit, text: &str) -> bool {
    matches!(object.props.as_slice(), [only] if matches!(only.kind, PropKind::Spread(_))
        && &text[object.open + 1..only.range.start] == " "
        && &text[only.range.end..object.close] == " ")
}

/// `{ ...cfg, F, }` as `redirect` writes it for `{ ...cfg }`.
fn is_lone_spread_patched(object: &ObjectLit, text: &str) -> bool {
    let (Some(first), Some(comma)) = (object.props.first(), object.trailing_comma) else {
        return false;
    };
    matches!(first.kind, PropKind::Spread(_))
        && &text[object.open + 1..first.range.start] == " "
        && &text[comma + 1..object.close] == " "
}

/// Removes last properties written in a layout of the user's own.
fn last_removal(object: &ObjectLit, index: usize, last: usize) -> Vec<Edit> {
    let end = object.props[last].range.end;
    match index.checked_sub(1).map(|i| &object.props[i]) {
        Some(previous) => vec![Edit::deletion(previous.range.end..end)],
        None => {
            let end = object.trailing_comma.map_or(end, |comma| comma + 1);
            vec![Edit::deletion(object.props[index].range.start..end)]
        }
    }
}

/// The quote character of the object's first string value.
fn object_quote(object: &ObjectLit) -> Option<char> {
    object.props.iter().find_map(|p| match &p.kind {
        PropKind::Pair {
            string: Some(s), ..
        } => Some(s.quote),
        _ => None,
    })
}
