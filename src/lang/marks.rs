//! Which subtrees a facts walk may pass by without entering: those whose text holds none of the
//! characters and keywords every shape the walk looks for is written with (a call's `(`, an
//! assignment's `=`, `import`, `class`, ...). A subtree with an ERROR or MISSING node in it is
//! always entered (a MISSING token has no text to find).
//!
//! Entering a subtree costs a cursor step per node in it; most of a file is arithmetic,
//! comparisons, loops and strings that hold no shape, and their nodes were most of the walk.

use std::ops::Range;

use tree_sitter::{Node, Tree};

/// What a facts walk of `tree` must enter, for `preorder_entering`: the nodes that hold one of
/// the marks of `text` as `spelling` spells them, or an ERROR or MISSING node. Nodes must be
/// asked about in pre-order.
pub fn entering<'t>(tree: &Tree, text: &str, spelling: &Spelling) -> impl FnMut(Node<'t>) -> bool {
    let mut marks = Marks::find(text, spelling);
    let errors = tree.root_node().has_error();
    move |node| (errors && node.has_error()) || marks.any_in(node.byte_range())
}

/// The positions of a text's marks, in order.
#[derive(Debug, Default)]
pub struct Marks {
    positions: Vec<usize>,
    /// The first position at or after the start of the last range asked about (a pre-order walk
    /// asks about ranges in order of their start).
    next: usize,
}

/// What a byte is to `Marks::find`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Other,
    /// A letter, digit or `_`.
    Word,
    /// One of the spelling's characters.
    Mark,
    /// `=`, a mark where it is plain.
    Equals,
}

/// What makes a mark in one language.
pub struct Spelling {
    /// Characters that are marks wherever they stand.
    pub chars: &'static [u8],
    /// Whether an `=` that is not part of a comparison or an augmented assignment (`==`, `<=`,
    /// `+=`, ...) is a mark; `:=` and `=>` are.
    pub plain_equals: bool,
    /// Words that are marks where they stand as whole words.
    pub words: &'static [&'static str],
}

impl Marks {
    /// The marks of `text` as `spelling` spells them.
    pub fn find(text: &str, spelling: &Spelling) -> Marks {
        let bytes = text.as_bytes();
        let mut class = [Class::Other; 256];
        for byte in (b'a'..=b'z')
            .chain(b'A'..=b'Z')
            .chain(b'0'..=b'9')
            .chain([b'_'])
        {
            class[usize::from(byte)] = Class::Word;
        }
        for &byte in spelling.chars {
            class[usize::from(byte)] = Class::Mark;
        }
        if spelling.plain_equals {
            class[usize::from(b'=')] = Class::Equals;
        }
        let longest = spelling.words.iter().map(|w| w.len()).max().unwrap_or(0);
        // A number may run into a keyword (Python reads `1as` as `1 as`): a run that starts
        // with a digit is a mark wherever it holds a keyword.
        let is_word = |word: &[u8]| {
            if word[0].is_ascii_digit() {
                let holds = |w: &&str| word.windows(w.len()).any(|part| part == w.as_bytes());
                return spelling.words.iter().any(holds);
            }
            word.len() <= longest && spelling.words.iter().any(|w| w.as_bytes() == word)
        };
        let mut positions = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match class[usize::from(bytes[i])] {
                Class::Other => {}
                Class::Mark => positions.push(i),
                Class::Equals => {
                    if is_plain_equals(bytes, i) {
                        positions.push(i);
                    }
                }
                Class::Word => {
                    let start = i;
                    while bytes
                        .get(i + 1)
                        .is_some_and(|&b| class[usize::from(b)] == Class::Word)
                    {
                        i += 1;
                    }
                    if is_word(&bytes[start..=i]) {
                        positions.push(start);
                    }
                }
            }
            i += 1;
        }
        Marks { positions, next: 0 }
    }

    /// Marks at `positions`, which must be in order.
    pub fn at(positions: Vec<usize>) -> Marks {
        debug_assert!(positions.is_sorted());
        Marks { positions, next: 0 }
    }

    /// Whether `range` holds a mark. Ranges must be asked about in order of their start.
    pub fn any_in(&mut self, range: Range<usize>) -> bool {
        while self
            .positions
            .get(self.next)
            .is_some_and(|&p| p < range.start)
        {
            self.next += 1;
        }
        self.positions
            .get(self.next)
            .is_some_and(|&p| p < range.end)
    }
}

/// An `=` at `i` that assigns (`=`, `:=`) or starts an arrow (`=>`): not `==`, `!=`, `<=`, `>=`,
/// nor an augmented assignment (`+=`, `//=`, `>>=`, ...).
fn is_plain_equals(bytes: &[u8], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| bytes[j]);
    let after = bytes.get(i + 1).copied();
    let joined_before = before.is_some_and(|b| b"=!<>+-*/%&|^@".contains(&b));
    !joined_before && after != Some(b'=')
}

#[cfg(test)]
mod tests {
    use super::{Marks, Spelling};

    const SPELLING: Spelling = Spelling {
        chars: b"(",
        plain_equals: true,
        words: &["import", "as"],
    };

    fn marks(text: &str) -> Vec<usize> {
        Marks::find(text, &SPELLING).positions
    }

    #[test]
    fn marks_are_the_characters_the_plain_equals_and_the_whole_words() {
        assert_eq!(marks("f(x)"), [1]);
        assert_eq!(marks("a = 1"), [2]);
        assert_eq!(marks("a := 1"), [3]);
        assert_eq!(marks("x => 1"), [2]);
        assert!(marks("a += 1; b == c; d != e; f <= g; h >= i; j //= 2; k >>= 1").is_empty());
        assert_eq!(marks("import os as o"), [0, 10]);
        assert!(marks("important classes has mass").is_empty());
        assert_eq!(marks("x.as"), [2]);
        assert_eq!(marks("as"), [0]);
        assert_eq!(marks("with 1as x"), [5]);
        assert!(marks("with 1 as_x").is_empty());
    }

    #[test]
    fn ranges_asked_in_order_find_the_marks_inside_them() {
        let text = "a += 1\nb = f(c)\nd >= e\n";
        let mut found = Marks::find(text, &SPELLING);
        assert!(!found.any_in(0..6));
        assert!(found.any_in(7..15));
        assert!(found.any_in(11..15));
        assert!(!found.any_in(14..15));
        assert!(!found.any_in(16..22));
    }
}
