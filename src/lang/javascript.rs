//! JavaScript and TypeScript facts from tree-sitter: every `new` expression and call whose
//! constructor resolves, through imports, `require`, destructuring and variable bindings, to a
//! module export such as `aws-sdk` → `S3` or `@aws-sdk/client-s3` → `S3Client`.
//!
//! Resolution is generic ECMAScript name binding (program, block and function scopes); which
//! exports are AWS clients is decided in `sdk::javascript`.

use std::collections::HashSet;
use std::num::NonZeroU16;
use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};

use super::enclosing::Enclosing;
use super::marks::{self, Spelling};
use super::scopes::ScopedBindings;
use super::Language;

/// How many bindings one resolution may follow before giving up (guards against cycles).
const MAX_RESOLVE_DEPTH: usize = 24;
/// Node kinds that open a scope for the names declared (or the parameters listed) inside them.
pub(crate) const SCOPE_KINDS: &[&str] = &[
    "statement_block",
    "arrow_function",
    "function_expression",
    "function",
    "function_declaration",
    "generator_function",
    "generator_function_declaration",
    "method_definition",
    "for_statement",
    "for_in_statement",
    "catch_clause",
    "class_static_block",
];
/// What every shape and scope the facts' walk looks for is written with: a call's or the
/// parameters' `(`, a block's `{`, a declaration's or an assignment's `=`, an arrow's `=>`,
/// `import`, `class`, `function`, `new`, `catch`, `for`, `static`, `namespace`, `module`. The walk
/// does not enter a subtree without one.
const MARKS: Spelling = Spelling {
    chars: b"({",
    plain_equals: true,
    words: &[
        "import",
        "class",
        "function",
        "new",
        "catch",
        "for",
        "static",
        "namespace",
        "module",
    ],
};
/// Wrappers that leave the value of the expression inside them unchanged.
const TRANSPARENT_KINDS: &[&str] = &[
    "parenthesized_expression",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
];

/// A value exported by a module: `module` as written in the import, `path` the member names
/// after it (`default` for a default import; empty for the module object itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub module: String,
    pub path: Vec<String>,
}

/// One `new` expression whose constructor resolved to a module export.
#[derive(Debug, Clone)]
pub struct New {
    pub range: Range<usize>,
    pub constructor: Resolved,
    /// The argument list; `None` for `new X` without parentheses.
    pub args: Option<ArgList>,
}

/// One call whose callee resolved to a module export.
#[derive(Debug, Clone)]
pub struct Call {
    pub range: Range<usize>,
    pub callee: Resolved,
    pub args: ArgList,
}

/// The parenthesised argument list of a call or `new`, with byte offsets into the source.
#[derive(Debug, Clone)]
pub struct ArgList {
    /// Offset of `(`.
    pub open: usize,
    /// Offset of `)`.
    pub close: usize,
    pub items: Vec<Arg>,
    /// Offset of a comma after the last argument, if there is one.
    pub trailing_comma: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub range: Range<usize>,
    /// `...args`
    pub spread: bool,
    /// The argument when it is an object literal.
    pub object: Option<ObjectLit>,
    /// The object literal the argument, a name, is bound to where that binding can be relied
    /// on: a `const` anywhere it is visible, a `let` / `var` in the argument's own scope that no
    /// assignment in the file names. Its
    /// ranges are those of the literal, elsewhere in the file: for reading, never for editing.
    pub bound_object: Option<ObjectLit>,
}

