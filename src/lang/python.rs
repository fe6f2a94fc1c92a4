//! Python facts from tree-sitter-python: every call whose callee resolves, through imports,
//! aliases and variable bindings, to a dotted path such as `boto3.Session().client`.
//!
//! Resolution is generic Python name binding (module, function, class and lambda scopes);
//! which paths are AWS clients is decided in `sdk::python`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use super::enclosing::Enclosing;
use super::marks::{self, Spelling};
use super::scopes::ScopedBindings;
use super::Language;

/// How many bindings one resolution may follow before giving up (guards against cycles).
const MAX_RESOLVE_DEPTH: usize = 24;
/// Scope key for attribute targets such as `self.session = ...`, which outlive any one function.
const ATTRIBUTE_SCOPE: usize = usize::MAX;
/// Node kinds whose `body` is a scope for the names bound inside it.
pub(crate) const SCOPE_KINDS: &[&str] = &["function_definition", "lambda", "class_definition"];
/// What every shape, scope and `return` the facts' walk looks for is written with: a call's or
/// a `def`'s `(`, an assignment's `=` or `:=`, `import`, `class`, `lambda`, `with ... as`,
/// `return`. The walk does not enter a subtree without one (but for a `with` target): each
/// shape is found at a node its mark's node holds, or at a child of it.
const MARKS: Spelling = Spelling {
    chars: b"(",
    plain_equals: true,
    words: &["import", "class", "lambda", "as", "return"],
};

/// One call expression whose callee resolved to a dotted path.
#[derive(Debug, Clone)]
pub struct Call {
    pub range: Range<usize>,
    /// e.g. `boto3.client`, `boto3.session.Session().client`, `botocore.session.get_session().create_client`.
    pub callee: String,
    pub args: ArgList,
    /// The callee is looked up at run time (`getattr(boto3, "client")(...)`).
    pub dynamic: bool,
}

/// A method call whose receiver does not resolve (a parameter, an unbound name, a subscript):
/// `<receiver>.<method>(...)` for one of the method names asked for.
#[derive(Debug, Clone)]
pub struct UnresolvedCall {
    pub range: Range<usize>,
    /// The receiver as written, e.g. `session` or `self.session`.
    pub receiver: String,
    pub method: String,
    pub args: ArgList,
}

/// A name or attribute used as a value (an argument), not called, that resolves to a path:
/// `functools.partial(boto3.client, "s3")` holds `boto3.client`.
#[derive(Debug, Clone)]
pub struct Reference {
    pub range: Range<usize>,
    pub path: String,
}

/// What a function of another module of the project returns, by the dotted path the file
/// imports it as (`pkg.sessions.session_for`, or `.sessions.session_for` relative to the file):
/// the project-wide facts a file's resolution may use.
pub type ProjectReturns<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// What the extraction is asked for besides resolved calls.
#[derive(Clone, Copy, Default)]
pub struct Wanted<'a> {
    /// Method names whose calls on unresolved receivers are reported.
    pub methods: &'a [&'a str],
    /// Returns of functions in other modules of the project.
    pub project: Option<ProjectReturns<'a>>,
}

/// The parenthesised argument list of a call, with byte offsets into the source.
#[derive(Debug, Clone)]
pub struct ArgList {
    /// Offset of `(`.
    pub open: usize,
    /// Offset of `)`.
    pub close: usize,
    pub items: Vec<Arg>,
    /// Offset of a comma after the last argument, if the call has one.
    pub trailing_comma: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub range: Range<usize>,
    pub kind: ArgKind,
    /// The argument's value when it is a string literal.
    pub string: Option<StringLit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgKind {
    Positional,
    Keyword {
        name: String,
        value: Range<usize>,
    },
    /// `*args`
    ListSplat,
    /// `**kwargs`
    DictSplat,
}

/// A string literal: its quote character, and its value when it is a plain literal
/// (no f-string interpolation, no escapes, not implicitly concatenated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    pub quote: char,
    pub value: Option<String>,
}

/// What the detector needs from one Python file.
#[derive(Debug, Default)]
pub struct Facts {
    pub calls: Vec<Call>,
    pub unresolved_calls: Vec<UnresolvedCall>,
    pub references: Vec<Reference>,
    /// Module-level functions whose returned value resolves, with that value
    /// (`session_for` → `boto3.Session()`).
    pub function_returns: Vec<(String, String)>,
    /// Plain string literals that hold a URL (`scheme://...`), with their ranges.
    pub url_literals: Vec<(Range<usize>, String)>,
    /// Names imported at module level, with the dotted path each is bound to.
    pub module_imports: Vec<(String, String)>,
    /// Where a new module-level import goes: the start of the line of the first statement that
    /// is not the docstring or a `from __future__` import (the end of the text if there is none).
    pub import_point: usize,
}

/// The shapes of Python the facts are read from (what `grammars/python.scm` used to match):
/// imports, bindings, scopes and calls. The shapes are generic Python; what counts as an AWS
/// client is decided in `sdk::python`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape<'t> {
    /// `import a.b, c as d`
    Import(Node<'t>),
    /// `from a import b as c`
    ImportFrom(Node<'t>),
    /// `target = value`, `target := value`, `with value as target`.
    Assignment { target: Node<'t>, value: Node<'t> },
    /// The name of a `def` with its parameters, the name of a `class`, the parameters of a
    /// `lambda`.
    Definition {
        name: Option<Node<'t>>,
        parameters: Option<Node<'t>>,
    },
    /// `callee(arguments)` with a parenthesised argument list.
    Call {
        call: Node<'t>,
        callee: Node<'t>,
        arguments: Node<'t>,
    },
}

/// The node kinds and fields the walk looks for, by their ids in tree-sitter-python.
struct Kinds {
    import: u16,
    import_from: u16,
    assignment: u16,
    named_expression: u16,
    with_item: u16,
    as_pattern: u16,
    as_pattern_target: u16,
    identifier: u16,
    function_definition: u16,
    parameters: u16,
    class_definition: u16,
    lambda: u16,
    lambda_parameters: u16,
    call: u16,
    argument_list: u16,
    left: u16,
    right: u16,
    name: u16,
    value: u16,
    alias: u16,
    parameters_field: u16,
    function: u16,
    arguments: u16,
    body: u16,
    return_statement: u16,
    /// By kind id: whether the kind is one of `SCOPE_KINDS`.
    scope: Vec<bool>,
}

impl Kinds {
    /// Whether `node` is a function, lambda or class (not the `lambda` keyword).
    fn is_scope(&self, node: Node) -> bool {
        node.is_named() && self.scope.get(usize::from(node.kind_id())) == Some(&true)
    }

    fn get() -> &'static Kinds {
        static KINDS: OnceLock<Kinds> = OnceLock::new();
        KINDS.get_or_init(|| {
            let language = Language::Python.grammar();
            let kind = |name: &str| language.id_for_node_kind(name, true);
            let field = |name: &str| {
                language
                    .field_id_for_name(name)
                    .map_or(0, std::num::NonZeroU16::get)
            };
            Kinds {
                import: kind("import_statement"),
                import_from: kind("import_from_statement"),
                assignment: kind("assignment"),
                named_expression: kind("named_expression"),
                with_item: kind("with_item"),
                as_pattern: kind("as_pattern"),
                as_pattern_target: kind("as_pattern_target"),
                identifier: kind("identifier"),
                function_definition: kind("function_definition"),
                parameters: kind("parameters"),
                class_definition: kind("class_definition"),
                lambda: kind("lambda"),
                lambda_parameters: kind("lambda_parameters"),
                call: kind("call"),
                argument_list: kind("argument_list"),
                left: field("left"),
                right: field("right"),
                name: field("name"),
                value: field("value"),
                alias: field("alias"),
                parameters_field: field("parameters"),
                function: field("function"),
                arguments: field("arguments"),
                body: field("body"),
                return_statement: kind("return_statement"),
                scope: super::enclosing::kind_table(&language, SCOPE_KINDS),
            }
        })
    }
}

