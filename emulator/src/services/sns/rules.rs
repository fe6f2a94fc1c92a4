//! The rule check SNS runs on a filter policy, in the order and words of AWS's rule compiler
//! (event-ruler's `JsonRuleCompiler`), over the policy's compact JSON text so that a refusal can
//! name the place as AWS's answers do ("\n at [Source: (String)\"...\"; line: 1, column: N]",
//! the location of the compiler's JSON parser when it gave up).
//!
//! The check is total: it reads tokens off text that has already parsed as JSON, and any token
//! it does not expect ends it with an error, never a panic.

/// The longest source AWS's parser quotes in a location before it truncates it.
const MAX_QUOTED_CHARS: usize = 500;

/// A refusal: the reason and the parser's location (a 1-based column of the compact text).
pub struct Refusal {
    pub reason: String,
    pub column: usize,
}

impl Refusal {
    /// The reason with the location, as AWS words it.
    pub fn message(&self, compact: &str) -> String {
        format!(
            "{}\n at [Source: (String){}; line: 1, column: {}]",
            self.reason,
            quoted_source(compact),
            self.column
        )
    }
}

/// `"text"`, or its first 500 characters and how many were left out.
fn quoted_source(text: &str) -> String {
    let total = text.chars().count();
    if total <= MAX_QUOTED_CHARS {
        return format!("\"{text}\"");
    }
    let head: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    format!("\"{head}\"[truncated {} chars]", total - MAX_QUOTED_CHARS)
}

/// `text` (valid JSON) without the white space between its tokens.
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => {
                in_string = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The tokens of a JSON text, as a streaming parser returns them.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Name(String),
    Text(String),
    Number(String),
    True,
    False,
    Null,
    /// The text ended (or was not JSON where a token was expected).
    End,
}

impl Token {
    fn is_number(&self) -> bool {
        matches!(self, Token::Number(_))
    }

    /// What the parser's `getText()` answers for the token.
    fn text(&self) -> String {
        match self {
            Token::BeginObject => "{".into(),
            Token::EndObject => "}".into(),
            Token::BeginArray => "[".into(),
            Token::EndArray => "]".into(),
            Token::Name(s) | Token::Text(s) | Token::Number(s) => s.clone(),
            Token::True => "true".into(),
            Token::False => "false".into(),
            Token::Null => "null".into(),
            Token::End => String::new(),
        }
    }
}