/// An object literal `{ ... }`.
#[derive(Debug, Clone)]
pub struct ObjectLit {
    /// Offset of `{`.
    pub open: usize,
    /// Offset of `}`.
    pub close: usize,
    pub props: Vec<Prop>,
    /// Offset of a comma after the last property, if there is one.
    pub trailing_comma: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Prop {
    pub range: Range<usize>,
    pub kind: PropKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropKind {
    /// `key: value`; the key when it is static (identifier, string, number, `["literal"]`).
    Pair {
        key: Option<String>,
        value: Range<usize>,
        string: Option<StringLit>,
    },
    /// `key` alone.
    Shorthand(String),
    /// `...expr`, with the range of `expr`.
    Spread(Range<usize>),
    /// `key() {}`, `get key() {}`, `set key(v) {}`; the key when it is static.
    Method(Option<String>),
    /// Anything else.
    Other,
}

impl ObjectLit {
    /// The property with a static key `key`, if any.
    pub fn find(&self, key: &str) -> Option<(usize, &Prop)> {
        self.props
            .iter()
            .enumerate()
            .find(|(_, p)| p.key() == Some(key))
    }
}

impl Prop {
    /// The property's static key, for pairs, shorthands and methods.
    pub fn key(&self) -> Option<&str> {
        match &self.kind {
            PropKind::Pair { key, .. } => key.as_deref(),
            PropKind::Shorthand(name) => Some(name),
            PropKind::Method(key) => key.as_deref(),
            _ => None,
        }
    }
}

/// A string literal: its quote character, and its value when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    pub quote: char,
    pub value: Option<String>,
}

/// What the detector needs from one JavaScript or TypeScript file.
#[derive(Debug, Default)]
pub struct Facts {
    pub news: Vec<New>,
    pub calls: Vec<Call>,
    /// One level of indentation as the file writes it (two spaces, four spaces, a tab).
    pub indent_unit: String,
    /// Plain string literals that hold a URL (`scheme://...`), with their ranges.
    pub url_literals: Vec<(Range<usize>, String)>,
}

/// Whether a call of a resolved function evaluates to its only argument, as far as resolution
/// is concerned (an instrumentation wrapper); the caller decides which functions do.
pub type Passthrough = fn(&Resolved) -> bool;

/// Extracts the `new` expressions and calls with resolvable targets, and the file's habits.
/// A call of a function `passthrough` accepts resolves to what its argument resolves to.
pub fn facts(language: Language, tree: &Tree, text: &str, passthrough: Passthrough) -> Facts {
    let mut found = Vec::new();
    let scopes = walk(language, tree, text, |shape| found.push(shape));
    let mut bindings = Bindings::new(passthrough, Enclosing::from_preorder(scopes));
    let mut news = Vec::new();
    let mut calls = Vec::new();
    let mut facts = Facts {
        indent_unit: indent_unit(text),
        url_literals: super::url_literals(tree, text, |node, text| {
            string_literal(node, text)?.value
        }),
        ..Facts::default()
    };
    for shape in found {
        match shape {
            Found::Import(stmt) => bindings.add_import(stmt, text),
            Found::ImportAlias(alias) => bindings.add_import_alias(alias, text),
            Found::Declarator {
                target,
                value,
                assignment,
            } => bindings.add_declarator(target, value, assignment, text),
            Found::Definition { name, declaration } => {
                bindings.add_definition(name, declaration, text);
            }
            Found::Parameters { params, function } => {
                bindings.bind_unknown(function.id(), params, text);
            }
            Found::Parameter { param, owner } => bindings.bind_unknown(owner.id(), param, text),
            Found::New { new, constructor } => news.push((new, constructor)),
            Found::Call { call, callee, args } => calls.push((call, callee, args)),
        }
    }
    for (new, constructor) in news {
        if let Some(resolved) = bindings.resolve(constructor, text, 0) {
            facts.news.push(New {
                range: new.byte_range(),
                constructor: resolved,
                args: new
                    .child_by_field_name("arguments")
                    .map(|a| bindings.arg_list(a, text)),
            });
        }
    }
    for (call, callee, args) in calls {
        if let Some(resolved) = bindings.resolve(callee, text, 0) {
            facts.calls.push(Call {
                range: call.byte_range(),
                callee: resolved,
                args: bindings.arg_list(args, text),
            });
        }
    }
    facts
}

/// A node the facts are built from, with the nodes around it that matter: the shapes
/// `facts` reads, found by `walk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found<'t> {
    /// `import ... from 'm'`, `import X = require('m')`.
    Import(Node<'t>),
    /// TypeScript's `import S3 = AWS.S3`.
    ImportAlias(Node<'t>),
    /// `const target = value`, or `target = value` (`assignment`) with an identifier target.
    Declarator {
        target: Node<'t>,
        value: Node<'t>,
        assignment: bool,
    },
    /// The name of a class, function, generator or (TypeScript) abstract class, namespace or
    /// module declaration.
    Definition {
        name: Node<'t>,
        declaration: Node<'t>,
    },
    /// A function's parameter list.
    Parameters {
        params: Node<'t>,
        function: Node<'t>,
    },
    /// The parameter of `x => ...` or of `catch (e)`.
    Parameter { param: Node<'t>, owner: Node<'t> },
    New {
        new: Node<'t>,
        constructor: Node<'t>,
    },
    /// A call with a parenthesised argument list (not a tagged template).
    Call {
        call: Node<'t>,
        callee: Node<'t>,
        args: Node<'t>,
    },
}

/// What a node is to `walk`, by its own kind or by its parent's kind and its field there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Import,
    ImportAlias,
    Parameters,
    /// The `value` of a `variable_declarator`.
    DeclaratorValue,
    /// The `right` of an `assignment_expression`.
    AssignedValue,
    /// The `name` of a declaration.
    Definition,
    /// The `name` of a TypeScript namespace or module, counted only when an identifier.
    ModuleName,
    /// The `parameter` of an arrow function, counted only when an identifier.
    ArrowParameter,
    /// The `parameter` of a catch clause.
    CatchParameter,
    /// The `constructor` of a `new_expression`.
    Constructor,
    /// The `arguments` of a `call_expression`, counted only when an `arguments` node.
    Arguments,
}

/// One grammar's kind and field ids for `walk`, looked up once.
struct Shapes {
    /// By kind id: what a node of that kind is by itself.
    own: Vec<Option<Shape>>,
    /// By the parent's kind id: the child's field and what the child in it is.
    child: Vec<Option<(NonZeroU16, Shape)>>,
    identifier: u16,
    arguments: u16,
    name: NonZeroU16,
    left: NonZeroU16,
    function: NonZeroU16,
    /// By kind id: whether the kind is one of `SCOPE_KINDS`.
    scope: Vec<bool>,
}

/// Kinds a node is by itself, as (kind, shape); TypeScript adds `TYPESCRIPT_OWN`.
const OWN: &[(&str, Shape)] = &[
    ("import_statement", Shape::Import),
    ("formal_parameters", Shape::Parameters),
];
const TYPESCRIPT_OWN: &[(&str, Shape)] = &[("import_alias", Shape::ImportAlias)];
/// Children by the parent's kind and the child's field, as (parent kind, field, shape);
/// TypeScript adds `TYPESCRIPT_CHILD`.
const CHILD: &[(&str, &str, Shape)] = &[
    ("variable_declarator", "value", Shape::DeclaratorValue),
    ("assignment_expression", "right", Shape::AssignedValue),
    ("class_declaration", "name", Shape::Definition),
    ("function_declaration", "name", Shape::Definition),
    ("generator_function_declaration", "name", Shape::Definition),
    ("arrow_function", "parameter", Shape::ArrowParameter),
    ("catch_clause", "parameter", Shape::CatchParameter),
    ("new_expression", "constructor", Shape::Constructor),
    ("call_expression", "arguments", Shape::Arguments),
];
const TYPESCRIPT_CHILD: &[(&str, &str, Shape)] = &[
    ("abstract_class_declaration", "name", Shape::Definition),
    ("internal_module", "name", Shape::ModuleName),
    ("module", "name", Shape::ModuleName),
];

impl Shapes {
    fn of(language: Language) -> &'static Shapes {
        static JAVASCRIPT: OnceLock<Shapes> = OnceLock::new();
        static TYPESCRIPT: OnceLock<Shapes> = OnceLock::new();
        static TSX: OnceLock<Shapes> = OnceLock::new();
        let (cell, typescript) = match language {
            Language::TypeScript => (&TYPESCRIPT, true),
            Language::Tsx => (&TSX, true),
            _ => (&JAVASCRIPT, false),
        };
        cell.get_or_init(|| Shapes::new(&language.grammar(), typescript))
    }

