//! Name bindings by scope and source position, for the languages that resolve names (Python,
//! JavaScript): a name's binding at a use is the latest one before it in the use's own scope, or
//! in an enclosing scope, where a later one also counts (a function body runs after the module
//! has finished loading).

use std::collections::HashMap;

/// (scope id, name) → bindings in source order, each with the offset from which it holds.
#[derive(Debug)]
pub struct ScopedBindings<B> {
    by_name: HashMap<(usize, String), Vec<(usize, B)>>,
}

impl<B> Default for ScopedBindings<B> {
    fn default() -> Self {
        ScopedBindings {
            by_name: HashMap::new(),
        }
    }
}

impl<B> ScopedBindings<B> {
    /// Binds `name` in `scope` from offset `from` on.
    pub fn bind(&mut self, scope: usize, name: &str, from: usize, bound: B) {
        let list = self.by_name.entry((scope, name.to_string())).or_default();
        let at = list.partition_point(|(offset, _)| *offset <= from);
        list.insert(at, (from, bound));
    }

    /// The binding visible at `at` through `chain` (scope ids, innermost first).
    pub fn lookup(&self, chain: &[usize], name: &str, at: usize) -> Option<&B> {
        chain
            .iter()
            .enumerate()
            .find_map(|(i, scope)| self.lookup_in(*scope, name, at, i == 0))
    }

    /// In the use's own scope only earlier bindings count; an outer scope's may come later.
    pub fn lookup_in(&self, scope: usize, name: &str, at: usize, own_scope: bool) -> Option<&B> {
        let list = self.by_name.get(&(scope, name.to_string()))?;
        let earlier = list.iter().rev().find(|(from, _)| *from <= at);
        match earlier {
            Some((_, bound)) => Some(bound),
            None if own_scope => None,
            None => list.first().map(|(_, bound)| bound),
        }
    }

    /// The last binding of every name in `scope`.
    pub fn latest_in(&self, scope: usize) -> impl Iterator<Item = (&str, &B)> {
        self.by_name
            .iter()
            .filter(move |((s, _), _)| *s == scope)
            .filter_map(|((_, name), list)| list.last().map(|(_, bound)| (name.as_str(), bound)))
    }
}

#[cfg(test)]
mod tests {
    use super::ScopedBindings;

    #[test]
    fn own_scope_sees_earlier_outer_scope_sees_any() {
        let mut table = ScopedBindings::default();
        table.bind(0, "x", 10, "module");
        table.bind(7, "x", 50, "function");
        assert_eq!(table.lookup(&[7, 0], "x", 40), Some(&"module"));
        assert_eq!(table.lookup(&[7, 0], "x", 60), Some(&"function"));
        assert_eq!(table.lookup(&[7, 0], "x", 5), Some(&"module"));
        assert_eq!(table.lookup(&[0], "x", 5), None);
    }
}
