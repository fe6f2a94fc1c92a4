//! DynamoDB's expression language: tokens, and a parser for condition, update, projection and
//! key condition expressions that resolves `#name` and `:value` placeholders as it goes.
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::errors::validation;
use super::reserved::is_reserved;
use crate::error::ApiError;

/// One step of a document path: an attribute / map key, or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Name(String),
    Index(usize),
}

pub type Path = Vec<Step>;

/// Something that evaluates to an attribute value (or to nothing).
#[derive(Debug, Clone)]
pub enum Operand {
    Path(Path),
    Value(Value),
    /// `size`, `if_not_exists`, `list_append`.
    Call(String, Vec<Operand>),
    Add(Box<Operand>, Box<Operand>),
    Sub(Box<Operand>, Box<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A condition (also filter and key condition) expression.
#[derive(Debug, Clone)]
pub enum Cond {
    Compare(Operand, Cmp, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    /// `attribute_exists`, `attribute_not_exists`, `attribute_type`, `begins_with`, `contains`.
    Func(String, Vec<Operand>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

/// One action of an update expression.
#[derive(Debug, Clone)]
pub enum Action {
    Set(Path, Operand),
    Remove(Path),
    Add(Path, Operand),
    Delete(Path, Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Name(String),
    Value(String),
    Int(usize),
    Sym(&'static str),
}

/// The placeholders of a request and which of them the expressions used.
pub struct Placeholders<'a> {
    pub names: Option<&'a Map<String, Value>>,
    pub values: Option<&'a Map<String, Value>>,
    pub used_names: HashSet<String>,
    pub used_values: HashSet<String>,
}

impl<'a> Placeholders<'a> {
    pub fn new(input: &'a Value) -> Self {
        Placeholders {
            names: input
                .get("ExpressionAttributeNames")
                .and_then(Value::as_object),
            values: input
                .get("ExpressionAttributeValues")
                .and_then(Value::as_object),
            used_names: HashSet::new(),
            used_values: HashSet::new(),
        }
    }

    /// Fails if a placeholder was given but no expression used it, as DynamoDB does.
    pub fn check_unused(&self) -> Result<(), ApiError> {
        if let Some(values) = self.values {
            let unused: Vec<&String> = values
                .keys()
                .filter(|k| !self.used_values.contains(*k))
                .collect();
            if !unused.is_empty() {
                return Err(validation(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    join(&unused)
                )));
            }
        }
        if let Some(names) = self.names {
            let unused: Vec<&String> = names
                .keys()
                .filter(|k| !self.used_names.contains(*k))
                .collect();
            if !unused.is_empty() {
                return Err(validation(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    join(&unused)
                )));
            }
        }
        Ok(())
    }

    fn name(&mut self, placeholder: &str) -> Result<String, ApiError> {
        self.used_names.insert(placeholder.to_string());
        self.names
            .and_then(|n| n.get(placeholder))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                validation(format!(
                    "Invalid expression: An expression attribute name used in the document path is not defined; attribute name: {placeholder}"
                ))
            })
    }

    fn value(&mut self, placeholder: &str) -> Result<Value, ApiError> {
        self.used_values.insert(placeholder.to_string());
        let value = self
            .values
            .and_then(|v| v.get(placeholder))
            .ok_or_else(|| {
                validation(format!(
                    "Invalid expression: An expression attribute value used in expression is not defined; attribute value: {placeholder}"
                ))
            })?;
        super::values::normalize(value)
    }
}

fn join(keys: &[&String]) -> String {
    keys.iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a token starts and ends, in characters.
type Span = (usize, usize);

/// The tokens of an expression and their spans.
fn tokenize_spanned(text: &str) -> Result<(Vec<Token>, Vec<Span>), ApiError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if spans.len() < tokens.len() {
            spans.push((spans.last().map_or(0, |s: &Span| s.1), i));
        }
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if c == '#' || c == ':' || c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            i += 1;
            while i < chars.len() && word_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(match c {
                '#' => Token::Name(word),
                ':' => Token::Value(word),
                _ => Token::Word(word),
            });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            tokens.push(Token::Int(digits.parse().map_err(|_| syntax(&digits))?));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym = match two.as_str() {
            "<>" => Some("<>"),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(sym) = sym {
            tokens.push(Token::Sym(sym));
            i += 2;
            continue;
        }
        let sym = match c {
            '(' => "(",
            ')' => ")",
            '[' => "[",
            ']' => "]",
            ',' => ",",
            '.' => ".",
            '=' => "=",
            '<' => "<",
            '>' => ">",
            '+' => "+",
            '-' => "-",
            _ => return Err(syntax(&c.to_string())),
        };
        tokens.push(Token::Sym(sym));
        i += 1;
    }
    if spans.len() < tokens.len() {
        spans.push((spans.last().map_or(0, |s: &Span| s.1), i));
    }
    Ok((tokens, spans))
}

fn syntax(near: &str) -> ApiError {
    validation(format!(
        "Invalid expression: Syntax error; token: \"{near}\""
    ))
}

/// DynamoDB's documented limit on any expression string: 4 KB, counted in bytes as sent.
pub const MAX_EXPRESSION_BYTES: usize = 4096;

/// DynamoDB's documented limit on the operators and functions of one expression (documented
/// for update expressions; the service applies it to condition expressions as well).
pub const MAX_OPERATORS: usize = 300;

/// How deep the parser may recurse. The limits above already bound any expression DynamoDB
/// accepts to about 300 operators plus one non-redundant pair of parentheses per operator;
/// this guard keeps the recursion (and the evaluation and dropping of the tree it builds) far
/// from the 2 MiB stack of a worker thread whatever slips past them.
const MAX_NESTING: usize = 640;

/// Refuses an expression over DynamoDB's size or operator limits, or with parentheses nested
/// deeper than its operators need (which DynamoDB calls redundant), before anything recurses.
fn check_limits(kind: &str, text: &str, tokens: &[Token]) -> Result<(), ApiError> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(validation(format!(
            "Invalid {kind}: Expression size has exceeded the maximum allowed size; expression size: {}",
            text.len()
        )));
    }
    let operators = count_operators(tokens);
    if operators > MAX_OPERATORS {
        return Err(validation(format!(
            "Invalid {kind}: The expression contains too many operators; operator count: {operators}"
        )));
    }
    // Each level of parentheses that is not redundant holds an operator of its own (a
    // comparison, function, NOT, AND / OR, IN), so deeper nesting can only be redundant.
    if parenthesis_depth(tokens) > operators + 1 {
        return Err(validation(format!(
            "Invalid {kind}: The expression has redundant parentheses;"
        )));
    }
    Ok(())
}