    fn new(grammar: &tree_sitter::Language, typescript: bool) -> Shapes {
        let kinds = grammar.node_kind_count();
        let kind = |name: &str| {
            let id = grammar.id_for_node_kind(name, true);
            assert!(id != 0, "the grammar has a node kind {name}");
            id
        };
        let field = |name: &str| {
            grammar
                .field_id_for_name(name)
                .unwrap_or_else(|| panic!("the grammar has a field {name}"))
        };
        let extra = |own: &'static [(&str, Shape)]| if typescript { own } else { &[] };
        let mut own = vec![None; kinds];
        for (name, shape) in OWN.iter().chain(extra(TYPESCRIPT_OWN)) {
            own[usize::from(kind(name))] = Some(*shape);
        }
        let child_extra: &[(&str, &str, Shape)] = if typescript { TYPESCRIPT_CHILD } else { &[] };
        let mut child = vec![None; kinds];
        for (parent, name, shape) in CHILD.iter().chain(child_extra) {
            child[usize::from(kind(parent))] = Some((field(name), *shape));
        }
        Shapes {
            own,
            child,
            identifier: kind("identifier"),
            arguments: kind("arguments"),
            name: field("name"),
            left: field("left"),
            function: field("function"),
            scope: super::enclosing::kind_table(grammar, SCOPE_KINDS),
        }
    }

    /// What `node`, the child of `parent` in the field `field` of the cursor, is found as.
    fn found<'t>(
        &self,
        node: Node<'t>,
        parent: Option<Node<'t>>,
        field: &dyn Fn() -> u16,
    ) -> Option<Found<'t>> {
        let kind = usize::from(node.kind_id());
        if let Some(shape) = self.own.get(kind).copied().flatten() {
            return match shape {
                Shape::Import => Some(Found::Import(node)),
                Shape::ImportAlias => Some(Found::ImportAlias(node)),
                _ => Some(Found::Parameters {
                    params: node,
                    function: parent?,
                }),
            };
        }
        let parent = parent?;
        let (wanted, shape) = self
            .child
            .get(usize::from(parent.kind_id()))
            .copied()
            .flatten()?;
        if !node.is_named() || field() != wanted.get() {
            return None;
        }
        self.child_found(node, parent, shape)
    }

    /// `node` (named) in the field of `parent` that `shape` is about.
    fn child_found<'t>(&self, node: Node<'t>, parent: Node<'t>, shape: Shape) -> Option<Found<'t>> {
        let named = |field: NonZeroU16| {
            parent
                .child_by_field_id(field.get())
                .filter(|child| child.is_named())
        };
        let identifier = node.kind_id() == self.identifier;
        match shape {
            Shape::DeclaratorValue => Some(Found::Declarator {
                target: named(self.name)?,
                value: node,
                assignment: false,
            }),
            Shape::AssignedValue => Some(Found::Declarator {
                target: named(self.left).filter(|left| left.kind_id() == self.identifier)?,
                value: node,
                assignment: true,
            }),
            Shape::Definition => Some(Found::Definition {
                name: node,
                declaration: parent,
            }),
            Shape::ModuleName => identifier.then_some(Found::Definition {
                name: node,
                declaration: parent,
            }),
            Shape::ArrowParameter => identifier.then_some(Found::Parameter {
                param: node,
                owner: parent,
            }),
            Shape::CatchParameter => Some(Found::Parameter {
                param: node,
                owner: parent,
            }),
            Shape::Constructor => Some(Found::New {
                new: parent,
                constructor: node,
            }),
            Shape::Arguments => (node.kind_id() == self.arguments)
                .then(|| named(self.function))
                .flatten()
                .map(|callee| Found::Call {
                    call: parent,
                    callee,
                    args: node,
                }),
            Shape::Import | Shape::ImportAlias | Shape::Parameters => None,
        }
    }
}

/// Every node under `root` the facts are built from, in the order the query of the former
/// `grammars/javascript.scm` (and `typescript.scm`) reported them: document order of the node
/// that completes the shape (for a call its arguments, for a declarator its value), in
/// ERROR nodes too. Returns the scopes the walk met, in pre-order, each with its range (a
/// JavaScript scope's inside is the whole node).
fn walk<'t>(
    language: Language,
    tree: &'t Tree,
    text: &str,
    visit: impl FnMut(Found<'t>),
) -> Vec<(Node<'t>, Option<Range<usize>>)> {
    walk_entering(language, tree, marks::entering(tree, text, &MARKS), visit)
}