/// What one walk of the tree gathers: the shapes, the scopes and the functions' returned values.
#[derive(Debug, Default, PartialEq)]
struct Walked<'t> {
    shapes: Vec<Shape<'t>>,
    /// Every scope node in pre-order, with its body's range.
    scopes: Vec<(Node<'t>, Option<Range<usize>>)>,
    /// By the id of a `def` (or lambda, or class): the values its own `return` statements give.
    returns: HashMap<usize, Vec<Node<'t>>>,
}

/// Every shape in the tree, in one pre-order walk, in the order a tree-sitter query produced
/// them: a shape is found when the walk enters its last node (the value of an assignment, the
/// argument list of a call), so an inner call in a callee comes before the call around it. The
/// same walk notes the scopes and the returned values.
fn walk<'t>(tree: &'t Tree, text: &str) -> Walked<'t> {
    let kinds = Kinds::get();
    let mut marked = marks::entering(tree, text, &MARKS);
    // A `with ... as` target is found at the identifier inside the target, which holds no
    // mark of its own: the `as` is its parent's.
    walk_entering(tree, |node: Node| {
        node.kind_id() == kinds.as_pattern_target || marked(node)
    })
}

/// `walk`, entering the nodes `enter` accepts.
fn walk_entering<'t>(tree: &'t Tree, enter: impl FnMut(Node<'t>) -> bool) -> Walked<'t> {
    let kinds = Kinds::get();
    let mut walked = Walked::default();
    super::preorder_entering(tree.root_node(), enter, |node, ancestors, field| {
        let kind = node.kind_id();
        if kinds.is_scope(node) {
            let body = node.child_by_field_id(kinds.body);
            walked
                .scopes
                .push((node, body.map(|body| body.byte_range())));
        } else if kind == kinds.return_statement && node.is_named() {
            add_returned_value(kinds, node, ancestors, &mut walked.returns);
        }
        shapes_ending_at(kinds, node, ancestors, field, &mut walked.shapes);
    });
    walked
}

/// The scopes `walk` finds, by range (for the tests of `Enclosing`).
#[cfg(test)]
pub(crate) fn walked_scopes<'t>(tree: &'t Tree, text: &str) -> Enclosing<'t> {
    Enclosing::from_preorder(walk(tree, text).scopes)
}

/// Notes the value of `statement` (a `return`) as returned by the scope whose body holds it,
/// when that scope is the nearest around it: a `return` in a nested function is that
/// function's.
fn add_returned_value<'t>(
    kinds: &Kinds,
    statement: Node<'t>,
    ancestors: &[Node<'t>],
    returns: &mut HashMap<usize, Vec<Node<'t>>>,
) {
    let mut inner = statement;
    for &ancestor in ancestors.iter().rev() {
        if kinds.is_scope(ancestor) {
            let in_body = ancestor.child_by_field_id(kinds.body) == Some(inner);
            if let Some(value) = statement.named_child(0).filter(|_| in_body) {
                returns.entry(ancestor.id()).or_default().push(value);
            }
            return;
        }
        if ancestor.kind_id() == kinds.return_statement && ancestor.is_named() {
            return;
        }
        inner = ancestor;
    }
}

/// The shapes whose last node is `node`; `ancestors` holds its ancestors, the root first, and
/// `field` gives the field `node` holds in its parent.
fn shapes_ending_at<'t>(
    kinds: &Kinds,
    node: Node<'t>,
    ancestors: &[Node<'t>],
    field: &dyn Fn() -> u16,
    found: &mut Vec<Shape<'t>>,
) {
    let kind = node.kind_id();
    if kind == kinds.import {
        found.push(Shape::Import(node));
        return;
    }
    if kind == kinds.import_from {
        found.push(Shape::ImportFrom(node));
        return;
    }
    let Some(&parent) = ancestors.last() else {
        return;
    };
    let parent_kind = parent.kind_id();
    if parent_kind == kinds.assignment && field() == kinds.right && node.is_named() {
        let target = named_field(parent, kinds.left, None);
        found.extend(target.map(|target| Shape::Assignment {
            target,
            value: node,
        }));
    } else if parent_kind == kinds.named_expression && field() == kinds.value && node.is_named() {
        let target = named_field(parent, kinds.name, Some(kinds.identifier));
        found.extend(target.map(|target| Shape::Assignment {
            target,
            value: node,
        }));
    } else if parent_kind == kinds.function_definition
        && field() == kinds.parameters_field
        && kind == kinds.parameters
    {
        let name = named_field(parent, kinds.name, Some(kinds.identifier));
        found.extend(name.map(|name| Shape::Definition {
            name: Some(name),
            parameters: Some(node),
        }));
    } else if parent_kind == kinds.class_definition
        && field() == kinds.name
        && kind == kinds.identifier
    {
        found.push(Shape::Definition {
            name: Some(node),
            parameters: None,
        });
    } else if parent_kind == kinds.lambda
        && field() == kinds.parameters_field
        && kind == kinds.lambda_parameters
    {
        found.push(Shape::Definition {
            name: None,
            parameters: Some(node),
        });
    } else if parent_kind == kinds.call && field() == kinds.arguments && kind == kinds.argument_list
    {
        let callee = named_field(parent, kinds.function, None);
        found.extend(callee.map(|callee| Shape::Call {
            call: parent,
            callee,
            arguments: node,
        }));
    } else if parent_kind == kinds.as_pattern_target && kind == kinds.identifier {
        with_item_targets(kinds, node, ancestors, found);
    }
}