/// A streaming reader over compact JSON text that keeps the position AWS's parser (Jackson)
/// would be at: past a field name's colon and the first character of its value, past a
/// string's opening quote until its text is read, past a number's last digit.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// The open containers, innermost last: an object (whether a field name comes next) or an
    /// array (`None`).
    objects: Vec<Option<bool>>,
    /// A field's value, read (in part) with its name.
    pending: Option<Token>,
    /// Where the string being read ends (past its closing quote), while its text is unread.
    open_string: Option<usize>,
    current: Token,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            objects: Vec::new(),
            pending: None,
            open_string: None,
            current: Token::End,
        }
    }

    /// The parser's column: UTF-16 units before the position, plus one.
    fn column(&self) -> usize {
        self.text
            .get(..self.pos)
            .map_or(0, |s| s.encode_utf16().count())
            + 1
    }

    fn refuse(&self, reason: impl Into<String>) -> Refusal {
        Refusal {
            reason: reason.into(),
            column: self.column(),
        }
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Reads the rest of a string being read.
    fn finish_string(&mut self) {
        if let Some(end) = self.open_string.take() {
            self.pos = end;
        }
    }

    /// The current token's text (finishing a string, as `getText()` does).
    fn text(&mut self) -> String {
        self.finish_string();
        self.current.text()
    }

    fn next(&mut self) -> Token {
        let token = match self.pending.take() {
            Some(token) => token,
            None => {
                self.finish_string();
                self.read_token()
            }
        };
        self.current = token.clone();
        token
    }

    fn read_token(&mut self) -> Token {
        if self.byte() == Some(b',') {
            self.pos += 1;
        }
        let naming = self.objects.last().copied().flatten().unwrap_or(false);
        if naming && self.byte() == Some(b'"') {
            let Some((name, end)) = self.string_at(self.pos) else {
                return Token::End;
            };
            self.pos = end;
            if self.byte() == Some(b':') {
                self.pos += 1;
            }
            if let Some(Some(expecting)) = self.objects.last_mut() {
                *expecting = false;
            }
            let value = self.read_value();
            self.pending = Some(value);
            return Token::Name(name);
        }
        self.read_value()
    }

    /// The token starting at the position, read as far as the parser reads it.
    fn read_value(&mut self) -> Token {
        let Some(c) = self.byte() else {
            return Token::End;
        };
        let token = match c {
            b'{' => {
                self.objects.push(Some(true));
                Token::BeginObject
            }
            b'[' => {
                self.objects.push(None);
                Token::BeginArray
            }
            b'}' | b']' => {
                self.objects.pop();
                self.after_value();
                if c == b'}' {
                    Token::EndObject
                } else {
                    Token::EndArray
                }
            }
            b'"' => {
                let Some((text, end)) = self.string_at(self.pos) else {
                    return Token::End;
                };
                self.open_string = Some(end);
                self.after_value();
                self.pos += 1;
                return Token::Text(text);
            }
            b't' | b'f' | b'n' => {
                let (word, token) = match c {
                    b't' => ("true", Token::True),
                    b'f' => ("false", Token::False),
                    _ => ("null", Token::Null),
                };
                self.pos += word.len() - 1;
                self.after_value();
                token
            }
            _ => {
                let rest = self.text.get(self.pos..).unwrap_or("");
                let len = rest
                    .find(|ch: char| !matches!(ch, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return Token::End;
                }
                let number = rest[..len].to_string();
                self.pos += len;
                self.after_value();
                return Token::Number(number);
            }
        };
        self.pos += 1;
        token
    }

    /// After a value in an object, a field name comes next.
    fn after_value(&mut self) {
        if let Some(Some(expecting)) = self.objects.last_mut() {
            *expecting = true;
        }
    }

    /// The string whose opening quote is at `start`, decoded, and where it ends.
    fn string_at(&self, start: usize) -> Option<(String, usize)> {
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    let literal = self.text.get(start..=i)?;
                    let text = serde_json::from_str::<String>(literal).ok()?;
                    return Some((text, i + 1));
                }
                _ => i += 1,
            }
        }
        None
    }
}

type Checked = Result<(), Refusal>;

/// Checks a policy's compact text as AWS's rule compiler does.
pub fn check(compact: &str) -> Checked {
    let mut reader = Reader::new(compact);
    if reader.next() != Token::BeginObject {
        return Err(reader.refuse("Filter is not an object"));
    }
    check_object(&mut reader)
}

fn check_object(reader: &mut Reader) -> Checked {
    let mut fields = false;
    loop {
        let name = match reader.next() {
            Token::EndObject => break,
            Token::Name(name) => name,
            _ => return Err(reader.refuse("Unexpected end of the filter policy")),
        };
        fields = true;
        if name == "$or" {
            check_or(reader)?;
            continue;
        }
        match reader.next() {
            Token::BeginObject => check_object(reader)?,
            Token::BeginArray => check_rules(reader)?,
            _ => return Err(reader.refuse(format!("\"{name}\" must be an object or an array"))),
        }
    }
    if !fields {
        return Err(reader.refuse("Empty objects are not allowed"));
    }
    Ok(())
}

fn check_or(reader: &mut Reader) -> Checked {
    if reader.next() != Token::BeginArray {
        return Err(reader.refuse("It must be an Array followed with $or."));
    }
    let mut alternatives = 0;
    loop {
        match reader.next() {
            Token::EndArray => break,
            Token::BeginObject => check_object(reader)?,
            _ => {
                return Err(
                    reader.refuse("Only JSON object is allowed in array of $or relationship.")
                )
            }
        }
        alternatives += 1;
    }
    if alternatives < 2 {
        return Err(reader.refuse("There must have at least 2 Objects in $or relationship."));
    }
    Ok(())
}