/// `walk`, entering the nodes `enter` accepts.
fn walk_entering<'t>(
    language: Language,
    tree: &'t Tree,
    enter: impl FnMut(Node<'t>) -> bool,
    mut visit: impl FnMut(Found<'t>),
) -> Vec<(Node<'t>, Option<Range<usize>>)> {
    let shapes = Shapes::of(language);
    let mut scopes = Vec::new();
    super::preorder_entering(tree.root_node(), enter, |node, ancestors, field| {
        if shapes.scope.get(usize::from(node.kind_id())) == Some(&true) {
            scopes.push((node, Some(node.byte_range())));
        }
        if let Some(found) = shapes.found(node, ancestors.last().copied(), field) {
            visit(found);
        }
    });
    scopes
}

/// The scopes `walk` finds, by range (for the tests of `Enclosing`).
#[cfg(test)]
pub(crate) fn walked_scopes<'t>(language: Language, tree: &'t Tree, text: &str) -> Enclosing<'t> {
    Enclosing::from_preorder(walk(language, tree, text, |_| {}))
}

/// What a name is bound to at some point of the file.
#[derive(Debug, Clone)]
enum Bound<'t> {
    /// An import: a module export.
    Import(Resolved),
    /// A member path of the value of an expression (destructuring), resolved on demand.
    Expr(Node<'t>, Vec<String>),
    /// Anything else: a local class or function, a parameter, an array pattern.
    Unknown,
}

struct Bindings<'t> {
    table: ScopedBindings<Bound<'t>>,
    passthrough: Passthrough,
    /// Names some `name = value` assigns anywhere in the file.
    assigned: HashSet<String>,
    /// The file's scopes by range, which answer most scope lookups without climbing the tree.
    scopes: Enclosing<'t>,
}

impl<'t> Bindings<'t> {
    fn new(passthrough: Passthrough, scopes: Enclosing<'t>) -> Self {
        Bindings {
            table: ScopedBindings::default(),
            passthrough,
            assigned: HashSet::new(),
            scopes,
        }
    }

    fn bind(&mut self, scope: usize, name: &str, from: usize, bound: Bound<'t>) {
        self.table.bind(scope, name, from, bound);
    }

    /// Every identifier a pattern declares becomes unknown in `scope`.
    fn bind_unknown(&mut self, scope: usize, pattern: Node<'t>, text: &str) {
        for name in pattern_identifiers(pattern) {
            self.bind(scope, node_text(name, text), 0, Bound::Unknown);
        }
    }

    /// `import ... from 'm'` and TypeScript's `import X = require('m')`; imports are hoisted.
    fn add_import(&mut self, stmt: Node<'t>, text: &str) {
        let source = stmt
            .child_by_field_name("source")
            .and_then(|s| string_value(s, text));
        let mut cursor = stmt.walk();
        for child in stmt.named_children(&mut cursor) {
            match child.kind() {
                "import_clause" => {
                    if let Some(module) = &source {
                        self.add_import_clause(child, module, text);
                    }
                }
                "import_require_clause" => {
                    let module = child
                        .child_by_field_name("source")
                        .and_then(|s| string_value(s, text));
                    if let (Some(module), Some(name)) = (module, child.named_child(0)) {
                        self.bind(0, node_text(name, text), 0, import(&module, &[]));
                    }
                }
                _ => {}
            }
        }
    }

    /// TypeScript's `import S3 = AWS.S3` (an alias of an entity, here a member of an imported
    /// namespace), visible in its whole scope like an import.
    fn add_import_alias(&mut self, alias: Node<'t>, text: &str) {
        let (Some(name), Some(value)) = (alias.named_child(0), alias.named_child(1)) else {
            return;
        };
        if name.kind() != "identifier" {
            return;
        }
        let scope = scope_chain(&self.scopes, alias)[0];
        self.bind(
            scope,
            node_text(name, text),
            0,
            Bound::Expr(value, Vec::new()),
        );
    }

