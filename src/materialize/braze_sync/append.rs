//! One sync row per model row, each sent once: what events and purchases share. The model
//! selects an identifier, the Braze fields of its kind (`name`, `time`, ... by column name) and
//! any other columns, which become `properties` (or one `properties` column holding a JSON
//! object). A row is new when its `unique_key` (config: a column or a list) was not sent
//! before; without one, when the same identifier and payload were not. The keys sent are
//! kept in `<table>__mozt_braze_state`; they are not sent to Braze.

use super::{Append, Columns, Member};
use crate::error::{Error, Result};
use crate::materialize::{Job, Outcome};
use crate::relation::Relation;

const IDENTIFIERS: &[&str] = &["external_id", "braze_id", "email", "phone", "alias"];

/// A field of Braze's event or purchase object, filled from the model's column of that name.
pub(super) struct Field {
    pub name: &'static str,
    pub required: bool,
    /// The SQL type the value is cast to (`double` for a price), if any.
    pub cast: Option<&'static str>,
    /// A rule on non-null values: a SQL condition on `{c}` that is true for a bad value, and
    /// what is wrong then.
    pub check: Option<(&'static str, &'static str)>,
}

impl Field {
    pub const fn new(
        name: &'static str,
        required: bool,
        cast: Option<&'static str>,
        check: Option<(&'static str, &'static str)>,
    ) -> Field {
        Field {
            name,
            required,
            cast,
            check,
        }
    }
}

/// When it happened (ISO 8601; Braze uses the sync time without it).
pub(super) const TIME: Field = Field::new("time", false, None, None);
/// The app it happened in.
pub(super) const APP_ID: Field = Field::new("app_id", false, Some("varchar"), None);

/// The kind of rows: `events` or `purchases`, and their fields.
pub(super) struct Kind {
    pub what: &'static str,
    pub fields: &'static [Field],
}

pub(super) fn build(mut job: Job<'_>, kind: &Kind) -> Result<Outcome> {
    let rel = job.relation.clone();
    let ids = super::identifiers(job.node, IDENTIFIERS)?;
    let node = job.node;
    let keys = &node.settings.build().unique_key;
    let state = crate::manifest::materialization::braze_state_table(&rel);
    let stage = crate::materialize::stage(&mut job, &rel)?;
    let result = sync(&mut job, &rel, &stage, &state, ids, keys, kind);
    crate::materialize::discard(&mut job, &stage);
    result
}

