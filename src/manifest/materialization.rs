//! How a node is built: the `materialized` config of a model, and the fixed kind of seeds,
//! snapshots and tests. Everything that decides by the materialization matches on this enum.

use std::fmt;

use crate::relation::Relation;

/// The tables Braze Cloud Data Ingestion reads, one materialization per kind of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrazeSync {
    /// `braze_user_sync`: one row per user whose attributes changed.
    User,
    /// `braze_event_sync`: one row per custom event not sent before.
    Event,
    /// `braze_purchase_sync`: one row per purchase not sent before.
    Purchase,
    /// `braze_user_delete_sync`: one row per user to delete, sent once.
    UserDelete,
    /// `braze_catalog_sync`: one row per changed or removed catalog item.
    Catalog,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Materialization {
    View,
    Table,
    Incremental,
    /// Not built: compiled into the models that ref it as a CTE.
    Ephemeral,
    BrazeSync(BrazeSync),
    Seed,
    Snapshot,
    /// Data and unit tests: queries, not relations.
    Test,
}

impl Materialization {
    /// The materializations a model can have, in the order error messages list them.
    pub const MODEL: &'static [Materialization] = &[
        Materialization::View,
        Materialization::Table,
        Materialization::Incremental,
        Materialization::Ephemeral,
        Materialization::BrazeSync(BrazeSync::User),
        Materialization::BrazeSync(BrazeSync::Event),
        Materialization::BrazeSync(BrazeSync::Purchase),
        Materialization::BrazeSync(BrazeSync::UserDelete),
        Materialization::BrazeSync(BrazeSync::Catalog),
    ];

    /// A model's `materialized` value; None for a value mozt does not know.
    pub fn of_model(value: &str) -> Option<Materialization> {
        Materialization::MODEL.iter().copied().find(|m| m.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Materialization::View => "view",
            Materialization::Table => "table",
            Materialization::Incremental => "incremental",
            Materialization::Ephemeral => "ephemeral",
            Materialization::BrazeSync(BrazeSync::User) => "braze_user_sync",
            Materialization::BrazeSync(BrazeSync::Event) => "braze_event_sync",
            Materialization::BrazeSync(BrazeSync::Purchase) => "braze_purchase_sync",
            Materialization::BrazeSync(BrazeSync::UserDelete) => "braze_user_delete_sync",
            Materialization::BrazeSync(BrazeSync::Catalog) => "braze_catalog_sync",
            Materialization::Seed => "seed",
            Materialization::Snapshot => "snapshot",
            Materialization::Test => "test",
        }
    }

    /// Whether a relation is built for the node (ephemeral models and tests build none).
    pub fn builds_relation(self) -> bool {
        !matches!(self, Materialization::Ephemeral | Materialization::Test)
    }

    /// Whether the next build starts from what the relation holds now (so a deploy copies the
    /// current relation into staging first).
    pub fn is_stateful(self) -> bool {
        matches!(
            self,
            Materialization::Incremental | Materialization::Snapshot | Materialization::BrazeSync(_)
        )
    }

    /// Whether the relation holds exactly the columns of the model's SELECT (snapshots add
    /// their own, a Braze sync builds payloads from them).
    pub fn keeps_select_columns(self) -> bool {
        matches!(
            self,
            Materialization::View | Materialization::Table | Materialization::Incremental | Materialization::Ephemeral
        )
    }

    /// The relations the materialization owns for a node built as `relation`: the relation
    /// itself, and the state tables it reads on the next run (a Braze sync's
    /// `<name>__mozt_braze_state`). A deploy promotes and a clone copies all of them.
    pub fn owned_relations(self, relation: &Relation) -> Vec<Relation> {
        let mut out = vec![relation.clone()];
        if let Materialization::BrazeSync(_) = self {
            out.push(braze_state_table(relation));
        }
        out
    }
}

/// The table where a Braze sync keeps what it has sent (compared on the next run).
pub(crate) fn braze_state_table(relation: &Relation) -> Relation {
    relation.with_identifier(format!("{}__mozt_braze_state", relation.identifier))
}

impl fmt::Display for Materialization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_materialization_reads_back_from_its_name() {
        for &m in Materialization::MODEL {
            assert_eq!(Materialization::of_model(m.as_str()), Some(m));
        }
        assert_eq!(Materialization::of_model("seed"), None);
        assert_eq!(Materialization::of_model("materialised_view"), None);
    }

    #[test]
    fn braze_syncs_own_their_state_table() {
        let r = Relation::new(None, "braze", "user_sync");
        let owned = Materialization::BrazeSync(BrazeSync::User).owned_relations(&r);
        assert_eq!(owned.len(), 2);
        assert_eq!(owned[1].identifier, "user_sync__mozt_braze_state");
        assert_eq!(Materialization::Table.owned_relations(&r), vec![r]);
    }
}