    fn add_import_clause(&mut self, clause: Node<'t>, module: &str, text: &str) {
        let mut cursor = clause.walk();
        for part in clause.named_children(&mut cursor) {
            match part.kind() {
                "identifier" => {
                    self.bind(0, node_text(part, text), 0, import(module, &["default"]));
                }
                "namespace_import" => {
                    if let Some(name) = part.named_child(0) {
                        self.bind(0, node_text(name, text), 0, import(module, &[]));
                    }
                }
                "named_imports" => {
                    let mut inner = part.walk();
                    for spec in part.named_children(&mut inner) {
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let local = spec.child_by_field_name("alias").unwrap_or(name);
                        let exported = string_value(name, text)
                            .unwrap_or_else(|| node_text(name, text).to_string());
                        self.bind(
                            0,
                            node_text(local, text),
                            0,
                            import(module, &[exported.as_str()]),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// `const x = value`, `const { a, b: c } = value`, `x = value`.
    /// `assignment`: the target is the left side of an `assignment_expression`.
    fn add_declarator(&mut self, target: Node<'t>, value: Node<'t>, assignment: bool, text: &str) {
        if assignment {
            self.assigned.insert(node_text(target, text).to_string());
        }
        let scope = scope_chain(&self.scopes, target)[0];
        self.destructure(scope, target, value, Vec::new(), text);
    }

    fn destructure(
        &mut self,
        scope: usize,
        pattern: Node<'t>,
        value: Node<'t>,
        path: Vec<String>,
        text: &str,
    ) {
        let from = value.end_byte();
        match pattern.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => self.bind(
                scope,
                node_text(pattern, text),
                from,
                Bound::Expr(value, path),
            ),
            "object_pattern" => {
                let mut cursor = pattern.walk();
                for part in pattern.named_children(&mut cursor) {
                    self.destructure_part(scope, part, value, &path, text);
                }
            }
            "assignment_pattern" | "object_assignment_pattern" => {
                if let Some(left) = pattern.child_by_field_name("left") {
                    self.destructure(scope, left, value, path, text);
                }
            }
            _ => {
                for name in pattern_identifiers(pattern) {
                    self.bind(scope, node_text(name, text), from, Bound::Unknown);
                }
            }
        }
    }

    fn destructure_part(
        &mut self,
        scope: usize,
        part: Node<'t>,
        value: Node<'t>,
        path: &[String],
        text: &str,
    ) {
        let member = |name: String| {
            let mut longer = path.to_vec();
            longer.push(name);
            longer
        };
        match part.kind() {
            "shorthand_property_identifier_pattern" => {
                let name = node_text(part, text).to_string();
                self.destructure(scope, part, value, member(name), text);
            }
            "object_assignment_pattern" => {
                if let Some(left) = part.child_by_field_name("left") {
                    let name = node_text(left, text).to_string();
                    self.destructure(scope, left, value, member(name), text);
                }
            }
            "pair_pattern" => {
                let key = part
                    .child_by_field_name("key")
                    .and_then(|k| static_key(k, text));
                let Some(target) = part.child_by_field_name("value") else {
                    return;
                };
                match key {
                    Some(key) => self.destructure(scope, target, value, member(key), text),
                    None => {
                        for name in pattern_identifiers(target) {
                            self.bind(
                                scope,
                                node_text(name, text),
                                value.end_byte(),
                                Bound::Unknown,
                            );
                        }
                    }
                }
            }
            _ => {
                for name in pattern_identifiers(part) {
                    self.bind(
                        scope,
                        node_text(name, text),
                        value.end_byte(),
                        Bound::Unknown,
                    );
                }
            }
        }
    }

    /// `class S3Client {}` / `function S3Client() {}` shadow an imported name in their scope.
    fn add_definition(&mut self, name: Node<'t>, declaration: Node<'t>, text: &str) {
        let scope = scope_chain(&self.scopes, declaration)[0];
        self.bind(scope, node_text(name, text), 0, Bound::Unknown);
    }

    /// The module export an expression evaluates to, when it can be told statically.
    fn resolve(&self, expr: Node<'t>, text: &str, depth: usize) -> Option<Resolved> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        match expr.kind() {
            "identifier" => {
                let bound = self.lookup(expr, node_text(expr, text))?;
                self.resolve_bound(bound, text, depth)
            }
            "member_expression" | "nested_identifier" => {
                let property = expr.child_by_field_name("property")?;
                if property.kind() != "property_identifier" {
                    return None;
                }
                let object = expr.child_by_field_name("object")?;
                let mut resolved = self.resolve(object, text, depth + 1)?;
                resolved.path.push(node_text(property, text).to_string());
                Some(resolved)
            }
            "subscript_expression" => {
                let index = string_value(expr.child_by_field_name("index")?, text)?;
                let object = expr.child_by_field_name("object")?;
                let mut resolved = self.resolve(object, text, depth + 1)?;
                resolved.path.push(index);
                Some(resolved)
            }
            "call_expression" => self
                .resolve_require(expr, text)
                .or_else(|| self.resolve_passthrough(expr, text, depth)),
            "await_expression" => self.resolve_dynamic_import(expr.named_child(0)?, text),
            "type_assertion" => {
                let last = expr.named_child_count().checked_sub(1)?;
                let inner = expr.named_child(last as u32)?;
                self.resolve(inner, text, depth + 1)
            }
            kind if TRANSPARENT_KINDS.contains(&kind) => {
                self.resolve(expr.named_child(0)?, text, depth + 1)
            }
            _ => None,
        }
    }

    fn resolve_bound(&self, bound: &Bound<'t>, text: &str, depth: usize) -> Option<Resolved> {
        match bound {
            Bound::Import(resolved) => Some(resolved.clone()),
            Bound::Expr(node, path) => {
                let mut resolved = self.resolve(*node, text, depth + 1)?;
                resolved.path.extend(path.iter().cloned());
                Some(resolved)
            }
            Bound::Unknown => None,
        }
    }

    /// `require('m')`, where `require` is Node's own or made by `createRequire(...)`.
    fn resolve_require(&self, call: Node<'t>, text: &str) -> Option<Resolved> {
        let function = call.child_by_field_name("function")?;
        if function.kind() != "identifier" || !self.is_require(function, text) {
            return None;
        }
        let module = single_string_argument(call, text)?;
        Some(Resolved {
            module,
            path: Vec::new(),
        })
    }

    /// `wrap(x)` where `wrap` is a function that returns its argument: resolves to `x`.
    fn resolve_passthrough(&self, call: Node<'t>, text: &str, depth: usize) -> Option<Resolved> {
        let callee = self.resolve(call.child_by_field_name("function")?, text, depth + 1)?;
        if !(self.passthrough)(&callee) {
            return None;
        }
        let args = call.child_by_field_name("arguments")?;
        if args.kind() != "arguments" || args.named_child_count() != 1 {
            return None;
        }
        self.resolve(args.named_child(0)?, text, depth + 1)
    }

    fn is_require(&self, name: Node<'t>, text: &str) -> bool {
        let Some(bound) = self.lookup(name, node_text(name, text)) else {
            return node_text(name, text) == "require";
        };
        let Bound::Expr(value, path) = bound else {
            return false;
        };
        let callee = (value.kind() == "call_expression" && path.is_empty())
            .then(|| value.child_by_field_name("function"))
            .flatten();
        callee.is_some_and(|c| node_text(c, text).ends_with("createRequire"))
    }

    /// `await import('m')`.
    fn resolve_dynamic_import(&self, expr: Node<'t>, text: &str) -> Option<Resolved> {
        let expr = unwrap_transparent(expr);
        if expr.kind() != "call_expression"
            || expr.child_by_field_name("function")?.kind() != "import"
        {
            return None;
        }
        let module = single_string_argument(expr, text)?;
        Some(Resolved {
            module,
            path: Vec::new(),
        })
    }

    /// The object literal a name is bound to, where the binding can be relied on (see
    /// `Arg::bound_object`): a `const`, or a `let` / `var` in the same scope that no assignment
    /// in the file names.
    fn bound_object(&self, arg: Node<'t>, text: &str) -> Option<ObjectLit> {
        let arg = unwrap_transparent(arg);
        if arg.kind() != "identifier" {
            return None;
        }
        let Bound::Expr(value, path) = self.lookup(arg, node_text(arg, text))? else {
            return None;
        };
        let declarator = value.parent()?;
        if !path.is_empty() || declarator.kind() != "variable_declarator" {
            return None;
        }
        let declaration = declarator.parent()?;
        let constant = declaration.kind() == "lexical_declaration"
            && declaration.child(0).is_some_and(|k| k.kind() == "const");
        let name = node_text(arg, text);
        if !constant
            && (self.assigned.contains(name)
                || scope_chain(&self.scopes, *value)[0] != scope_chain(&self.scopes, arg)[0])
        {
            return None;
        }
        let object = unwrap_transparent(*value);
        (object.kind() == "object").then(|| object_lit(object, text))
    }

    /// The argument list, with the object literal a lone first argument name is bound to.
    fn arg_list(&self, args: Node<'t>, text: &str) -> ArgList {
        let mut list = arg_list(args, text);
        let first = args
            .named_children(&mut args.walk())
            .find(|child| child.kind() != "comment");
        if let (Some(item), Some(node)) = (list.items.first_mut(), first) {
            item.bound_object = self.bound_object(node, text);
        }
        list
    }

    /// The binding of `name` visible at `at`: innermost scope first.
    fn lookup(&self, at: Node<'t>, name: &str) -> Option<&Bound<'t>> {
        self.table
            .lookup(&scope_chain(&self.scopes, at), name, at.start_byte())
    }
}

fn import<'t>(module: &str, path: &[&str]) -> Bound<'t> {
    Bound::Import(Resolved {
        module: module.to_string(),
        path: path.iter().map(|p| p.to_string()).collect(),
    })
}

/// Scope ids from innermost to the program (id 0): from the scopes by range, else by climbing
/// the tree.
fn scope_chain(scopes: &Enclosing, node: Node) -> Vec<usize> {
    if let Some(found) = scopes.chain(node) {
        let mut chain: Vec<usize> = found.iter().map(Node::id).collect();
        chain.push(0);
        return chain;
    }
    let mut chain = Vec::new();
    let mut current = node.parent();
    while let Some(scope) = current {
        if SCOPE_KINDS.contains(&scope.kind()) {
            chain.push(scope.id());
        }
        current = scope.parent();
    }
    chain.push(0);
    chain
}

/// The identifiers a binding pattern declares (not those in default values or types).
fn pattern_identifiers(node: Node) -> Vec<Node> {
    match node.kind() {
        "identifier" | "shorthand_property_identifier_pattern" => return vec![node],
        "assignment_pattern" | "object_assignment_pattern" => {
            return node
                .child_by_field_name("left")
                .map(pattern_identifiers)
                .unwrap_or_default()
        }
        "pair_pattern" => {
            return node
                .child_by_field_name("value")
                .map(pattern_identifiers)
                .unwrap_or_default()
        }
        "type_annotation" | "property_identifier" => return Vec::new(),
        _ => {}
    }
    let value = node.child_by_field_name("value").map(|v| v.id());
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| Some(child.id()) != value)
        .flat_map(pattern_identifiers)
        .collect()
}

fn unwrap_transparent(mut node: Node) -> Node {
    while TRANSPARENT_KINDS.contains(&node.kind()) {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn single_string_argument(call: Node, text: &str) -> Option<String> {
    let args = call.child_by_field_name("arguments")?;
    if args.named_child_count() != 1 {
        return None;
    }
    string_value(args.named_child(0)?, text)
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
                items.push(Arg {
                    range: child.byte_range(),
                    spread: child.kind() == "spread_element",
                    object: (child.kind() == "object").then(|| object_lit(child, text)),
                    bound_object: None,
                });
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

fn object_lit(object: Node, text: &str) -> ObjectLit {
    let mut props = Vec::new();
    let mut trailing_comma = None;
    let mut cursor = object.walk();
    for child in object.children(&mut cursor) {
        match child.kind() {
            "{" | "}" | "comment" => {}
            "," => trailing_comma = Some(child.start_byte()),
            _ => {
                trailing_comma = None;
                props.push(Prop {
                    range: child.byte_range(),
                    kind: prop_kind(child, text),
                });
            }
        }
    }
    ObjectLit {
        open: object.start_byte(),
        close: object.end_byte().saturating_sub(1),
        props,
        trailing_comma,
    }
}

fn prop_kind(prop: Node, text: &str) -> PropKind {
    match prop.kind() {
        "pair" => {
            let key = prop
                .child_by_field_name("key")
                .and_then(|k| static_key(k, text));
            match prop.child_by_field_name("value") {
                Some(value) => PropKind::Pair {
                    key,
                    value: value.byte_range(),
                    string: string_literal(value, text),
                },
                None => PropKind::Other,
            }
        }
        "shorthand_property_identifier" => PropKind::Shorthand(node_text(prop, text).to_string()),
        "method_definition" => PropKind::Method(
            prop.child_by_field_name("name")
                .and_then(|k| static_key(k, text)),
        ),
        "spread_element" => match prop.named_child(0) {
            Some(argument) => PropKind::Spread(argument.byte_range()),
            None => PropKind::Other,
        },
        _ => PropKind::Other,
    }
}

/// A property key known without running the code: `a`, `"a"`, `1`, `["a"]`.
fn static_key(key: Node, text: &str) -> Option<String> {
    match key.kind() {
        "property_identifier" | "number" => Some(node_text(key, text).to_string()),
        "string" => string_value(key, text),
        "computed_property_name" => string_value(key.named_child(0)?, text),
        _ => None,
    }
}

/// A `string` node as a literal; `None` for anything else.
pub fn string_literal(node: Node, text: &str) -> Option<StringLit> {
    if node.kind() != "string" {
        return None;
    }
    let quote = node_text(node, text).chars().next()?;
    let mut cursor = node.walk();
    let escaped = node
        .named_children(&mut cursor)
        .any(|c| c.kind() != "string_fragment");
    let raw = node_text(node, text);
    let value = (!escaped && raw.len() >= 2).then(|| raw[1..raw.len() - 1].to_string());
    Some(StringLit { quote, value })
}

fn string_value(node: Node, text: &str) -> Option<String> {
    string_literal(node, text)?.value
}

/// The file's indentation step: a tab, or the smallest indentation of a code line.
fn indent_unit(text: &str) -> String {
    let mut smallest: Option<usize> = None;
    for line in text.lines() {
        let body = line.trim_start_matches([' ', '\t']);
        let indent = &line[..line.len() - body.len()];
        if indent.is_empty() || body.is_empty() || body.starts_with('*') {
            continue;
        }
        if indent.starts_with('\t') {
            return "\t".to_string();
        }
        smallest = Some(smallest.map_or(indent.len(), |s| s.min(indent.len())));
    }
    " ".repeat(smallest.unwrap_or(2))
}

fn node_text<'a>(node: Node, text: &'a str) -> &'a str {
    &text[node.byte_range()]
}

#[cfg(test)]
mod tests {
    use tree_sitter::Node;

    use super::{walk, Found, Language};

    /// The queries `walk` replaced (grammars/javascript.scm and grammars/typescript.scm).
    const JAVASCRIPT_QUERY: &str = r#"
(import_statement) @import
(variable_declarator name: (_) @target value: (_) @value)
(assignment_expression left: (identifier) @target right: (_) @value)
(class_declaration name: (_) @definition)
(function_declaration name: (_) @definition)
(generator_function_declaration name: (_) @definition)
(formal_parameters) @parameters
(arrow_function parameter: (identifier) @parameter)
(catch_clause parameter: (_) @parameter)
(new_expression constructor: (_) @constructor) @new
(call_expression function: (_) @callee arguments: (arguments) @arguments) @call
"#;
    const TYPESCRIPT_EXTRA: &str = r#"
(abstract_class_declaration name: (_) @definition)
(import_alias) @import_alias
(internal_module name: (identifier) @definition)
(module name: (identifier) @definition)
"#;

    const JAVASCRIPT: &str = r#"
import AWS, { S3 as Bucket, "DynamoDB" as D } from 'aws-sdk';
import * as ns from '@aws-sdk/client-s3';
const { S3Client, a: { b = require('x')() } = {} } = require('@aws-sdk/client-s3');
let [p, q] = f(1)(2)(g(3)), r = h`t`;
module.exports = x = y;
z = new AWS.S3;
w = new (wrap(AWS).S3)({ region: 'x' });
tag`template ${call(1)}`;
const t = await import('aws-sdk');
class C { m(a, b = new D()) { return a; } static { let s = 1; } }
function F(x, ...rest) {}
function* G({ a }) {}
const hh = async v => v(1), kk = (u) => new u();
try { f(); } catch ({ message }) { g(message); }
try { f(); } catch (e) { g(e); }
for (const [i, j] of pairs) { i(j); }
if (a { b(c); const d = e;
const broken = ;
x = )(new Q(1
"#;

    const TYPESCRIPT: &str = r#"
import AWS = require('aws-sdk');
import S3 = AWS.S3;
namespace NS { export const c = new S3(); }
namespace Outer.Inner { f(); }
module M { f(); }
declare module 'quoted' { g(); }
abstract class A<T> { abstract m(x: T): void; }
let v!: string;
const s = new AWS.S3() as unknown as S3, u = f<string>(1);
function over(a: string): void;
class D implements I { constructor(private readonly x: number) { super(x); } }
const el = <div onClick={() => f(1)}>{new X()}</div>;
catch (e: unknown) { }
"#;

    /// The old query's matches, turned into what `walk` reports the way `facts` did.
    fn by_query(language: Language, text: &str) -> Vec<(String, Vec<(usize, usize)>)> {
        let extra = match language {
            Language::JavaScript => "",
            _ => TYPESCRIPT_EXTRA,
        };
        let source = format!("{JAVASCRIPT_QUERY}\n{extra}");
        let tree = super::super::parse(language, text);
        let mut found = Vec::new();
        for m in super::super::query_matches(language, &source, &tree, text) {
            let capture = |name: &str| super::super::captured(&m, name);
            let first = (m[0].0.as_str(), m[0].1);
            let parent = first.1.parent();
            let nodes = match first.0 {
                "import" | "import_alias" => vec![Some(first.1)],
                "target" | "value" => {
                    let target = capture("target");
                    let assignment = target
                        .and_then(|t| t.parent())
                        .is_some_and(|p| p.kind() == "assignment_expression");
                    let tag = (!assignment).then_some(target).flatten();
                    vec![target, capture("value"), tag]
                }
                "definition" | "parameters" | "parameter" => vec![Some(first.1), parent],
                "new" | "constructor" => vec![capture("new"), capture("constructor")],
                _ => vec![capture("call"), capture("callee"), capture("arguments")],
            };
            let kind = match first.0 {
                "value" => "target",
                "constructor" => "new",
                "callee" | "arguments" => "call",
                name => name,
            };
            found.push((kind.to_string(), ranges(&nodes)));
        }
        found
    }

    fn by_walk(language: Language, text: &str) -> Vec<(String, Vec<(usize, usize)>)> {
        let tree = super::super::parse(language, text);
        let mut found = Vec::new();
        walk(language, &tree, text, |f| {
            let (kind, nodes) = match f {
                Found::Import(n) => ("import", vec![Some(n)]),
                Found::ImportAlias(n) => ("import_alias", vec![Some(n)]),
                Found::Declarator {
                    target,
                    value,
                    assignment,
                } => (
                    "target",
                    vec![Some(target), Some(value), (!assignment).then_some(target)],
                ),
                Found::Definition { name, declaration } => {
                    ("definition", vec![Some(name), Some(declaration)])
                }
                Found::Parameters { params, function } => {
                    ("parameters", vec![Some(params), Some(function)])
                }
                Found::Parameter { param, owner } => ("parameter", vec![Some(param), Some(owner)]),
                Found::New { new, constructor } => ("new", vec![Some(new), Some(constructor)]),
                Found::Call { call, callee, args } => {
                    ("call", vec![Some(call), Some(callee), Some(args)])
                }
            };
            found.push((kind.to_string(), ranges(&nodes)));
        });
        found
    }

    fn ranges(nodes: &[Option<Node>]) -> Vec<(usize, usize)> {
        nodes
            .iter()
            .map(|n| n.map_or((0, 0), |n| (n.start_byte(), n.end_byte())))
            .collect()
    }

    /// Passing by the subtrees without marks changes nothing the walk finds.
    fn same_pruned_and_whole(language: Language, text: &str) {
        let tree = super::super::parse(language, text);
        let (mut pruned, mut whole) = (Vec::new(), Vec::new());
        let pruned_scopes = walk(language, &tree, text, |f| pruned.push(f));
        let whole_scopes = super::walk_entering(language, &tree, |_| true, |f| whole.push(f));
        assert_eq!(pruned, whole, "{language:?}: {text}");
        assert_eq!(pruned_scopes, whole_scopes, "{language:?}: {text}");
    }

    /// Every JavaScript and TypeScript file under `AWSREDIRECT_WALK_ORACLE` (a long run, on a
    /// real tree): `AWSREDIRECT_WALK_ORACLE=DIR cargo nextest run --run-ignored only -E
    /// 'test(every_file)'`.
    #[test]
    #[ignore = "long: set AWSREDIRECT_WALK_ORACLE to a tree"]
    fn walk_finds_what_the_query_found_in_every_file_of_a_tree() {
        let dir = std::env::var_os("AWSREDIRECT_WALK_ORACLE").expect("AWSREDIRECT_WALK_ORACLE");
        let mut files = 0;
        for (extension, language) in [
            ("js", Language::JavaScript),
            ("ts", Language::TypeScript),
            ("tsx", Language::Tsx),
        ] {
            for text in super::super::texts_under(dir.as_ref(), extension) {
                assert_eq!(by_walk(language, &text), by_query(language, &text));
                same_pruned_and_whole(language, &text);
                files += 1;
            }
        }
        assert!(files > 0);
    }

    #[test]
    fn walk_finds_what_the_query_found_in_the_same_order() {
        for (language, text) in [
            (Language::JavaScript, JAVASCRIPT),
            (Language::TypeScript, JAVASCRIPT),
            (Language::TypeScript, TYPESCRIPT),
            (Language::Tsx, TYPESCRIPT),
            (Language::Tsx, JAVASCRIPT),
        ] {
            let expected = by_query(language, text);
            assert_eq!(by_walk(language, text), expected, "{language:?}");
            same_pruned_and_whole(language, text);
            let kinds: std::collections::HashSet<&str> =
                expected.iter().map(|(k, _)| k.as_str()).collect();
            assert!(kinds.len() >= 6, "{language:?}: {kinds:?}");
        }
    }

    #[test]
    fn typescript_shapes_only_in_typescript() {
        let text = "namespace NS { }\nimport S3 = AWS.S3;\n";
        let kinds = |language| -> Vec<String> {
            by_walk(language, text)
                .into_iter()
                .map(|(kind, _)| kind)
                .collect()
        };
        assert_eq!(kinds(Language::TypeScript), ["definition", "import_alias"]);
        assert!(kinds(Language::JavaScript).is_empty());
    }
}