/// The `properties` member: the JSON object column as it is, or the other columns.
fn properties(job: &Job<'_>, rel: &Relation, columns: &Columns, others: &Columns) -> Result<Option<Member>> {
    let snowflake = job.adapter.kind() == "snowflake";
    if let Some((c, ty)) = super::find(columns, "properties") {
        if others.len() > 1 {
            return Err(Error::project(format!(
                "model {} has a properties column and other property columns ({}): choose one",
                job.node.name,
                others
                    .iter()
                    .filter(|(o, _)| o != c)
                    .map(|(o, _)| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .in_file(&job.node.original_file_path)
            .help("a properties column holds the whole JSON object; other columns become properties only without it"));
        }
        let q = format!("n.{}", rel.quote_ident(c));
        let t = ty.to_ascii_uppercase();
        let json = match (snowflake, t.as_str()) {
            (true, "VARIANT" | "OBJECT") => format!("to_json({q})"),
            (true, _) => format!("to_json(parse_json({q}))"),
            (false, "JSON") => format!("cast({q} as varchar)"),
            (false, _) => format!("cast(cast({q} as json) as varchar)"),
        };
        return Ok(Some(Member {
            key: "properties".into(),
            json,
            when: Some(format!("{q} is not null")),
        }));
    }
    if others.is_empty() {
        return Ok(None);
    }
    let members: Vec<Member> = others
        .iter()
        .map(|(c, ty)| {
            let q = format!("n.{}", rel.quote_ident(c));
            Member {
                key: super::json_key(c, snowflake),
                json: super::json_value(&q, ty, snowflake),
                when: Some(format!("{q} is not null")),
            }
        })
        .collect();
    // Sent when some property is set.
    let any: Vec<String> = members.iter().filter_map(|m| m.when.clone()).collect();
    Ok(Some(Member {
        key: "properties".into(),
        json: super::json_object(&members),
        when: Some(any.join(" or ")),
    }))
}

fn sync(
    job: &mut Job<'_>,
    rel: &Relation,
    stage: &Relation,
    state: &Relation,
    ids: &[&str],
    keys: &[String],
    kind: &Kind,
) -> Result<Outcome> {
    let node = job.node;
    let snowflake = job.adapter.kind() == "snowflake";
    let columns = job.conn.columns(stage)?;
    super::require(node, &columns, ids, "the Braze identifier")?;
    let required: Vec<&str> = kind.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    super::require(node, &columns, &required, &format!("a field of Braze {}", kind.what))?;
    let key_names: Vec<&str> = keys.iter().map(String::as_str).collect();
    super::require(node, &columns, &key_names, "named in unique_key")?;
    let mut taken: Vec<&str> = ids.to_vec();
    taken.extend(kind.fields.iter().map(|f| f.name));
    taken.extend(&key_names);
    let others = super::other_columns(&columns, &taken);

    let mut rules = super::identifier_rules(ids, rel);
    let mut members = vec![];
    for f in kind.fields {
        let Some((c, ty)) = super::find(&columns, f.name) else {
            continue;
        };
        let q = format!("n.{}", rel.quote_ident(c));
        if f.required {
            rules.push((format!("{q} is null"), format!("{} is null", f.name)));
        }
        if let Some((bad, what)) = f.check {
            rules.push((
                format!("{q} is not null and {}", bad.replace("{c}", &q)),
                what.to_string(),
            ));
        }
        let (expr, ty) = match f.cast {
            Some(t) => (format!("cast({q} as {t})"), t),
            None => (q.clone(), ty.as_str()),
        };
        members.push(Member {
            key: f.name.into(),
            json: super::json_value(&expr, ty, snowflake),
            when: (!f.required).then(|| format!("{q} is not null")),
        });
    }
    members.extend(properties(job, rel, &columns, &others)?);
    for k in &key_names {
        rules.push((
            format!("n.{} is null", rel.quote_ident(k)),
            format!("unique_key column {k} is null"),
        ));
    }
    super::refuse_rows(job, stage, &super::label(ids, rel, "n"), &rules)?;
    if !key_names.is_empty() {
        super::refuse_duplicates(job, stage, rel, &key_names, "unique_key must name one row")?;
    }

    // The rows and their keys as text: the unique_key, or the identifier and the payload's hash.
    let id_cols: Vec<String> = ids.iter().map(|c| rel.quote_ident(c)).collect();
    let mut inner: Vec<String> = id_cols.iter().map(|c| format!("n.{c}")).collect();
    inner.push(format!("{} as payload", super::json_object(&members)));
    let mut key_exprs: Vec<String> = vec![];
    if key_names.is_empty() {
        key_exprs.extend(id_cols.iter().map(|c| format!("cast(p.{c} as varchar)")));
        key_exprs.push("md5(p.payload)".into());
    } else {
        for (i, k) in key_names.iter().enumerate() {
            inner.push(format!("n.{} as mozt_uk_{i}", rel.quote_ident(k)));
            key_exprs.push(format!("cast(p.mozt_uk_{i} as varchar)"));
        }
    }
    let key_cols: Vec<String> = (0..key_exprs.len()).map(|i| format!("mozt_key_{i}")).collect();
    let keyed: Vec<String> = key_exprs
        .iter()
        .zip(&key_cols)
        .map(|(e, c)| format!("{e} as {c}"))
        .collect();
    let state_exists = super::is_table(job, state);
    if state_exists && job.conn.columns(state)?.len() != key_cols.len() {
        return Err(Error::project(format!(
            "the unique_key of model {} changed since the last run: {} records the old keys",
            job.node.name,
            state.short()
        ))
        .in_file(&job.node.original_file_path)
        .help("put the old unique_key back, or drop that table to start over (every row is then sent again)"));
    }
    let unsent = if state_exists {
        let same: Vec<String> = key_cols.iter().map(|c| format!("o.{c} = b.{c}")).collect();
        super::not_in(state, "o", &same)
    } else {
        String::new()
    };
    let select = format!(
        "select distinct b.* from (\nselect p.*, {} from (\nselect {}\nfrom {stage} as n\n) as p\n) as b{unsent}",
        keyed.join(", "),
        inner.join(",\n  "),
    );
    let keys = key_cols.join(", ");
    super::with_batch(job, rel, &select, |job, batch| {
        super::check_size(job, batch, &super::label(ids, rel, "n"), false)?;
        let (columns, values) = super::payload_columns(ids, rel);
        let sent = super::append(
            job,
            Append {
                rel,
                columns,
                values,
                batch,
                state_ddl: if state_exists {
                    vec![]
                } else {
                    vec![format!(
                        "create table {state} as select {keys} from {batch} where 1 = 0"
                    )]
                },
                state_dml: vec![format!("insert into {state} ({keys}) select {keys} from {batch}")],
                state_after: vec![],
            },
        )?;
        Ok(super::synced(
            job,
            sent,
            &format!("new {}", kind.what),
            rel,
            Some(state),
        ))
    })
}