/// `with value as target`: `target` is an identifier in the `as_pattern_target` at the end of
/// `ancestors`; every named child of the `as_pattern` before its alias is a value.
fn with_item_targets<'t>(
    kinds: &Kinds,
    target: Node<'t>,
    ancestors: &[Node<'t>],
    found: &mut Vec<Shape<'t>>,
) {
    let [.., with_item, as_pattern, alias] = ancestors else {
        return;
    };
    if with_item.kind_id() != kinds.with_item
        || as_pattern.kind_id() != kinds.as_pattern
        || with_item.child_by_field_id(kinds.value) != Some(*as_pattern)
        || as_pattern.child_by_field_id(kinds.alias) != Some(*alias)
    {
        return;
    }
    let mut cursor = as_pattern.walk();
    for value in as_pattern.named_children(&mut cursor) {
        if value.id() == alias.id() {
            break;
        }
        found.push(Shape::Assignment { target, value });
    }
}

/// The child of `parent` in `field`, if it is named (and of kind `kind` where given). The
/// grammar puts it before the shape's last node (`left` before `right`, `function` before
/// `arguments`), as the query's order of steps asked.
fn named_field(parent: Node, field: u16, kind: Option<u16>) -> Option<Node> {
    let child = parent.child_by_field_id(field)?;
    let fits = child.is_named() && kind.is_none_or(|kind| child.kind_id() == kind);
    fits.then_some(child)
}

/// Extracts the calls with resolvable callees, and the file's quote habits.
pub fn facts(tree: &Tree, text: &str, wanted: Wanted) -> Facts {
    facts_reusing(tree, text, wanted, true)
}

/// `facts`; with `reuse`, an expression's value is resolved once (the tests compare both).
fn facts_reusing(tree: &Tree, text: &str, wanted: Wanted, reuse: bool) -> Facts {
    let mut bindings = Bindings {
        project: wanted.project,
        root: Some(tree.root_node()),
        ..Bindings::default()
    };
    let walked = walk(tree, text);
    bindings.scopes = Some(Enclosing::from_preorder(walked.scopes));
    bindings.returns = walked.returns;
    let mut calls = Vec::new();
    let mut facts = Facts::default();
    for shape in walked.shapes {
        match shape {
            Shape::Import(stmt) => bindings.add_import(stmt, text),
            Shape::ImportFrom(stmt) => bindings.add_import_from(stmt, text),
            Shape::Assignment { target, value } => bindings.add_assignment(target, value, text),
            Shape::Definition { name, parameters } => {
                if let Some(name) = name {
                    bindings.add_definition(name, text);
                }
                if let Some(params) = parameters {
                    bindings.add_parameters(params, text);
                }
            }
            Shape::Call {
                call,
                callee,
                arguments,
            } => calls.push((call, callee, arguments)),
        }
    }
    facts.module_imports = bindings.module_imports();
    // What a module's functions return is a project-wide fact itself: it is read without the
    // other modules' facts, so every module's returns are known from its own text.
    let project = bindings.project.take();
    facts.function_returns = bindings.function_returns(text);
    bindings.project = project;
    // The bindings and the project's facts are complete: resolutions can be reused.
    bindings.resolved = reuse.then(RefCell::default);
    facts.import_point = import_point(tree, text);
    facts.url_literals = super::url_literals(tree, text, |node, text| {
        // An f-string's text still shows a URL's host (`f"https://sts.{region}.amazonaws.com"`).
        string_literal(node, text)?
            .value
            .or_else(|| Some(node_text(node, text).to_string()))
    });
    for (call, callee, args) in calls {
        facts
            .references
            .extend(argument_values(args).filter_map(|value| {
                let path = bindings.resolve(value, text, 0)?;
                Some(Reference {
                    range: value.byte_range(),
                    path,
                })
            }));
        if let Some(path) = bindings.resolve(callee, text, 0) {
            facts.calls.push(Call {
                range: call.byte_range(),
                callee: path,
                args: arg_list(args, text),
                dynamic: callee.kind() == "call",
            });
        } else if let Some(unresolved) =
            unresolved_call(&bindings, call, callee, args, text, &wanted)
        {
            facts.unresolved_calls.push(unresolved);
        }
    }
    facts
}

/// `<receiver>.<method>(...)` with a wanted method and a receiver that does not resolve.
fn unresolved_call<'t>(
    bindings: &Bindings<'t, '_>,
    call: Node<'t>,
    callee: Node<'t>,
    args: Node<'t>,
    text: &str,
    wanted: &Wanted,
) -> Option<UnresolvedCall> {
    if callee.kind() != "attribute" {
        return None;
    }
    let method = node_text(callee.child_by_field_name("attribute")?, text);
    if !wanted.methods.contains(&method) {
        return None;
    }
    let receiver = callee.child_by_field_name("object")?;
    if !bindings.unresolved(receiver, text, 0) {
        return None;
    }
    Some(UnresolvedCall {
        range: call.byte_range(),
        receiver: compact(node_text(receiver, text)),
        method: method.to_string(),
        args: arg_list(args, text),
    })
}

/// The names and attributes passed as arguments (positional or keyword values).
fn argument_values(args: Node) -> impl Iterator<Item = Node> {
    let mut cursor = args.walk();
    let children: Vec<Node> = args.named_children(&mut cursor).collect();
    children.into_iter().filter_map(|child| {
        let value = match child.kind() {
            "keyword_argument" => child.child_by_field_name("value")?,
            _ => child,
        };
        matches!(value.kind(), "identifier" | "attribute").then_some(value)
    })
}

