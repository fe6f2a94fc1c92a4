//! Name bindings by scope and source position, for the languages that resolve names (Python,
//! JavaScript): a name's binding at a use is the latest one before it in the use's own scope, or
//! in an enclosing scope, where a later one also counts (a function body runs after the module
//! has finished loading).

use std::collections::HashMap;

/// name → scope id → bindings in source order, each with the offset from which it holds. Keyed
/// by name first so that a lookup borrows the name it is given instead of allocating a key.
#[derive(Debug)]
pub struct ScopedBindings<B> {
    by_name: HashMap<Box<str>, HashMap<usize, Bindings<B>>>,
}

/// One name's bindings in one scope, in source order, each with the offset from which it holds.
type Bindings<B> = Vec<(usize, B)>;

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
        if !self.by_name.contains_key(name) {
            self.by_name.insert(name.into(), HashMap::new());
        }
        let Some(scopes) = self.by_name.get_mut(name) else {
            return;
        };
        let list = scopes.entry(scope).or_default();
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
        let list = self.by_name.get(name)?.get(&scope)?;
        let earlier = list.iter().rev().find(|(from, _)| *from <= at);
        match earlier {
            Some((_, bound)) => Some(bound),
            None if own_scope => None,
            None => list.first().map(|(_, bound)| bound),
        }
    }

    /// The last binding of every name in `scope`, in no particular order.
    pub fn latest_in(&self, scope: usize) -> impl Iterator<Item = (&str, &B)> {
        self.by_name.iter().filter_map(move |(name, scopes)| {
            let (_, bound) = scopes.get(&scope)?.last()?;
            Some((&**name, bound))
        })
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

    #[test]
    fn names_and_scopes_are_kept_apart() {
        let mut table = ScopedBindings::default();
        table.bind(0, "x", 10, "module x");
        table.bind(0, "y", 10, "module y");
        table.bind(7, "x", 20, "function x");
        table.bind(0, "x", 10, "module x again");
        assert_eq!(table.lookup(&[0], "x", 15), Some(&"module x again"));
        assert_eq!(table.lookup(&[0], "y", 15), Some(&"module y"));
        assert_eq!(table.lookup(&[7], "y", 30), None);
        assert_eq!(table.lookup_in(7, "x", 30, true), Some(&"function x"));
        let mut latest: Vec<(&str, &&str)> = table.latest_in(0).collect();
        latest.sort();
        assert_eq!(latest, [("x", &"module x again"), ("y", &"module y")]);
        assert_eq!(table.latest_in(7).count(), 1);
        assert_eq!(table.latest_in(3).count(), 0);
    }
}