fn check_rules(reader: &mut Reader) -> Checked {
    let mut values = 0;
    loop {
        match reader.next() {
            Token::EndArray => break,
            Token::BeginObject => check_expression(reader)?,
            Token::Text(_) => {
                reader.text();
            }
            Token::Number(_) | Token::True | Token::False | Token::Null => {}
            _ => {
                return Err(
                    reader.refuse("Match value must be String, number, true, false, or null")
                )
            }
        }
        values += 1;
    }
    if values == 0 {
        return Err(reader.refuse("Empty arrays are not allowed"));
    }
    Ok(())
}

/// The end of a match expression: `}` or AWS's message for a second key.
fn end_expression(reader: &mut Reader, second_key: &str) -> Checked {
    match reader.next() {
        Token::EndObject => Ok(()),
        _ => Err(reader.refuse(second_key)),
    }
}

const ONE_KEY: &str = "Only one key allowed in match expression";
const TOO_MANY: &str = "Too many elements in numeric expression";

fn check_expression(reader: &mut Reader) -> Checked {
    let Token::Name(kind) = reader.next() else {
        return Err(reader.refuse("Match expression name not found"));
    };
    match kind.as_str() {
        "prefix" | "suffix" | "equals-ignore-case" => {
            check_string_argument(reader, &kind)?;
            end_expression(reader, ONE_KEY)
        }
        "cidr" => {
            if !matches!(reader.next(), Token::Text(_)) {
                return Err(reader.refuse("prefix match pattern must be a string"));
            }
            let block = reader.text();
            if crate::pattern::parse_cidr(&block).is_none() {
                return Err(reader.refuse(format!("Malformed CIDR, one '/' required: {block}")));
            }
            end_expression(reader, ONE_KEY)
        }
        "numeric" => {
            if reader.next() != Token::BeginArray {
                return Err(reader.refuse("Value of numeric must be an array."));
            }
            check_numeric(reader)?;
            end_expression(reader, TOO_MANY)
        }
        "anything-but" => check_anything_but(reader),
        "exists" => {
            if !matches!(reader.next(), Token::True | Token::False) {
                return Err(reader.refuse("exists match pattern must be either true or false."));
            }
            end_expression(reader, ONE_KEY)
        }
        other => Err(reader.refuse(format!("Unrecognized match type {other}"))),
    }
}

/// `prefix`, `suffix` and `equals-ignore-case` take a string; `prefix` and `suffix` also an
/// `equals-ignore-case` object holding one.
fn check_string_argument(reader: &mut Reader, kind: &str) -> Checked {
    let refusal = |reader: &Reader| reader.refuse(format!("{kind} match pattern must be a string"));
    match reader.next() {
        Token::Text(_) => {
            reader.text();
            Ok(())
        }
        Token::BeginObject if kind != "equals-ignore-case" => {
            if reader.next() != Token::Name("equals-ignore-case".into()) {
                return Err(refusal(reader));
            }
            if !matches!(reader.next(), Token::Text(_)) {
                return Err(refusal(reader));
            }
            reader.text();
            end_expression(reader, ONE_KEY)
        }
        _ => Err(refusal(reader)),
    }
}

fn check_numeric(reader: &mut Reader) -> Checked {
    if !matches!(reader.next(), Token::Text(_)) {
        let text = reader.text();
        return Err(reader.refuse(format!("Invalid member in numeric match: {text}")));
    }
    let operator = reader.text();
    let value = reader.next();
    let named = match operator.as_str() {
        "=" => "equals",
        "<" | "<=" | ">" | ">=" => operator.as_str(),
        _ => return Err(reader.refuse(format!("Unrecognized numeric range operator: {operator}"))),
    };
    if !value.is_number() {
        return Err(reader.refuse(format!("Value of {named} must be numeric")));
    }
    let low = value.text().parse::<f64>().unwrap_or(f64::NAN);
    let after = reader.next();
    if after == Token::EndArray {
        return Ok(());
    }
    if !matches!(operator.as_str(), ">" | ">=") {
        return Err(reader.refuse(TOO_MANY));
    }
    if !matches!(after, Token::Text(_)) {
        let text = reader.text();
        return Err(reader.refuse(format!("Bad value in numeric range: {text}")));
    }
    let upper = reader.text();
    if !matches!(upper.as_str(), "<" | "<=") {
        return Err(reader.refuse(format!("Bad numeric range operator: {upper}")));
    }
    let top = reader.next();
    if !top.is_number() {
        return Err(reader.refuse(format!("Value of {upper} must be numeric")));
    }
    let high = top.text().parse::<f64>().unwrap_or(f64::NAN);
    if reader.next() != Token::EndArray {
        return Err(reader.refuse("Too many terms in numeric range expression"));
    }
    if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) {
        return Err(reader.refuse("Bottom must be less than top"));
    }
    Ok(())
}