/// What a name is bound to at some point of the file.
#[derive(Debug, Clone)]
enum Bound<'t> {
    /// An imported module or object, by its dotted path.
    Path(String),
    /// The value of an expression, resolved on demand.
    Expr(Node<'t>),
    /// A function defined in the file: calls to it are what it returns.
    Function(Node<'t>),
    /// A parameter annotated with a type: an instance of that type.
    Annotated(Node<'t>),
    /// A class or another definition of the file's own: known, and not a library path.
    Local,
    /// Anything else: a parameter, an unpacked tuple.
    Unknown,
}

/// Resolved values by node id, each with how much deeper than its own depth it went.
type Resolved = RefCell<HashMap<usize, (Option<String>, usize)>>;

#[derive(Default)]
struct Bindings<'t, 'p> {
    table: ScopedBindings<Bound<'t>>,
    project: Option<ProjectReturns<'p>>,
    /// The tree's root, from which ancestors are found in one descent.
    root: Option<Node<'t>>,
    /// The scopes' bodies by range, which answer most scope lookups without a descent.
    scopes: Option<Enclosing<'t>>,
    /// Each function's returned values by the definition's node id, noted by the facts' walk.
    returns: HashMap<usize, Vec<Node<'t>>>,
    /// Once the bindings are complete: each resolved expression's value by node id, with how
    /// much deeper than its own depth the resolution went (a value is reused only at a depth
    /// from which it would go no deeper than the limit, so it is the value found anew).
    resolved: Option<Resolved>,
    /// The deepest resolution depth reached so far.
    deepest: Cell<usize>,
}

impl<'t> Bindings<'t, '_> {
    fn bind(&mut self, scope: usize, name: &str, from: usize, bound: Bound<'t>) {
        self.table.bind(scope, name, from, bound);
    }

    /// What finds the scopes around a node: the tree's root and its scopes by range.
    fn scopes(&self) -> Scopes<'_, 't> {
        Scopes {
            root: self.root,
            by_range: self.scopes.as_ref(),
        }
    }

    fn module_imports(&self) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = self
            .table
            .latest_in(0)
            .filter_map(|(name, bound)| match bound {
                Bound::Path(path) => Some((name.to_string(), path.clone())),
                _ => None,
            })
            .collect();
        found.sort();
        found
    }

    /// The module-level functions whose returned value resolves.
    fn function_returns(&self, text: &str) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = self
            .table
            .latest_in(0)
            .filter_map(|(name, bound)| match bound {
                Bound::Function(definition) => {
                    let returned = self.resolve_returns(*definition, text, 0)?;
                    Some((name.to_string(), returned))
                }
                _ => None,
            })
            .collect();
        found.sort();
        found
    }

    fn add_import(&mut self, stmt: Node<'t>, text: &str) {
        let scope = scope_chain(self.scopes(), stmt)[0];
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let (bound_name, path) = match name.kind() {
                "aliased_import" => {
                    let (Some(n), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) else {
                        continue;
                    };
                    (node_text(alias, text), node_text(n, text).to_string())
                }
                _ => {
                    let full = node_text(name, text);
                    let head = full.split('.').next().unwrap_or(full);
                    (head, head.to_string())
                }
            };
            self.bind(scope, bound_name, stmt.end_byte(), Bound::Path(path));
        }
    }

    fn add_import_from(&mut self, stmt: Node<'t>, text: &str) {
        let scope = scope_chain(self.scopes(), stmt)[0];
        // A relative import keeps its leading dots (`.sessions.session_for`): a path of the
        // project's own, which no SDK path equals.
        let module = stmt
            .child_by_field_name("module_name")
            .map(|m| compact(node_text(m, text)));
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let (imported, bound_name) = match name.kind() {
                "aliased_import" => {
                    let (Some(n), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) else {
                        continue;
                    };
                    (node_text(n, text), node_text(alias, text))
                }
                _ => (node_text(name, text), node_text(name, text)),
            };
            let bound = match &module {
                Some(m) if m.ends_with('.') => Bound::Path(format!("{m}{}", compact(imported))),
                Some(m) => Bound::Path(format!("{m}.{}", compact(imported))),
                None => Bound::Unknown,
            };
            self.bind(scope, bound_name, stmt.end_byte(), bound);
        }
    }

    fn add_assignment(&mut self, target: Node<'t>, value: Node<'t>, text: &str) {
        if value.kind() == "none" && in_except_clause(target) {
            // `except ImportError: boto3 = None`: where the name is used as the module, it is
            // the module; the fallback only matters where the import failed.
            return;
        }
        let scope = scope_chain(self.scopes(), target)[0];
        let from = value.end_byte();
        match target.kind() {
            "identifier" => {
                if in_class_body(self.scopes(), target) {
                    for receiver in ["self", "cls"] {
                        let key = format!("{receiver}.{}", node_text(target, text));
                        self.bind(ATTRIBUTE_SCOPE, &key, from, Bound::Expr(value));
                    }
                }
                self.bind(scope, node_text(target, text), from, Bound::Expr(value));
            }
            "attribute" => {
                let key = compact(node_text(target, text));
                self.bind(ATTRIBUTE_SCOPE, &key, from, Bound::Expr(value));
            }
            _ => {
                for name in identifiers(target) {
                    self.bind(scope, node_text(name, text), from, Bound::Unknown);
                }
            }
        }
    }

    /// `def client(...)` / `class Session:` shadow an imported name in the enclosing scope. A
    /// function is bound to its definition (calls are what it returns); a method also to
    /// `self.<name>` / `cls.<name>`.
    fn add_definition(&mut self, name: Node<'t>, text: &str) {
        let scope = scope_chain(self.scopes(), name)[0];
        let Some(definition) = name.parent() else {
            return;
        };
        let bound = match definition.kind() {
            "function_definition" => Bound::Function(definition),
            _ => Bound::Local,
        };
        if matches!(bound, Bound::Function(_)) && in_class_body(self.scopes(), name) {
            for receiver in ["self", "cls"] {
                let key = format!("{receiver}.{}", node_text(name, text));
                self.bind(ATTRIBUTE_SCOPE, &key, 0, bound.clone());
            }
        }
        self.bind(scope, node_text(name, text), name.start_byte(), bound);
    }

    /// Parameters shadow outer names inside their function or lambda.
    fn add_parameters(&mut self, params: Node<'t>, text: &str) {
        let Some(function) = params.parent() else {
            return;
        };
        let mut cursor = params.walk();
        for param in params.named_children(&mut cursor) {
            let name = match param.kind() {
                "identifier" => Some(param),
                _ => param
                    .child_by_field_name("name")
                    .or_else(|| first_identifier(param)),
            };
            let bound = match param.child_by_field_name("type") {
                Some(annotation) => Bound::Annotated(annotation),
                None => Bound::Unknown,
            };
            if let Some(name) = name {
                self.bind(function.id(), node_text(name, text), 0, bound);
            }
        }
    }

    /// The dotted path an expression evaluates to, when it can be told statically.
    fn resolve(&self, expr: Node<'t>, text: &str, depth: usize) -> Option<String> {
        if self.too_deep(depth) {
            return None;
        }
        let Some(resolved) = &self.resolved else {
            return self.resolve_anew(expr, text, depth);
        };
        if let Some((value, reach)) = resolved.borrow().get(&expr.id()) {
            if depth + reach <= MAX_RESOLVE_DEPTH {
                self.deepest.set(self.deepest.get().max(depth + reach));
                return value.clone();
            }
        }
        let outer = self.deepest.replace(depth);
        let value = self.resolve_anew(expr, text, depth);
        let deepest = self.deepest.get();
        self.deepest.set(outer.max(deepest));
        if deepest <= MAX_RESOLVE_DEPTH {
            let entry = (value.clone(), deepest - depth);
            resolved.borrow_mut().insert(expr.id(), entry);
        }
        value
    }

    /// Whether `depth` is past the limit; notes the depth reached.
    fn too_deep(&self, depth: usize) -> bool {
        self.deepest.set(self.deepest.get().max(depth));
        depth > MAX_RESOLVE_DEPTH
    }

    fn resolve_anew(&self, expr: Node<'t>, text: &str, depth: usize) -> Option<String> {
        match expr.kind() {
            "identifier" => {
                let bound = self.lookup(expr, node_text(expr, text))?;
                self.resolve_bound(bound, text, depth)
            }
            "attribute" => {
                if let Some(bound) = self.attribute_binding(expr, text) {
                    return self.resolve_bound(bound, text, depth);
                }
                let object = self.resolve(expr.child_by_field_name("object")?, text, depth + 1)?;
                let attr = node_text(expr.child_by_field_name("attribute")?, text);
                Some(format!("{object}.{attr}"))
            }
            "call" => self.resolve_call(expr, text, depth),
            "parenthesized_expression" => self.resolve(expr.named_child(0)?, text, depth + 1),
            "boolean_operator" if is_or(expr) => self
                .resolve(expr.child_by_field_name("left")?, text, depth + 1)
                .or_else(|| self.resolve(expr.child_by_field_name("right")?, text, depth + 1)),
            _ => None,
        }
    }

    /// A call's value: what a function of this file or of the project returns, the attribute
    /// `getattr(x, "name")` reads, or else `<callee>()`.
    fn resolve_call(&self, call: Node<'t>, text: &str, depth: usize) -> Option<String> {
        let function = call.child_by_field_name("function")?;
        if let Some(definition) = self.function_bound(function, text) {
            return self.resolve_returns(definition, text, depth);
        }
        if let Some(path) = self.resolve_getattr(call, text, depth) {
            return Some(path);
        }
        if let Some(module) = self.resolve_dynamic_import(call, text, depth) {
            return Some(module);
        }
        let path = self.resolve(function, text, depth + 1)?;
        match self.project.and_then(|returns| returns(&path)) {
            Some(returned) => Some(returned),
            None => Some(format!("{path}()")),
        }
    }

    /// `getattr(x, "name")` (the builtin, not shadowed) as `x.name`.
    fn resolve_getattr(&self, call: Node<'t>, text: &str, depth: usize) -> Option<String> {
        let function = call.child_by_field_name("function")?;
        if node_text(function, text) != "getattr" || self.lookup(function, "getattr").is_some() {
            return None;
        }
        let args = call.child_by_field_name("arguments")?;
        let mut cursor = args.walk();
        let items: Vec<Node> = args.named_children(&mut cursor).collect();
        let [object, name, ..] = items.as_slice() else {
            return None;
        };
        let object = self.resolve(*object, text, depth + 1)?;
        let name = string_literal(*name, text)?.value?;
        Some(format!("{object}.{name}"))
    }

    /// The definition a callee names when it is a function of this file (or a method called
    /// through `self` / `cls`).
    fn function_bound(&self, callee: Node<'t>, text: &str) -> Option<Node<'t>> {
        let bound = match callee.kind() {
            "identifier" => self.lookup(callee, node_text(callee, text))?,
            "attribute" => self.attribute_binding(callee, text)?,
            _ => return None,
        };
        match bound {
            Bound::Function(definition) => Some(*definition),
            _ => None,
        }
    }

    /// What a function returns: the first `return` value that resolves, else an instance of its
    /// return annotation.
    fn resolve_returns(&self, definition: Node<'t>, text: &str, depth: usize) -> Option<String> {
        if self.too_deep(depth) {
            return None;
        }
        let from_body = self
            .returned_values(definition)
            .iter()
            .find_map(|value| self.resolve(*value, text, depth + 1));
        from_body.or_else(|| {
            let annotation = definition.child_by_field_name("return_type")?;
            let class = self.resolve_type(annotation, text, depth + 1)?;
            Some(format!("{class}()"))
        })
    }

    /// The class a type annotation names, through `Optional[X]`, `Union[X, None]`, `X | None`
    /// and string annotations.
    fn resolve_type(&self, annotation: Node<'t>, text: &str, depth: usize) -> Option<String> {
        if self.too_deep(depth) {
            return None;
        }
        match annotation.kind() {
            "type" | "parenthesized_expression" => {
                self.resolve_type(annotation.named_child(0)?, text, depth + 1)
            }
            "identifier" | "attribute" => self.resolve(annotation, text, depth + 1),
            "binary_operator" => {
                let left = annotation.child_by_field_name("left")?;
                let right = annotation.child_by_field_name("right")?;
                self.resolve_type(left, text, depth + 1)
                    .or_else(|| self.resolve_type(right, text, depth + 1))
            }
            "subscript" | "generic_type" => {
                let mut cursor = annotation.walk();
                let parts: Vec<Node> = annotation.named_children(&mut cursor).collect();
                parts
                    .iter()
                    .skip(1)
                    .find_map(|part| self.resolve_type(*part, text, depth + 1))
            }
            "type_parameter" => {
                let mut cursor = annotation.walk();
                let parts: Vec<Node> = annotation.named_children(&mut cursor).collect();
                parts
                    .iter()
                    .find_map(|part| self.resolve_type(*part, text, depth + 1))
            }
            "string" => {
                let written = string_literal(annotation, text)?.value?;
                written
                    .split(['|', '[', ']', ','])
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .find_map(|part| self.resolve_dotted(annotation, part))
            }
            _ => None,
        }
    }

    /// Whether an annotation tells nothing about the value: `Any`, `object`, or a name that
    /// does not resolve (a local class does resolve to the file's own, and says enough).
    fn annotation_says_nothing(&self, annotation: Node<'t>, text: &str) -> bool {
        match self.resolve_type(annotation, text, 0) {
            Some(class) => says_nothing(&class),
            None => {
                let written = node_text(annotation, text).trim_matches(['"', '\'', ' ']);
                matches!(written, "object" | "Any")
                    || !matches!(
                        self.lookup(
                            annotation,
                            written.split(['.', '[', '|']).next().unwrap_or("")
                        ),
                        Some(Bound::Local | Bound::Function(_))
                    )
            }
        }
    }

    /// `importlib.import_module("boto3")`, `pytest.importorskip("boto3")` and the builtin
    /// `__import__("boto3")`: the module named by the literal.
    fn resolve_dynamic_import(&self, call: Node<'t>, text: &str, depth: usize) -> Option<String> {
        let function = call.child_by_field_name("function")?;
        let builtin = node_text(function, text) == "__import__"
            && self.lookup(function, "__import__").is_none();
        let importer = builtin
            || self
                .resolve(function, text, depth + 1)
                .is_some_and(|p| p == "importlib.import_module" || p == "pytest.importorskip");
        if !importer {
            return None;
        }
        let args = call.child_by_field_name("arguments")?;
        let first = args.named_child(0)?;
        let module = string_literal(first, text)?.value?;
        Some(match builtin {
            true => module.split('.').next().unwrap_or(&module).to_string(),
            false => module,
        })
    }

    /// A dotted name written as text (a string annotation), resolved where the text stands.
    fn resolve_dotted(&self, at: Node<'t>, dotted: &str) -> Option<String> {
        let (head, rest) = match dotted.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (dotted, None),
        };
        let Bound::Path(path) = self.lookup(at, head)? else {
            return None;
        };
        Some(match rest {
            Some(rest) => format!("{path}.{rest}"),
            None => path.clone(),
        })
    }

    fn resolve_bound(&self, bound: &Bound<'t>, text: &str, depth: usize) -> Option<String> {
        match bound {
            Bound::Path(path) => Some(path.clone()),
            Bound::Expr(node) => self.resolve(*node, text, depth + 1),
            Bound::Annotated(annotation) => {
                let class = self.resolve_type(*annotation, text, depth + 1)?;
                (!says_nothing(&class)).then(|| format!("{class}()"))
            }
            Bound::Function(_) | Bound::Local | Bound::Unknown => None,
        }
    }

    /// Whether an expression that does not resolve is unknown for want of facts (a parameter,
    /// an unbound name, a subscript) rather than known to be something of the file's own (a
    /// local class or function) or a library path.
    fn unresolved(&self, expr: Node<'t>, text: &str, depth: usize) -> bool {
        if depth > MAX_RESOLVE_DEPTH || self.resolve(expr, text, depth).is_some() {
            return false;
        }
        match expr.kind() {
            "identifier" => match self.lookup(expr, node_text(expr, text)) {
                None | Some(Bound::Unknown) => true,
                Some(Bound::Expr(node)) => self.unresolved(*node, text, depth + 1),
                Some(Bound::Annotated(annotation)) => {
                    self.annotation_says_nothing(*annotation, text)
                }
                Some(_) => false,
            },
            "attribute" => match self.attribute_binding(expr, text) {
                Some(Bound::Expr(node)) => self.unresolved(*node, text, depth + 1),
                Some(_) => false,
                None => expr
                    .child_by_field_name("object")
                    .is_some_and(|o| self.unresolved(o, text, depth + 1)),
            },
            "call" => match expr.child_by_field_name("function") {
                Some(function) => match self.function_bound(function, text) {
                    Some(definition) => self
                        .returned_values(definition)
                        .iter()
                        .any(|v| self.unresolved(*v, text, depth + 1)),
                    None => self.unresolved(function, text, depth + 1),
                },
                None => false,
            },
            "parenthesized_expression" | "await" => expr
                .named_child(0)
                .is_some_and(|inner| self.unresolved(inner, text, depth + 1)),
            "subscript" | "conditional_expression" | "boolean_operator" => true,
            _ => false,
        }
    }

    /// The binding of `name` visible at `at`: innermost scope first, as Python looks names up.
    /// The binding of an attribute target such as `self.session`, visible at `expr`.
    fn attribute_binding(&self, expr: Node<'t>, text: &str) -> Option<&Bound<'t>> {
        let key = compact(node_text(expr, text));
        self.table
            .lookup_in(ATTRIBUTE_SCOPE, &key, expr.start_byte(), false)
    }

    /// The values `definition`'s own `return` statements give, in document order (not those
    /// of the functions, lambdas and classes nested in it).
    fn returned_values(&self, definition: Node<'t>) -> &[Node<'t>] {
        self.returns
            .get(&definition.id())
            .map_or(&[], Vec::as_slice)
    }

    fn lookup(&self, at: Node<'t>, name: &str) -> Option<&Bound<'t>> {
        self.table
            .lookup(&scope_chain(self.scopes(), at), name, at.start_byte())
    }
}

/// What finds the scopes around a node: the tree's root, from which ancestors are found in one
/// descent (`Node::parent` starts from the root each time, which is quadratic in the nesting
/// depth), and the scopes' bodies by range, which answer without any descent where ranges tell.
#[derive(Clone, Copy)]
struct Scopes<'a, 't> {
    root: Option<Node<'t>>,
    by_range: Option<&'a Enclosing<'t>>,
}

/// The functions, lambdas and classes whose body holds `node`, innermost first.
fn enclosing_scopes<'t>(scopes: Scopes<'_, 't>, node: Node<'t>) -> Vec<Node<'t>> {
    if let Some(chain) = scopes.by_range.and_then(|by_range| by_range.chain(node)) {
        return chain;
    }
    let ancestors = match scopes.root {
        Some(root) => super::ancestors(root, node),
        None => std::iter::successors(node.parent(), Node::parent).collect(),
    };
    let mut found = Vec::new();
    let mut child = node;
    for parent in ancestors {
        let body_holds_child = parent
            .child_by_field_name("body")
            .is_some_and(|body| body.id() == child.id());
        let is_scope = matches!(
            parent.kind(),
            "function_definition" | "lambda" | "class_definition"
        );
        if is_scope && body_holds_child {
            found.push(parent);
        }
        child = parent;
    }
    found
}

