//! The relations a warehouse holds, listed once per run (one query over the schemas involved)
//! and kept current as nodes are built, so that no node asks the warehouse whether its
//! relation exists.

use std::collections::HashMap;
use std::sync::Mutex;

use super::RelationKind;
use crate::relation::Relation;

/// What the warehouse holds, read once per run and kept current as nodes are built.
#[derive(Default)]
pub struct Catalog {
    relations: Mutex<HashMap<Relation, RelationKind>>,
}

impl Catalog {
    pub fn new(found: HashMap<Relation, RelationKind>) -> Catalog {
        Catalog {
            relations: Mutex::new(found),
        }
    }

    fn key(r: &Relation) -> Relation {
        Relation::new(
            r.database.as_ref().map(|d| d.to_ascii_lowercase()),
            r.schema.to_ascii_lowercase(),
            r.identifier.to_ascii_lowercase(),
        )
    }

    pub fn kind(&self, r: &Relation) -> Option<RelationKind> {
        self.relations.lock().ok().and_then(|m| m.get(&Self::key(r)).copied())
    }

    pub fn set(&self, r: &Relation, kind: Option<RelationKind>) {
        if let Ok(mut m) = self.relations.lock() {
            match kind {
                Some(k) => m.insert(Self::key(r), k),
                None => m.remove(&Self::key(r)),
            };
        }
    }
}
