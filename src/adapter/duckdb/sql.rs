//! DuckDB's SQL for the code that writes its own (see `adapter::SqlDialect`).

use crate::adapter::{SqlDialect, literal};

pub(super) struct DuckDbSql {
    /// The models are written in Snowflake SQL (`dialect: snowflake`): their unquoted column
    /// names were folded to upper case, as Snowflake folds them.
    pub(super) snowflake_names: bool,
}

impl SqlDialect for DuckDbSql {
    fn string_literal(&self, s: &str) -> String {
        literal(s)
    }

    fn iso_timestamp(&self, expr: &str) -> String {
        format!("strftime({expr}, '%Y-%m-%dT%H:%M:%S.%gZ')")
    }

    fn iso_date(&self, expr: &str) -> String {
        format!("strftime({expr}, '%Y-%m-%d')")
    }

    fn json_text(&self, expr: &str) -> String {
        format!("coalesce(cast(to_json({expr}) as varchar), 'null')")
    }

    fn json_document_text(&self, expr: &str, ty: &str) -> String {
        if ty.eq_ignore_ascii_case("JSON") {
            format!("cast({expr} as varchar)")
        } else {
            format!("cast(cast({expr} as json) as varchar)")
        }
    }

    /// DuckDB keeps a name's case as written; under `dialect: snowflake` the names were
    /// folded to upper case, and come back as Snowflake's do.
    fn column_name_as_written(&self, reported: &str) -> String {
        match self.snowflake_names {
            true => crate::adapter::sql::unfolded_name(reported),
            false => reported.to_string(),
        }
    }

    fn folds_unquoted_names(&self) -> bool {
        self.snowflake_names
    }
}