/// Scope ids from innermost to the module (id 0). Function and lambda bodies nest; a class body
/// is a scope of its own that the functions inside it do not see.
fn scope_chain(scopes: Scopes, node: Node) -> Vec<usize> {
    let scopes = enclosing_scopes(scopes, node);
    let mut chain: Vec<usize> = scopes
        .iter()
        .enumerate()
        .filter(|(i, scope)| *i == 0 || scope.kind() != "class_definition")
        .map(|(_, scope)| scope.id())
        .collect();
    chain.push(0);
    chain
}

/// Whether a node is in a class body itself (a class attribute or a method), not inside a
/// method of it.
fn in_class_body(scopes: Scopes, node: Node) -> bool {
    enclosing_scopes(scopes, node)
        .first()
        .is_some_and(|scope| scope.kind() == "class_definition")
}

/// Whether a node sits in an `except` clause of its function (or of the module).
fn in_except_clause(node: Node) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "except_clause" => return true,
            "function_definition" | "class_definition" | "lambda" => return false,
            _ => current = parent,
        }
    }
    false
}

/// A type that tells nothing about a value (`Any`).
fn says_nothing(class: &str) -> bool {
    matches!(class, "typing.Any" | "typing_extensions.Any")
}

fn is_or(expr: Node) -> bool {
    expr.child_by_field_name("operator")
        .is_some_and(|op| op.kind() == "or")
}

