//! After a relation is built (and after deploy promotes it or clone copies it): its `grants`
//! and `persist_docs`, as dbt applies them.
//!
//! Grants (where the warehouse has them): `show grants on` the relation, then `revoke` what it
//! holds that the config no longer names and `grant` what is missing. Ownership and grants to
//! shares or database roles are left alone; a node without `grants` keeps whatever it has.
//! Comments: the model's description on the table or view, each described column's on the
//! column (only columns the relation has).

use serde_json::Value;

use crate::adapter::{Adapter, Connection, RelationKind};
use crate::error::{Error, Result};
use crate::manifest::Node;
use crate::manifest::publish::Grant;
use crate::relation::Relation;

/// Apply the node's grants and comments to `relation`, built as `kind`.
pub(crate) fn apply(
    adapter: &dyn Adapter,
    conn: &mut dyn Connection,
    node: &Node,
    relation: &Relation,
    kind: RelationKind,
) -> Result<()> {
    let publish = node.settings.publish();
    if let Some(wanted) = &publish.grants
        && adapter.has_grants()
    {
        apply_grants(conn, relation, kind, wanted).map_err(|e| Error::runtime(format!("grants: {}", e.message)))?;
    }
    if publish.persist_relation || publish.persist_columns {
        persist_docs(adapter, conn, node, relation, kind)
            .map_err(|e| Error::runtime(format!("persist_docs: {}", e.message)))?;
    }
    Ok(())
}

fn keyword(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Table => "table",
        RelationKind::View => "view",
    }
}

/// A grantee as the warehouse reports it: unquoted names fold to upper case.
fn fold(name: &str) -> String {
    match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.to_string(),
        None => name.to_ascii_uppercase(),
    }
}

/// The statements that make the grants on a relation exactly `wanted`, given what `show
/// grants` returned (`existing`); revokes first.
pub(crate) fn grant_statements(
    relation: &Relation,
    kind: RelationKind,
    existing: &[Grant],
    wanted: &[Grant],
) -> Vec<String> {
    let same =
        |a: &Grant, b: &Grant| a.privilege.eq_ignore_ascii_case(&b.privilege) && fold(&a.grantee) == fold(&b.grantee);
    let kw = keyword(kind);
    let mut out = vec![];
    for g in existing.iter().filter(|e| !wanted.iter().any(|w| same(e, w))) {
        out.push(format!(
            "revoke {} on {kw} {relation} from role {}",
            g.privilege, g.grantee
        ));
    }
    for g in wanted.iter().filter(|w| !existing.iter().any(|e| same(e, w))) {
        out.push(format!(
            "grant {} on {kw} {relation} to role {}",
            g.privilege, g.grantee
        ));
    }
    out
}

/// What `show grants on` reports that mozt manages: privileges granted to roles, but not
/// ownership. Grantee names are quoted when they would not survive unquoted.
fn existing_grants(rows: &crate::adapter::Rows) -> Vec<Grant> {
    let col = |name: &str| rows.columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    let (Some(p), Some(to), Some(who)) = (col("privilege"), col("granted_to"), col("grantee_name")) else {
        return vec![];
    };
    let text = |r: &[Value], i: usize| r.get(i).and_then(Value::as_str).unwrap_or("").to_string();
    rows.rows
        .iter()
        .filter(|r| text(r, to).eq_ignore_ascii_case("ROLE") && !text(r, p).eq_ignore_ascii_case("OWNERSHIP"))
        .map(|r| {
            let grantee = text(r, who);
            let plain = grantee
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '$');
            Grant {
                privilege: text(r, p).to_ascii_lowercase(),
                grantee: if plain {
                    grantee
                } else {
                    format!("\"{}\"", grantee.replace('"', "\"\""))
                },
            }
        })
        .collect()
}

fn apply_grants(conn: &mut dyn Connection, relation: &Relation, kind: RelationKind, wanted: &[Grant]) -> Result<()> {
    let rows = conn.query(&format!("show grants on {} {relation}", keyword(kind)))?;
    for stmt in grant_statements(relation, kind, &existing_grants(&rows), wanted) {
        conn.execute(&stmt)?;
    }
    Ok(())
}

fn persist_docs(
    adapter: &dyn Adapter,
    conn: &mut dyn Connection,
    node: &Node,
    relation: &Relation,
    kind: RelationKind,
) -> Result<()> {
    let publish = node.settings.publish();
    let literal = |s: &str| adapter.sql().string_literal(s);
    if publish.persist_relation && !node.description.trim().is_empty() {
        conn.execute(&format!(
            "comment on {} {relation} is {}",
            keyword(kind),
            literal(node.description.trim())
        ))?;
    }
    let described: Vec<_> = node
        .columns
        .values()
        .filter(|c| !c.description.trim().is_empty())
        .collect();
    if !publish.persist_columns || described.is_empty() {
        return Ok(());
    }
    let present = conn.columns(relation)?;
    for c in described {
        // The column as the relation has it, so quoting and case match the warehouse's.
        let Some((name, _)) = present.iter().find(|(n, _)| n.eq_ignore_ascii_case(&c.name)) else {
            continue;
        };
        let column = relation.quote_ident(name);
        conn.execute(&adapter.column_comment_sql(kind, relation, &column, &literal(c.description.trim())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(p: &str, who: &str) -> Grant {
        Grant {
            privilege: p.into(),
            grantee: who.into(),
        }
    }

    #[test]
    fn roles_the_config_no_longer_names_are_revoked_and_missing_ones_granted() {
        let rel = Relation::new(Some("db".to_string()), "analytics", "t");
        let existing = [g("select", "BI"), g("select", "OLD_ROLE"), g("insert", "ETL")];
        let wanted = [g("select", "bi"), g("select", "braze")];
        assert_eq!(
            grant_statements(&rel, RelationKind::Table, &existing, &wanted),
            [
                "revoke select on table db.analytics.t from role OLD_ROLE",
                "revoke insert on table db.analytics.t from role ETL",
                "grant select on table db.analytics.t to role braze",
            ]
        );
    }
}
