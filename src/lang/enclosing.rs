//! Which scopes hold a node, from the scopes the facts' walk of the tree met: their byte
//! ranges, so that a name lookup does not climb the tree with `Node::parent` (each step of which
//! descends from the root again).
//!
//! tree-sitter ranges nest: a child's range lies within its parent's and siblings do not
//! overlap. So for a node that is not empty, a scope's range that holds the node's and differs
//! from it holds it because the node is inside that scope. Where a range equals the node's, or
//! the node is empty, ranges cannot tell ancestor from descendant or neighbour: `chain` answers
//! `None` and the caller climbs the tree as before.

use std::ops::Range;

use tree_sitter::Node;

/// The scopes of one tree, each with the node whose range is its region (the scope node itself,
/// or its body where only the body is the scope's inside).
#[derive(Debug, Default)]
pub struct Enclosing<'t> {
    /// Sorted by start, then longest first, then tree order; regions that are empty are left out
    /// (they hold no node that is not empty).
    scopes: Vec<Scope<'t>>,
}

#[derive(Debug)]
struct Scope<'t> {
    region: Range<usize>,
    node: Node<'t>,
    /// The innermost scope whose region holds this one's.
    outer: Option<usize>,
}

impl<'t> Enclosing<'t> {
    /// From the scopes of one tree in pre-order (the order a walk meets them), each with its
    /// region: the range of the node that is its inside (`None`: the scope holds nothing).
    pub fn from_preorder(walked: Vec<(Node<'t>, Option<Range<usize>>)>) -> Self {
        let mut found: Vec<(usize, Range<usize>, Node<'t>)> = walked
            .into_iter()
            .filter_map(|(node, region)| Some((node, region.filter(|r| r.start < r.end)?)))
            .enumerate()
            .map(|(order, (node, region))| (order, region, node))
            .collect();
        found.sort_by(|(a_order, a, _), (b_order, b, _)| {
            (a.start, std::cmp::Reverse(a.end), a_order).cmp(&(
                b.start,
                std::cmp::Reverse(b.end),
                b_order,
            ))
        });
        let mut scopes: Vec<Scope<'t>> = Vec::with_capacity(found.len());
        let mut open: Vec<usize> = Vec::new();
        for (_, region, node) in found {
            while let Some(&last) = open.last() {
                if holds(&scopes[last].region, &region) {
                    break;
                }
                open.pop();
            }
            scopes.push(Scope {
                region,
                node,
                outer: open.last().copied(),
            });
            open.push(scopes.len() - 1);
        }
        Enclosing { scopes }
    }

    /// The scopes whose region holds `node`, innermost first; `None` where ranges cannot tell
    /// (an empty node, or a region with the node's very range).
    pub fn chain(&self, node: Node<'t>) -> Option<Vec<Node<'t>>> {
        let range = node.byte_range();
        if range.is_empty() {
            return None;
        }
        let after = self
            .scopes
            .partition_point(|scope| scope.region.start <= range.start);
        let mut current = after.checked_sub(1);
        let mut chain = Vec::new();
        while let Some(i) = current {
            let scope = &self.scopes[i];
            if scope.region == range {
                return None;
            }
            if holds(&scope.region, &range) {
                chain.push(scope.node);
            }
            current = scope.outer;
        }
        Some(chain)
    }
}

/// By kind id of `grammar`: whether the kind's name is one of `names` (named and anonymous
/// kinds alike).
pub fn kind_table(grammar: &tree_sitter::Language, names: &[&str]) -> Vec<bool> {
    (0..grammar.node_kind_count())
        .map(|id| {
            u16::try_from(id)
                .ok()
                .and_then(|id| grammar.node_kind_for_id(id))
                .is_some_and(|name| names.contains(&name))
        })
        .collect()
}

fn holds(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use crate::lang::{self, Language};
    use tree_sitter::Node;

    use crate::lang::javascript::SCOPE_KINDS as JS_SCOPES;
    use crate::lang::python::SCOPE_KINDS as PYTHON_SCOPES;

    fn every_node(root: Node) -> Vec<Node> {
        let mut found = Vec::new();
        let mut cursor = root.walk();
        'walk: loop {
            found.push(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        found
    }

    /// The scopes around `node` found by climbing the tree: those whose body (Python) or whose
    /// whole node (JavaScript) is `node` or one of its ancestors, innermost first.
    fn climbed<'t>(node: Node<'t>, scopes: &[&str], body: bool) -> Vec<Node<'t>> {
        let mut found = Vec::new();
        let mut child = node;
        while let Some(parent) = child.parent() {
            let inside = match body {
                true => parent
                    .child_by_field_name("body")
                    .is_some_and(|b| b.id() == child.id()),
                false => true,
            };
            if inside && scopes.contains(&parent.kind()) {
                found.push(parent);
            }
            child = parent;
        }
        found
    }

    fn same_as_climbing(language: Language, text: &str, scopes: &[&str], body: bool) {
        let tree = lang::parse(language, text);
        let by_range = match language {
            Language::Python => lang::python::walked_scopes(&tree, text),
            _ => lang::javascript::walked_scopes(language, &tree, text),
        };
        let mut answered = 0;
        for node in every_node(tree.root_node()) {
            let Some(chain) = by_range.chain(node) else {
                continue;
            };
            answered += 1;
            let ids: Vec<usize> = chain.iter().map(Node::id).collect();
            let expected: Vec<usize> = climbed(node, scopes, body).iter().map(Node::id).collect();
            assert_eq!(ids, expected, "{} at {:?}", node.kind(), node.byte_range());
        }
        assert!(answered > 0);
    }

    #[test]
    fn python_scopes_by_range_are_the_climbed_ones() {
        let text = "import boto3\n\
            def f(a=lambda: boto3.client('s3'), *, b=1) -> int:\n\
            \x20   x = lambda y: (lambda: y)()\n\
            \x20   class C:\n\
            \x20       s = boto3.Session()\n\
            \x20       def m(self):\n\
            \x20           return self.s.client('sqs')\n\
            \x20   return x\n\
            class D(object): pass\n\
            g = [lambda: 1 for _ in range(3)]\n\
            async def h():\n\
            \x20   async with boto3.Session() as s:\n\
            \x20       return s\n";
        same_as_climbing(Language::Python, text, PYTHON_SCOPES, true);
        // Not valid Python: ERROR and MISSING nodes, empty ones among them.
        same_as_climbing(
            Language::Python,
            "def f(:\n  lambda\nclass",
            PYTHON_SCOPES,
            true,
        );
    }

    #[test]
    fn javascript_scopes_by_range_are_the_climbed_ones() {
        let text = "const AWS = require('aws-sdk');\n\
            function f(a = () => new AWS.S3()) { for (const x of y) { try { g(x) } catch (e) { h => h } } }\n\
            class K { static { const s = new AWS.SQS(); } *g() { yield function* () {}; } m() { return function () { return a => b => new AWS.SNS(); }; } }\n\
            const z = async () => { if (1) { let q = 2 } };\n\
            for (let i = 0; i < 2; i++) new AWS.S3();\n";
        same_as_climbing(Language::JavaScript, text, JS_SCOPES, false);
        same_as_climbing(Language::TypeScript, text, JS_SCOPES, false);
        same_as_climbing(
            Language::JavaScript,
            "function (a { => } class {",
            JS_SCOPES,
            false,
        );
    }
}