fn import_point(tree: &Tree, text: &str) -> usize {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let mut seen_statement = false;
    for child in root.named_children(&mut cursor) {
        let is_docstring = !seen_statement
            && child.kind() == "expression_statement"
            && child.named_child(0).is_some_and(|n| n.kind() == "string");
        let skip =
            child.kind() == "comment" || is_docstring || child.kind() == "future_import_statement";
        if child.kind() != "comment" {
            seen_statement = true;
        }
        if !skip {
            return text[..child.start_byte()].rfind('\n').map_or(0, |i| i + 1);
        }
    }
    text.len()
}

fn arg_list(args: Node, text: &str) -> ArgList {
    let mut items = Vec::new();
    let mut trailing_comma = None;
    let mut cursor = args.walk();
    for child in args.children(&mut cursor) {
        match child.kind() {
            "(" | ")" | "comment" => {}
            "," => trailing_comma = Some(child.start_byte()),
            _ => {
                trailing_comma = None;
                items.push(argument(child, text));
            }
        }
    }
    ArgList {
        open: args.start_byte(),
        close: args.end_byte().saturating_sub(1),
        items,
        trailing_comma,
    }
}

fn argument(node: Node, text: &str) -> Arg {
    let (kind, value) = match node.kind() {
        "keyword_argument" => {
            let name = node.child_by_field_name("name").map(|n| node_text(n, text));
            let value = node.child_by_field_name("value");
            match (name, value) {
                (Some(name), Some(value)) => (
                    ArgKind::Keyword {
                        name: name.to_string(),
                        value: value.byte_range(),
                    },
                    Some(value),
                ),
                _ => (ArgKind::Positional, None),
            }
        }
        "list_splat" => (ArgKind::ListSplat, None),
        "dictionary_splat" => (ArgKind::DictSplat, None),
        _ => (ArgKind::Positional, Some(node)),
    };
    Arg {
        range: node.byte_range(),
        kind,
        string: value.and_then(|v| string_literal(v, text)),
    }
}

