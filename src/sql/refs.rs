//! The upstream columns a column derives from, as the analysis carries them: names shared
//! (`Arc<str>`, so that copying a shape copies no text) and small sorted sets that hold their
//! usual one element without a heap allocation.

use smallvec::SmallVec;
use std::sync::Arc;

use super::columns::ColRef;

/// One upstream column: the unique id of a model, seed, snapshot or source, and a column name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    pub node: Arc<str>,
    pub column: Arc<str>,
}

impl Ref {
    pub fn new(node: &Arc<str>, column: &Arc<str>) -> Ref {
        Ref {
            node: node.clone(),
            column: column.clone(),
        }
    }

    /// The owned form the lineage commands and their tests use.
    pub fn to_col_ref(&self) -> ColRef {
        ColRef {
            node: self.node.to_string(),
            column: self.column.to_string(),
        }
    }
}

/// A set of upstream columns, sorted and without duplicates (the order a `BTreeSet` has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs(SmallVec<[Ref; 1]>);

impl Refs {
    pub fn new() -> Refs {
        Refs::default()
    }

    pub fn one(r: Ref) -> Refs {
        Refs(smallvec::smallvec![r])
    }

    pub fn insert(&mut self, r: Ref) {
        if let Err(at) = self.0.binary_search(&r) {
            self.0.insert(at, r);
        }
    }

    pub fn as_slice(&self) -> &[Ref] {
        &self.0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Ref> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Extend<Ref> for Refs {
    fn extend<I: IntoIterator<Item = Ref>>(&mut self, iter: I) {
        for r in iter {
            self.insert(r);
        }
    }
}

impl IntoIterator for Refs {
    type Item = Ref;
    type IntoIter = smallvec::IntoIter<[Ref; 1]>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Refs {
    type Item = &'a Ref;
    type IntoIter = std::slice::Iter<'a, Ref>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn r(node: &str, column: &str) -> Ref {
        Ref {
            node: node.into(),
            column: column.into(),
        }
    }

    #[test]
    fn keeps_the_order_and_uniqueness_of_a_btreeset() {
        let input = [
            r("model.b", "x"),
            r("model.a", "z"),
            r("model.b", "x"),
            r("model.a", "y"),
            r("source.c", "a"),
            r("model.a", "z"),
        ];
        let mut refs = Refs::new();
        refs.extend(input.iter().cloned());
        let set: BTreeSet<Ref> = input.iter().cloned().collect();
        assert_eq!(
            refs.iter().cloned().collect::<Vec<_>>(),
            set.into_iter().collect::<Vec<_>>()
        );
        assert_eq!(refs.len(), 4);
    }
}
