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
    pub(super) const fn new(
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
    let sql = job.adapter.sql();
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
        return Ok(Some(Member {
            key: "properties".into(),
            json: sql.json_document_text(&q, ty),
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
                key: sql.column_name_as_written(c),
                json: super::json_value(sql, &q, ty),
                when: Some(format!("{q} is not null")),
            }
        })
        .collect();
    // Sent when some property is set.
    let any: Vec<String> = members.iter().filter_map(|m| m.when.clone()).collect();
    Ok(Some(Member {
        key: "properties".into(),
        json: super::json_object(sql, &members),
        when: Some(any.join(" or ")),
    }))
}

/// A rule on the model's rows: a SQL condition on the row `n` and what is wrong when it holds.
type Rule = (String, String);

/// Check the model's columns and rows, select the rows not sent before with their keys, and
/// append them.
fn sync(
    job: &mut Job<'_>,
    rel: &Relation,
    stage: &Relation,
    state: &Relation,
    ids: &[&str],
    keys: &[String],
    kind: &Kind,
) -> Result<Outcome> {
    let columns = job.conn.columns(stage)?;
    let key_names: Vec<&str> = keys.iter().map(String::as_str).collect();
    let others = check_columns(job, &columns, ids, &key_names, kind)?;
    let mut rules = super::identifier_rules(ids, rel);
    let (mut members, field_rules) = field_members(job, rel, &columns, kind);
    rules.extend(field_rules);
    members.extend(properties(job, rel, &columns, &others)?);
    refuse_bad_rows(job, rel, stage, ids, &key_names, rules)?;
    let unsent = unsent_rows(job, rel, stage, state, ids, &key_names, &members)?;
    send(job, rel, state, ids, kind, &unsent)
}

/// Fail unless the model selects the identifiers, the kind's required fields and the
/// unique_key columns; the other columns, which become properties.
fn check_columns(job: &Job<'_>, columns: &Columns, ids: &[&str], key_names: &[&str], kind: &Kind) -> Result<Columns> {
    let node = job.node;
    super::require(node, columns, ids, "the Braze identifier")?;
    let required: Vec<&str> = kind.fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    super::require(node, columns, &required, &format!("a field of Braze {}", kind.what))?;
    super::require(node, columns, key_names, "named in unique_key")?;
    let mut taken: Vec<&str> = ids.to_vec();
    taken.extend(kind.fields.iter().map(|f| f.name));
    taken.extend(key_names);
    Ok(super::other_columns(columns, &taken))
}

/// The payload members of the kind's fields the model selects, and the rules their values
/// follow (required ones present, each field's own check).
fn field_members(job: &Job<'_>, rel: &Relation, columns: &Columns, kind: &Kind) -> (Vec<Member>, Vec<Rule>) {
    let mut rules = vec![];
    let mut members = vec![];
    for f in kind.fields {
        let Some((c, ty)) = super::find(columns, f.name) else {
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
            json: super::json_value(job.adapter.sql(), &expr, ty),
            when: (!f.required).then(|| format!("{q} is not null")),
        });
    }
    (members, rules)
}

/// Refuse the run when a row breaks a rule or has no unique_key, or when rows share one.
fn refuse_bad_rows(
    job: &mut Job<'_>,
    rel: &Relation,
    stage: &Relation,
    ids: &[&str],
    key_names: &[&str],
    mut rules: Vec<Rule>,
) -> Result<()> {
    for k in key_names {
        rules.push((
            format!("n.{} is null", rel.quote_ident(k)),
            format!("unique_key column {k} is null"),
        ));
    }
    super::refuse_rows(job, stage, &super::label(ids, rel, "n"), &rules)?;
    if !key_names.is_empty() {
        super::refuse_duplicates(job, stage, rel, key_names, "unique_key must name one row")?;
    }
    Ok(())
}

/// The rows of this run not sent before, and how their keys are recorded in the state.
struct Unsent {
    /// The rows (identifiers, `payload`) and their keys as text (`mozt_key_<i>`), as SQL.
    select: String,
    /// The key columns: the state's columns.
    key_cols: Vec<String>,
    /// Whether the state table exists (it does after the first run).
    state_exists: bool,
}

/// Select the rows and their keys as text: the unique_key, or the identifier and the
/// payload's hash; without the keys the state records.
fn unsent_rows(
    job: &mut Job<'_>,
    rel: &Relation,
    stage: &Relation,
    state: &Relation,
    ids: &[&str],
    key_names: &[&str],
    members: &[Member],
) -> Result<Unsent> {
    let id_cols: Vec<String> = ids.iter().map(|c| rel.quote_ident(c)).collect();
    let mut inner: Vec<String> = id_cols.iter().map(|c| format!("n.{c}")).collect();
    inner.push(format!("{} as payload", super::json_object(job.adapter.sql(), members)));
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
    Ok(Unsent {
        select,
        key_cols,
        state_exists,
    })
}

/// Append the unsent rows to the sync table and record their keys in the state, atomically.
fn send(
    job: &mut Job<'_>,
    rel: &Relation,
    state: &Relation,
    ids: &[&str],
    kind: &Kind,
    unsent: &Unsent,
) -> Result<Outcome> {
    let keys = unsent.key_cols.join(", ");
    super::with_batch(job, rel, &unsent.select, |job, batch| {
        super::check_size(job, batch, &super::label(ids, rel, "n"), false)?;
        let (columns, values) = super::payload_columns(ids, rel);
        let sent = super::append(
            job,
            Append {
                rel,
                columns,
                values,
                batch,
                state_ddl: if unsent.state_exists {
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