/// A `string` node as a literal; `None` for anything else.
pub fn string_literal(node: Node, text: &str) -> Option<StringLit> {
    if node.kind() != "string" {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    let start = node_text(*children.first()?, text);
    let quote = start.chars().last()?;
    let prefix = start.trim_end_matches(['"', '\'']).to_ascii_lowercase();
    let plain_prefix = prefix.is_empty() || prefix == "r" || prefix == "u";
    let contents: Vec<&Node> = children
        .iter()
        .filter(|c| c.kind() != "string_start" && c.kind() != "string_end")
        .collect();
    let value = match contents.as_slice() {
        [] if plain_prefix => Some(String::new()),
        [only] if plain_prefix && only.kind() == "string_content" => {
            let raw = node_text(**only, text);
            (!raw.contains('\\') || prefix == "r").then(|| raw.to_string())
        }
        _ => None,
    };
    Some(StringLit { quote, value })
}

fn identifiers(node: Node) -> Vec<Node> {
    if node.kind() == "identifier" {
        return vec![node];
    }
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .flat_map(identifiers)
        .collect()
}

fn first_identifier(node: Node) -> Option<Node> {
    identifiers(node).into_iter().next()
}

fn node_text<'a>(node: Node, text: &'a str) -> &'a str {
    &text[node.byte_range()]
}