fn check_anything_but(reader: &mut Reader) -> Checked {
    let mut token = reader.next();
    let mut ignore_case = false;
    if token == Token::BeginObject {
        let Token::Name(kind) = reader.next() else {
            return Err(reader.refuse("Anything-But expression name not found"));
        };
        match kind.as_str() {
            "equals-ignore-case" => {
                ignore_case = true;
                token = reader.next();
            }
            "prefix" | "suffix" => return check_anything_but_affix(reader),
            other => {
                return Err(reader.refuse(format!("Unsupported anything-but pattern: {other}")))
            }
        }
    }
    match token {
        Token::BeginArray => check_anything_but_list(reader, ignore_case)?,
        Token::Text(_) => {
            reader.text();
        }
        Token::Number(_) if !ignore_case => {}
        Token::Number(_) => {
            return Err(reader.refuse(
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
            ))
        }
        _ => {
            return Err(reader.refuse(
                "Value of anything-but must be an array or single string/number value.",
            ))
        }
    }
    end_expression(reader, TOO_MANY)?;
    if ignore_case {
        end_expression(reader, TOO_MANY)?;
    }
    Ok(())
}

fn check_anything_but_affix(reader: &mut Reader) -> Checked {
    if !matches!(reader.next(), Token::Text(_)) {
        return Err(reader.refuse("prefix/suffix match pattern must be a string"));
    }
    if reader.text().is_empty() {
        return Err(reader.refuse("Null prefix/suffix not allowed"));
    }
    end_expression(reader, ONE_KEY)?;
    end_expression(reader, ONE_KEY)
}

