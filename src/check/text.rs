//! The check and the column derivation on one SQL text, outside any project: for tests and
//! tools.

use super::{messages, relations};
use crate::project::AdapterKind;
use crate::sql::columns::{self, Analyzer, Shape};
use crate::sql::parse::{self, Outcome};
use crate::sql::{dialect_for, single_query};

/// Tables with known columns, by the name written in the SQL (for `check_text`).
struct Tables<'a>(&'a [(&'a str, &'a [&'a str])]);

impl columns::Resolve for Tables<'_> {
    fn relation(&self, name: &sqlparser::ast::ObjectName) -> Option<Shape> {
        let key = relations::name_key(name)?;
        let (n, cols) = self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(&key))?;
        Some(Shape::of_relation(&(*n).into(), cols.iter().copied(), true))
    }
}

/// Check one SQL text as `mozt compile` would, against tables whose columns are known (name as
/// written in the SQL -> columns); any other table is read as unknown. Returns the messages of
/// the errors found (empty when the SQL is fine). For tests and tools.
pub fn check_text(sql: &str, target_kind: AdapterKind, tables: &[(&str, &[&str])]) -> Vec<String> {
    let subject = messages::Subject {
        kind: "model",
        name: "query",
        file: "query.sql".to_string(),
    };
    let dialect = dialect_for(target_kind);
    match parse::parse(sql, dialect.as_ref()) {
        Outcome::Syntax(err) => vec![messages::syntax_error(&subject, &err, "query.sql", sql, None).to_string()],
        Outcome::Skipped(_) => vec![],
        Outcome::Parsed(statements) => match single_query(statements) {
            None => vec![],
            Some(q) => {
                let resolve = Tables(tables);
                let mut an = Analyzer::new(&resolve);
                an.analyze(&q);
                an.issues
                    .iter()
                    .map(|i| messages::column_error(&subject, i, "query.sql", sql, None).to_string())
                    .collect()
            }
        },
    }
}

/// Output columns of a SQL text, each with its upstream columns as `table.column`.
pub type TextColumns = Vec<(String, Vec<String>)>;

/// The output columns of one SQL text and the upstream columns of each (`table.column`), with
/// whether the list is exact. For tests and tools.
pub fn columns_of_text(sql: &str, target_kind: AdapterKind, tables: &[(&str, &[&str])]) -> Option<(TextColumns, bool)> {
    let dialect = dialect_for(target_kind);
    let Outcome::Parsed(statements) = parse::parse(sql, dialect.as_ref()) else {
        return None;
    };
    let q = single_query(statements)?;
    let resolve = Tables(tables);
    let mut an = Analyzer::new(&resolve);
    let shape = an.analyze(&q);
    let cols = shape
        .cols
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.from.iter().map(|r| format!("{}.{}", r.node, r.column)).collect(),
            )
        })
        .collect();
    Some((cols, shape.complete))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The select list is checked with work linear in its width (20,000 columns once took
    /// 1.8 s and 400,000 over two minutes: each name was looked for one by one among all the
    /// columns): each name costs a bounded number of comparisons, whatever the width. Counted,
    /// not timed.
    #[test]
    fn a_wide_select_list_is_checked_with_work_linear_in_its_width() {
        for n in [2_000usize, 20_000] {
            let cols: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let names: Vec<&str> = cols.iter().map(String::as_str).collect();
            let items: Vec<String> = cols.iter().map(|c| format!("{c} as a_{c}")).collect();
            let sql = format!(
                "select {}, nope from t where c0 > 0 order by a_c{}",
                items.join(", "),
                n - 1
            );
            let before = crate::sql::names_compared();
            let errors = check_text(&sql, AdapterKind::DuckDb, &[("t", &names)]);
            let compared = crate::sql::names_compared() - before;
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains("nope"), "{errors:?}");
            assert!(compared <= 64 * n as u64, "{n} columns: {compared} names compared");
        }
    }
}