/// A dotted name without the white space Python allows inside it (`boto3 . client`).
fn compact(dotted: &str) -> String {
    dotted.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The module's top-level statements (and comments) in whole lines, those that share a line
/// merged: each range starts at a line start and ends after a newline (or at the end of the
/// text), where a text tree-sitter parses without errors is between statements.
pub fn statement_lines(tree: &Tree, text: &str) -> Vec<Range<usize>> {
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    let mut lines: Vec<Range<usize>> = Vec::new();
    let root = tree.root_node();
    let mut cursor = root.walk();
    for child in root.children(&mut cursor) {
        let range =
            line_start(child.start_byte())..line_end(child.end_byte().max(child.start_byte()));
        match lines.last_mut() {
            Some(last) if range.start < last.end => last.end = last.end.max(range.end),
            _ => lines.push(range),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use tree_sitter::Tree;

    use super::{walk, walk_entering, Shape};
    use crate::lang::{self, Language};

    /// The query the walk replaced (grammars/python.scm as it was).
    const QUERY: &str = r#"
        (import_statement) @import
        (import_from_statement) @import_from
        (assignment left: (_) @target right: (_) @value)
        (named_expression name: (identifier) @target value: (_) @value)
        (with_item
          value: (as_pattern
            (_) @value
            alias: (as_pattern_target (identifier) @target)))
        (function_definition
          name: (identifier) @definition
          parameters: (parameters) @parameters)
        (class_definition name: (identifier) @definition)
        (lambda parameters: (lambda_parameters) @parameters)
        (call function: (_) @callee arguments: (argument_list) @arguments) @call
    "#;

    /// The shapes the query found, in the order it found them.
    fn queried<'t>(tree: &'t Tree, text: &str) -> Vec<Shape<'t>> {
        let mut found = Vec::new();
        for m in lang::query_matches(Language::Python, QUERY, tree, text) {
            let capture = |name: &str| lang::captured(&m, name);
            let shape = match m[0].0.as_str() {
                "import" => capture("import").map(Shape::Import),
                "import_from" => capture("import_from").map(Shape::ImportFrom),
                "target" | "value" => capture("target")
                    .zip(capture("value"))
                    .map(|(target, value)| Shape::Assignment { target, value }),
                "definition" | "parameters" => Some(Shape::Definition {
                    name: capture("definition"),
                    parameters: capture("parameters"),
                }),
                _ => capture("call").map(|call| Shape::Call {
                    call,
                    callee: capture("callee").expect("callee"),
                    arguments: capture("arguments").expect("arguments"),
                }),
            };
            found.extend(shape);
        }
        found
    }

    fn same_as_query(text: &str) -> usize {
        let tree = lang::parse(Language::Python, text);
        let walked = walk(&tree, text);
        assert_eq!(walked.shapes, queried(&tree, text), "{text}");
        // Passing by the subtrees without marks changes nothing the walk finds.
        assert_eq!(walked, walk_entering(&tree, |_| true), "{text}");
        walked.shapes.len()
    }

    #[test]
    fn the_walk_finds_what_the_query_found_in_its_order() {
        let text = "import boto3, os.path as p\n\
            from botocore import session as s, config\n\
            a = b = boto3.client('s3')\n\
            x: int\n\
            y: int = 3\n\
            a, *b = c\n\
            self.s3 += f(g(1)(2))(3)\n\
            f(x for x in y)\n\
            print(z := (w := boto3.Session()))\n\
            with boto3.Session() as session, open(p) as (q, r), k:\n\
            \x20   pass\n\
            with (boto3.client('s3') # a comment\n\
            \x20     as c):\n\
            \x20   pass\n\
            @decorator(1)\n\
            async def handler(event, context: 'boto3.Session' = lambda: 1, *a, **k) -> None:\n\
            \x20   class K(Base, metaclass=M):\n\
            \x20       def m(self): return lambda q, r=2: q\n\
            \x20   return lambda: 2\n\
            getattr(boto3, 'client')('s3')\n\
            boto3.client(\n\
            \x20   'sqs', region_name='us-east-1',)\n";
        assert!(same_as_query(text) > 20);
    }

    /// Every `.py` file under `AWSREDIRECT_WALK_ORACLE` (a long run, on a real tree):
    /// `AWSREDIRECT_WALK_ORACLE=DIR cargo nextest run --run-ignored only -E 'test(every_file)'`.
    #[test]
    #[ignore = "long: set AWSREDIRECT_WALK_ORACLE to a tree"]
    fn the_walk_finds_what_the_query_found_in_every_file_of_a_tree() {
        let dir = std::env::var_os("AWSREDIRECT_WALK_ORACLE").expect("AWSREDIRECT_WALK_ORACLE");
        let mut shapes = 0;
        for text in lang::texts_under(dir.as_ref(), "py") {
            shapes += same_as_query(&text);
        }
        assert!(shapes > 0);
    }

    #[test]
    fn a_function_returns_what_its_own_return_statements_give() {
        let text = "import boto3\n\
            def outer():\n\
            \x20   def inner():\n\
            \x20       return boto3.client('s3')\n\
            \x20   class K:\n\
            \x20       def m(self): return boto3.client('sqs')\n\
            \x20   return 1\n\
            def nested():\n\
            \x20   if x:\n\
            \x20       for y in z:\n\
            \x20           return boto3.Session()\n\
            \x20   return None\n\
            def through():\n\
            \x20   return nested()\n\
            def later():\n\
            \x20   g = lambda: boto3.client('s3')\n\
            \x20   return g\n";
        let tree = lang::parse(Language::Python, text);
        let returns = super::facts(&tree, text, super::Wanted::default()).function_returns;
        let names: Vec<&str> = returns.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["nested", "through"], "{returns:?}");
        assert_eq!(returns[0].1, returns[1].1);
        assert!(returns[0].1.starts_with("boto3.Session"), "{returns:?}");
    }

    /// Chains of aliases around the depth limit, used deepest first and shallowest first, and
    /// a cycle: reused resolutions give what resolving anew gives.
    #[test]
    fn a_resolution_reused_is_the_resolution_found_anew() {
        for hops in [1, 5, 10, 11, 12, 13, 20, 23, 24, 25, 30] {
            let mut text = String::from("import boto3\na0 = boto3.client('s3')\n");
            for i in 1..=hops {
                text.push_str(&format!("a{i} = a{}\n", i - 1));
            }
            let deepest_first = (0..=hops).rev().map(|i| format!("a{i}.get_object()\n"));
            let shallowest_first = (0..=hops).map(|i| format!("a{i}.put_object()\n"));
            text.extend(deepest_first.chain(shallowest_first));
            text.push_str("x = y\ny = x.z\nx.go()\ny.go()\n");
            let tree = lang::parse(Language::Python, &text);
            let facts = |reuse| {
                let facts = super::facts_reusing(&tree, &text, super::Wanted::default(), reuse);
                format!("{:?}", facts.calls)
            };
            let anew = facts(false);
            assert_eq!(facts(true), anew, "{hops} hops");
            assert!(
                anew.contains("boto3.client().get_object"),
                "{hops} hops: {anew}"
            );
        }
    }

    #[test]
    fn the_walk_finds_what_the_query_found_in_broken_text() {
        for text in [
            "def f(:\n  lambda\nclass",
            "x = = boto3.client('s3')\nimport\nfrom . import (a, \n",
            "with a as : pass\nf(a b c)\nclass C(:\n  def m(self) -> : return x := 1\n",
            "a = (b := c\nprint('x'\nlambda x: f(x\n",
            "with 1as x:\n  pass\nwith 0x1 as y, z as w: pass\n",
        ] {
            same_as_query(text);
        }
    }
}