fn check_anything_but_list(reader: &mut Reader, ignore_case: bool) -> Checked {
    let (mut strings, mut numbers) = (false, false);
    loop {
        match reader.next() {
            Token::EndArray => break,
            Token::Text(_) => {
                reader.text();
                strings = true;
            }
            Token::Number(_) if !ignore_case => numbers = true,
            _ if ignore_case => {
                return Err(reader.refuse(
                    "Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported.",
                ))
            }
            _ => {
                return Err(reader
                    .refuse("Inside anything but list, start|null|boolean is not supported."))
            }
        }
    }
    if !ignore_case && strings == numbers {
        return Err(reader.refuse(
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy's refusal as AWS words it (message and column of AWS's recorded answers).
    fn refusal(policy: &str) -> (String, usize) {
        let text = compact(policy);
        let refused = check(&text).expect_err("refused");
        (refused.reason, refused.column)
    }

    #[test]
    fn refusals_name_the_column_aws_names() {
        // (policy, reason, column) from AWS's answers recorded in LocalStack's validated
        // snapshots (tests/aws/services/sns/test_sns_filter_policy.snapshot.json).
        let cases = [
            (
                r#"{"key": [["value"]]}"#,
                "Match value must be String, number, true, false, or null",
                10,
            ),
            (
                r#"{"key": [{"wrong-operator": true}]}"#,
                "Unrecognized match type wrong-operator",
                31,
            ),
            (
                r#"{"key": [{"suffix": "value", "prefix": "value2"}]}"#,
                "Only one key allowed in match expression",
                37,
            ),
            (
                r#"{"key": [{"suffix": 100}]}"#,
                "suffix match pattern must be a string",
                22,
            ),
            (
                r#"{"key": [{"suffix": null}]}"#,
                "suffix match pattern must be a string",
                23,
            ),
            (
                r#"{"key": {"suffix": "value"}}"#,
                "\"suffix\" must be an object or an array",
                19,
            ),
            (
                r#"{"key": [{"suffix": []}]}"#,
                "suffix match pattern must be a string",
                20,
            ),
            (
                r#"{"key": {"not-an-operator": "value"}}"#,
                "\"not-an-operator\" must be an object or an array",
                28,
            ),
            (
                r#"{"key": [{"numeric": []}]}"#,
                "Invalid member in numeric match: ]",
                22,
            ),
            (
                r#"{"key": [{"numeric": ["operator"]}]}"#,
                "Unrecognized numeric range operator: operator",
                32,
            ),
            (
                r#"{"key": [{"numeric": [1, "<="]}]}"#,
                "Invalid member in numeric match: 1",
                22,
            ),
            (
                r#"{"key": [{"numeric": ["=", "000"]}]}"#,
                "Value of equals must be numeric",
                26,
            ),
            (
                r#"{"key": [{"numeric": [">="]}]}"#,
                "Value of >= must be numeric",
                26,
            ),
            (
                r#"{"key": [{"numeric": ["<", 100, ">", 10]}]}"#,
                "Too many elements in numeric expression",
                30,
            ),
            (
                r#"{"key": [{"numeric": [">=", 1, ">", 2]}]}"#,
                "Bad numeric range operator: >",
                31,
            ),
            (
                r#"{"key": [{"numeric": [">", 3, "<", 1]}]}"#,
                "Bottom must be less than top",
                33,
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "<="]}]}"#,
                "Value of <= must be numeric",
                33,
            ),
            (
                r#"{"key": [{"numeric": [">", 20, 30]}]}"#,
                "Bad value in numeric range: 30",
                30,
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "test"]}]}"#,
                "Bad numeric range operator: test",
                34,
            ),
            (
                r#"{"key": [{"numeric": [">", "20", "<", "30"]}]}"#,
                "Value of > must be numeric",
                26,
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "<", "30"]}]}"#,
                "Value of < must be numeric",
                33,
            ),
            (
                r#"{"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}"#,
                "Too many terms in numeric range expression",
                36,
            ),
            (
                r#"{"key": [{"exists": null}]}"#,
                "exists match pattern must be either true or false.",
                23,
            ),
            (
                r#"{"key": [{"exists": "no"}]}"#,
                "exists match pattern must be either true or false.",
                20,
            ),
            (
                r#"{"key_a": "value_one"}"#,
                "\"key_a\" must be an object or an array",
                11,
            ),
        ];
        for (policy, reason, column) in cases {
            assert_eq!(refusal(policy), (reason.to_string(), column), "{policy}");
        }
    }

    #[test]
    fn quotes_the_compact_source_and_takes_valid_rules() {
        let text = compact(r#"{"key": [["value"]]}"#);
        let refused = check(&text).expect_err("refused");
        assert_eq!(
            refused.message(&text),
            "Match value must be String, number, true, false, or null\n at [Source: (String)\"{\"key\":[[\"value\"]]}\"; line: 1, column: 10]"
        );
        let long = "x".repeat(600);
        assert!(quoted_source(&long).ends_with("\"[truncated 100 chars]"));
        for valid in [
            r#"{"a": ["x", 1, true, null, {"prefix": "p"}, {"numeric": [">", 0, "<=", 5]}]}"#,
            r#"{"a": [{"anything-but": {"prefix": "t"}}, {"anything-but": ["a", "b"]}]}"#,
            r#"{"a": [{"anything-but": {"equals-ignore-case": ["a"]}}, {"cidr": "10.0.0.0/8"}]}"#,
            r#"{"a": {"b": [{"exists": false}]}, "$or": [{"c": ["1"]}, {"d": [2]}]}"#,
            r#"{"a b": ["with \" quote"], "c": [{"prefix": {"equals-ignore-case": "X"}}]}"#,
        ] {
            assert!(check(&compact(valid)).is_ok(), "{valid}");
        }
    }
}