/// Operators and function calls, as DynamoDB counts them (`BETWEEN a AND b` is one).
fn count_operators(tokens: &[Token]) -> usize {
    let mut count = 0;
    let mut between = false;
    for (i, token) in tokens.iter().enumerate() {
        let counted = match token {
            Token::Sym(s) => matches!(*s, "=" | "<>" | "<" | "<=" | ">" | ">=" | "+" | "-"),
            Token::Word(w) if w.eq_ignore_ascii_case("AND") && between => {
                between = false;
                false
            }
            Token::Word(w) => {
                let keyword = ["AND", "OR", "NOT", "IN", "BETWEEN"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k));
                between |= w.eq_ignore_ascii_case("BETWEEN");
                keyword || matches!(tokens.get(i + 1), Some(Token::Sym("(")))
            }
            _ => false,
        };
        count += usize::from(counted);
    }
    count
}

fn parenthesis_depth(tokens: &[Token]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for token in tokens {
        match token {
            Token::Sym("(") => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Token::Sym(")") => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A parser over one expression's tokens.
struct Parser<'p, 'a> {
    tokens: Vec<Token>,
    /// Where each token is in `chars` (for the `near` of syntax errors).
    spans: Vec<Span>,
    chars: Vec<char>,
    pos: usize,
    /// Current recursion depth (see [`MAX_NESTING`]).
    depth: usize,
    /// The request parameter, named in errors.
    kind: String,
    placeholders: &'p mut Placeholders<'a>,
}

impl<'p, 'a> Parser<'p, 'a> {
    /// `kind` names the parameter in errors (`ConditionExpression`, `UpdateExpression`, ...).
    fn new(
        kind: &str,
        text: &str,
        placeholders: &'p mut Placeholders<'a>,
    ) -> Result<Self, ApiError> {
        if text.trim().is_empty() {
            return Err(validation(format!(
                "1 validation error detected: Invalid {kind}: The expression can not be empty;"
            )));
        }
        if text.len() > MAX_EXPRESSION_BYTES {
            check_limits(kind, text, &[])?;
        }
        let (tokens, spans) = tokenize_spanned(text)?;
        check_limits(kind, text, &tokens)?;
        Ok(Parser {
            tokens,
            spans,
            chars: text.chars().collect(),
            pos: 0,
            depth: 0,
            kind: kind.to_string(),
            placeholders,
        })
    }

    /// Runs `step` one level deeper, refusing to go past [`MAX_NESTING`].
    fn nested<T>(
        &mut self,
        step: impl FnOnce(&mut Self) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        if self.depth >= MAX_NESTING {
            return Err(validation(format!(
                "Invalid expression: The expression is nested more than {MAX_NESTING} levels deep"
            )));
        }
        self.depth += 1;
        let result = step(self);
        self.depth -= 1;
        result
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    /// Whether `tokens[start..end]` is one parenthesized group: a `(` at `start` whose `)` is
    /// the last token (then the parentheses around it are redundant, as DynamoDB says).
    fn is_one_group(&self, start: usize, end: usize) -> bool {
        if !matches!(self.tokens.get(start), Some(Token::Sym("("))) {
            return false;
        }
        let mut depth = 0usize;
        for (i, token) in self.tokens[start..end].iter().enumerate() {
            match token {
                Token::Sym("(") => depth += 1,
                Token::Sym(")") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return start + i + 1 == end;
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn at_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Token::Sym(s)) if *s == sym)
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), ApiError> {
        if self.at_sym(sym) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// A syntax error at the current token, as DynamoDB words it: the token, and the text
    /// around it from the token before to the token after.
    fn unexpected(&self) -> ApiError {
        let token = self.peek().map_or("<EOF>".to_string(), describe);
        let around = |i: usize| self.spans.get(i).copied();
        let first = around(self.pos.saturating_sub(1));
        let last = around(self.pos + 1).or(around(self.pos)).or(first);
        let near = match (first, last) {
            (Some((start, _)), Some((_, end))) => self.chars[start..end].iter().collect::<String>(),
            _ => String::new(),
        };
        validation(format!(
            "Invalid {}: Syntax error; token: \"{token}\", near: \"{}\"",
            self.kind,
            near.trim()
        ))
    }

    fn finish(&self) -> Result<(), ApiError> {
        if self.pos < self.tokens.len() {
            return Err(self.unexpected());
        }
        Ok(())
    }

    fn condition(&mut self) -> Result<Cond, ApiError> {
        let mut left = self.conjunction()?;
        while self.at_keyword("OR") {
            self.pos += 1;
            let right = self.conjunction()?;
            left = Cond::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conjunction(&mut self) -> Result<Cond, ApiError> {
        let mut left = self.negation()?;
        while self.at_keyword("AND") {
            self.pos += 1;
            let right = self.negation()?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn negation(&mut self) -> Result<Cond, ApiError> {
        if self.at_keyword("NOT") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.nested(Self::negation)?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Cond, ApiError> {
        // No operand starts with `(`: a parenthesis here opens a group.
        if self.at_sym("(") {
            self.pos += 1;
            let start = self.pos;
            let inner = self.nested(Self::condition)?;
            if self.is_one_group(start, self.pos) {
                return Err(validation(format!(
                    "Invalid {}: The expression has redundant parentheses;",
                    self.kind
                )));
            }
            self.expect_sym(")")?;
            return Ok(inner);
        }
        if let Some(Token::Word(word)) = self.peek().cloned() {
            let lower = word.to_ascii_lowercase();
            let is_call = matches!(self.tokens.get(self.pos + 1), Some(Token::Sym("(")));
            if is_call && is_condition_function(&lower) {
                self.pos += 1;
                let args = self.arguments()?;
                check_condition_args(&lower, &args)?;
                return Ok(Cond::Func(lower, args));
            }
        }
        let left = self.operand()?;
        if self.at_keyword("BETWEEN") {
            self.pos += 1;
            let low = self.operand()?;
            if !self.at_keyword("AND") {
                return Err(self.unexpected());
            }
            self.pos += 1;
            let high = self.operand()?;
            for bound in [&low, &high] {
                self.check_between_operand(bound)?;
            }
            return Ok(Cond::Between(left, low, high));
        }
        if self.at_keyword("IN") {
            self.pos += 1;
            let list = self.arguments()?;
            return Ok(Cond::In(left, list));
        }
        let cmp = match self.next() {
            Some(Token::Sym("=")) => Cmp::Eq,
            Some(Token::Sym("<>")) => Cmp::Ne,
            Some(Token::Sym("<")) => Cmp::Lt,
            Some(Token::Sym("<=")) => Cmp::Le,
            Some(Token::Sym(">")) => Cmp::Gt,
            Some(Token::Sym(">=")) => Cmp::Ge,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected());
            }
        };
        let right = self.operand()?;
        Ok(Cond::Compare(left, cmp, right))
    }

    /// Refuses a `BETWEEN` bound given as a value of a type with no order (only strings,
    /// numbers and binaries compare), as DynamoDB does before reading any item.
    fn check_between_operand(&self, bound: &Operand) -> Result<(), ApiError> {
        let Operand::Value(Value::Object(value)) = bound else {
            return Ok(());
        };
        match value.keys().next().map(String::as_str) {
            Some("S" | "N" | "B") | None => Ok(()),
            Some(kind) => Err(validation(format!(
                "Invalid {}: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: {kind}",
                self.kind
            ))),
        }
    }

    /// `( operand, operand, ... )`
    fn arguments(&mut self) -> Result<Vec<Operand>, ApiError> {
        self.nested(Self::argument_list)
    }

    fn argument_list(&mut self) -> Result<Vec<Operand>, ApiError> {
        self.expect_sym("(")?;
        let mut args = vec![self.value_expr()?];
        while self.at_sym(",") {
            self.pos += 1;
            args.push(self.value_expr()?);
        }
        self.expect_sym(")")?;
        Ok(args)
    }

    /// An operand with `+` / `-` (update expressions only accept one operator; so do we).
    fn value_expr(&mut self) -> Result<Operand, ApiError> {
        let left = self.operand()?;
        if self.at_sym("+") {
            self.pos += 1;
            return Ok(Operand::Add(Box::new(left), Box::new(self.operand()?)));
        }
        if self.at_sym("-") {
            self.pos += 1;
            return Ok(Operand::Sub(Box::new(left), Box::new(self.operand()?)));
        }
        Ok(left)
    }

    fn operand(&mut self) -> Result<Operand, ApiError> {
        match self.peek().cloned() {
            Some(Token::Value(placeholder)) => {
                self.pos += 1;
                Ok(Operand::Value(self.placeholders.value(&placeholder)?))
            }
            Some(Token::Word(word))
                if matches!(self.tokens.get(self.pos + 1), Some(Token::Sym("("))) =>
            {
                let lower = word.to_ascii_lowercase();
                if !matches!(lower.as_str(), "size" | "if_not_exists" | "list_append") {
                    return Err(validation(format!(
                        "Invalid expression: Invalid function name; function: {word}"
                    )));
                }
                self.pos += 1;
                let args = self.arguments()?;
                check_operand_args(&lower, &args)?;
                Ok(Operand::Call(lower, args))
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    fn path(&mut self) -> Result<Path, ApiError> {
        let mut path = vec![self.path_name()?];
        loop {
            if self.at_sym(".") {
                self.pos += 1;
                path.push(self.path_name()?);
            } else if self.at_sym("[") {
                self.pos += 1;
                match self.next() {
                    Some(Token::Int(i)) => path.push(Step::Index(i)),
                    _ => {
                        self.pos -= 1;
                        return Err(self.unexpected());
                    }
                }
                self.expect_sym("]")?;
            } else {
                return Ok(path);
            }
        }
    }

    fn path_name(&mut self) -> Result<Step, ApiError> {
        match self.next() {
            Some(Token::Name(placeholder)) => Ok(Step::Name(self.placeholders.name(&placeholder)?)),
            Some(Token::Word(word)) => {
                if is_reserved(&word) {
                    return Err(validation(format!(
                        "Invalid {}: Attribute name is a reserved keyword; reserved keyword: {word}",
                        self.kind
                    )));
                }
                Ok(Step::Name(word))
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }

    fn update(&mut self) -> Result<Vec<Action>, ApiError> {
        let mut actions = Vec::new();
        let mut seen = HashSet::new();
        while self.peek().is_some() {
            let clause = match self.next() {
                Some(Token::Word(w))
                    if matches!(
                        w.to_ascii_uppercase().as_str(),
                        "SET" | "REMOVE" | "ADD" | "DELETE"
                    ) =>
                {
                    w.to_ascii_uppercase()
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected());
                }
            };
            if !seen.insert(clause.clone()) {
                return Err(validation(format!(
                    "Invalid UpdateExpression: The \"{clause}\" section can only be used once in an update expression;"
                )));
            }
            loop {
                actions.push(self.update_action(&clause)?);
                if !self.at_sym(",") {
                    break;
                }
                self.pos += 1;
            }
        }
        Ok(actions)
    }

    fn update_action(&mut self, clause: &str) -> Result<Action, ApiError> {
        let path = self.path()?;
        match clause {
            "SET" => {
                self.expect_sym("=")?;
                Ok(Action::Set(path, self.value_expr()?))
            }
            "REMOVE" => Ok(Action::Remove(path)),
            "ADD" => Ok(Action::Add(path, self.operand()?)),
            "DELETE" => Ok(Action::Delete(path, self.operand()?)),
            other => Err(syntax(other)),
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => w.clone(),
        Token::Name(n) => format!("#{n}"),
        Token::Value(v) => format!(":{v}"),
        Token::Int(i) => i.to_string(),
        Token::Sym(s) => (*s).to_string(),
    }
}

fn is_condition_function(name: &str) -> bool {
    matches!(
        name,
        "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains"
    )
}

fn check_condition_args(name: &str, args: &[Operand]) -> Result<(), ApiError> {
    let expected = match name {
        "attribute_exists" | "attribute_not_exists" => 1,
        _ => 2,
    };
    if args.len() != expected {
        return Err(validation(format!(
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
            args.len()
        )));
    }
    if !matches!(args[0], Operand::Path(_)) && name.starts_with("attribute_") {
        return Err(validation(format!(
            "Invalid ConditionExpression: Operator or function requires a document path; operator or function: {name}"
        )));
    }
    Ok(())
}

fn check_operand_args(name: &str, args: &[Operand]) -> Result<(), ApiError> {
    let expected = if name == "size" { 1 } else { 2 };
    if args.len() != expected {
        return Err(validation(format!(
            "Invalid expression: Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
            args.len()
        )));
    }
    if name == "if_not_exists" && !matches!(args[0], Operand::Path(_)) {
        return Err(validation(
            "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
        ));
    }
    Ok(())
}

/// Parses a condition, filter or key condition expression.
/// `kind` is the request parameter it came from (`ConditionExpression`, `FilterExpression`,
/// `KeyConditionExpression`), named in errors as DynamoDB names it.
pub fn parse_condition(
    kind: &str,
    text: &str,
    placeholders: &mut Placeholders,
) -> Result<Cond, ApiError> {
    let mut parser = Parser::new(kind, text, placeholders)?;
    let cond = parser.condition()?;
    parser.finish()?;
    Ok(cond)
}

/// Parses an update expression into its actions.
pub fn parse_update(text: &str, placeholders: &mut Placeholders) -> Result<Vec<Action>, ApiError> {
    let mut parser = Parser::new("UpdateExpression", text, placeholders)?;
    let actions = parser.update()?;
    parser.finish()?;
    Ok(actions)
}

/// Parses a projection expression: a comma-separated list of paths.
pub fn parse_projection(
    text: &str,
    placeholders: &mut Placeholders,
) -> Result<Vec<Path>, ApiError> {
    let mut parser = Parser::new("ProjectionExpression", text, placeholders)?;
    let mut paths = vec![parser.path()?];
    while parser.at_sym(",") {
        parser.pos += 1;
        paths.push(parser.path()?);
    }
    parser.finish()?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn syntax_errors_name_the_token_and_the_text_around_it() {
        let input = json!({});
        for (text, message) in [
            (
                "SET MyStr = myNum Mystr2 myNum2",
                r#"Invalid UpdateExpression: Syntax error; token: "Mystr2", near: "myNum Mystr2 myNum2""#,
            ),
            (
                "SET MyStr = myNum + 1",
                r#"Invalid UpdateExpression: Syntax error; token: "1", near: "+ 1""#,
            ),
            (
                "SET MyStr = my Num",
                r#"Invalid UpdateExpression: Syntax error; token: "Num", near: "my Num""#,
            ),
            (
                "  ",
                "1 validation error detected: Invalid UpdateExpression: The expression can not be empty;",
            ),
        ] {
            let err = parse_update(text, &mut Placeholders::new(&input)).unwrap_err();
            assert_eq!(err.message, message, "{text}");
        }
    }

    #[test]
    fn parses_nested_conditions() {
        let input = json!({
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":a": {"S": "x"}, ":n": {"N": "1"}, ":m": {"N": "9"}}
        });
        let mut p = Placeholders::new(&input);
        let cond = parse_condition(
            "ConditionExpression",
            "NOT (#s = :a OR attribute_exists(a.b[2])) AND size(c) BETWEEN :n AND :m",
            &mut p,
        )
        .unwrap();
        assert!(matches!(cond, Cond::And(_, _)));
        p.check_unused().unwrap();
    }

    fn condition_error(text: &str) -> String {
        let input = json!({"ExpressionAttributeValues": {":v": {"N": "1"}}});
        let mut p = Placeholders::new(&input);
        parse_condition("ConditionExpression", text, &mut p)
            .map(|_| ())
            .unwrap_err()
            .message
    }

    #[test]
    fn refuses_expressions_over_dynamodbs_limits() {
        let nots = format!("{}a = :v", "NOT ".repeat(20_000));
        assert_eq!(
            condition_error(&nots),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 80006"
        );
        let nots = format!("{}a = :v", "NOT ".repeat(301));
        assert_eq!(
            condition_error(&nots),
            "Invalid ConditionExpression: The expression contains too many operators; operator count: 302"
        );
        let chain = vec!["a = :v"; 160].join(" AND ");
        assert!(condition_error(&chain).contains("too many operators; operator count: 319"));
        let parens = format!("{}a = :v{}", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(
            condition_error(&parens),
            "Invalid ConditionExpression: The expression has redundant parentheses;"
        );
        let unclosed = "(".repeat(4096);
        assert!(condition_error(&unclosed).contains("redundant parentheses"));
        let calls = format!("{}a{}", "size(".repeat(400), ")".repeat(400));
        assert!(condition_error(&calls).contains("too many operators"));
    }

    /// Runs `check` on a thread with the stack of the server's worker threads.
    fn on_a_worker_stack(check: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(crate::server::WORKER_STACK_BYTES)
            .spawn(check)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn the_nesting_guard_keeps_parsing_and_evaluation_within_a_worker_stack() {
        on_a_worker_stack(|| {
            let input = json!({"ExpressionAttributeValues": {":v": {"N": "1"}}});
            let mut p = Placeholders::new(&input);
            // Past the size and operator checks: only the guard bounds the recursion here.
            let parse = |n: usize, p: &mut Placeholders| {
                let text = format!("{}a = :v{}", "NOT (".repeat(n), ")".repeat(n));
                let (tokens, spans) = tokenize_spanned(&text).unwrap();
                let mut parser = Parser {
                    tokens,
                    spans,
                    chars: text.chars().collect(),
                    pos: 0,
                    depth: 0,
                    kind: "ConditionExpression".to_string(),
                    placeholders: p,
                };
                parser.condition()
            };
            // Each `NOT (` is two levels.
            let deepest = parse(MAX_NESTING / 2 - 1, &mut p).unwrap();
            let item = crate::state::dynamodb::Item::new();
            assert!(super::super::eval::holds(&item, &deepest).unwrap());
            drop(deepest);
            let message = parse(MAX_NESTING, &mut p).map(|_| ()).unwrap_err().message;
            assert!(message.contains("nested more than 640 levels"), "{message}");
        });
    }

    #[test]
    fn accepts_the_deepest_expressions_within_the_limits() {
        on_a_worker_stack(accept_the_deepest_expressions);
    }

    fn accept_the_deepest_expressions() {
        let input = json!({"ExpressionAttributeValues": {":v": {"N": "1"}}});
        let mut p = Placeholders::new(&input);
        let deep = format!("{}a = :v{}", "NOT (".repeat(299), ")".repeat(299));
        parse_condition("ConditionExpression", &deep, &mut p).unwrap();
        let nots = format!("{}a = :v", "NOT ".repeat(299));
        parse_condition("ConditionExpression", &nots, &mut p).unwrap();
        let chain = vec!["a = :v"; 150].join(" OR ");
        parse_condition("ConditionExpression", &chain, &mut p).unwrap();
        let grouped = "(a = :v) AND (NOT (a = :v OR (a = :v)))";
        parse_condition("ConditionExpression", grouped, &mut p).unwrap();
        let message = parse_condition("FilterExpression", "((a = :v)) OR a = :v", &mut p)
            .map(|_| ())
            .unwrap_err()
            .message;
        assert_eq!(
            message,
            "Invalid FilterExpression: The expression has redundant parentheses;"
        );
    }

    #[test]
    fn between_bounds_must_be_ordered_types() {
        for values in [
            json!({":lo": {"NULL": true}, ":hi": {"N": "100"}}),
            json!({":lo": {"N": "1"}, ":hi": {"NULL": true}}),
        ] {
            let input = json!({ "ExpressionAttributeValues": values });
            let mut p = Placeholders::new(&input);
            let message = parse_condition("FilterExpression", "price BETWEEN :lo AND :hi", &mut p)
                .map(|_| ())
                .unwrap_err()
                .message;
            assert_eq!(
                message,
                "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: NULL"
            );
        }
        let input = json!({"ExpressionAttributeValues": {":lo": {"S": "a"}, ":hi": {"S": "b"}}});
        let mut p = Placeholders::new(&input);
        parse_condition("FilterExpression", "price BETWEEN :lo AND :hi", &mut p).unwrap();
    }

    #[test]
    fn reserved_words_need_a_placeholder_anywhere_in_a_path() {
        let input = json!({"ExpressionAttributeNames": {"#n": "name", "#v": "Value"}});
        let mut p = Placeholders::new(&input);
        parse_projection("#n, nested.#v, Nested[1].#v", &mut p).unwrap();
        for (text, word) in [
            ("name", "name"),
            ("a, Comment", "Comment"),
            ("Nested[1].Value", "Value"),
        ] {
            let message = parse_projection(text, &mut Placeholders::new(&json!({})))
                .map(|_| ())
                .unwrap_err()
                .message;
            assert_eq!(
                message,
                format!("Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: {word}")
            );
        }
    }

    #[test]
    fn rejects_undefined_placeholders() {
        let input = json!({});
        let mut p = Placeholders::new(&input);
        assert!(parse_condition("ConditionExpression", "a = :missing", &mut p).is_err());
    }

    #[test]
    fn parses_update_clauses() {
        let input = json!({"ExpressionAttributeValues": {":one": {"N": "1"}, ":l": {"L": []}}});
        let mut p = Placeholders::new(&input);
        let actions = parse_update(
            "SET a = a + :one, b = list_append(if_not_exists(b, :l), :l) REMOVE c[1] ADD d :one",
            &mut p,
        )
        .unwrap();
        assert_eq!(actions.len(), 4);
    }
}
