//! Snowflake data types as DuckDB types.

use sqlparser::ast::DataType;

/// DuckDB's type for a Snowflake type, or the reason it has none.
pub(crate) fn duckdb_type(t: &DataType) -> Result<String, &'static str> {
    let printed = t.to_string();
    let upper = printed.to_ascii_uppercase();
    let (name, modifiers) = match upper.split_once('(') {
        Some((n, m)) => (n.trim(), Some(m.trim_end_matches(')').trim())),
        None => (upper.trim(), None),
    };
    Ok(match name {
        "VARCHAR" | "STRING" | "TEXT" | "CHAR" | "CHARACTER" | "NCHAR" | "NVARCHAR" | "NVARCHAR2" | "CHAR VARYING"
        | "CHARACTER VARYING" | "NCHAR VARYING" => "VARCHAR".into(),
        "NUMBER" | "NUMERIC" | "DECIMAL" | "DEC" => match modifiers {
            Some(m) if m.contains(',') => format!("DECIMAL({m})"),
            Some(m) => format!("DECIMAL({m}, 0)"),
            None => "DECIMAL(38, 0)".into(),
        },
        "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT" => "DECIMAL(38, 0)".into(),
        "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" | "REAL" => "DOUBLE".into(),
        "BOOLEAN" | "BOOL" => "BOOLEAN".into(),
        "DATE" => "DATE".into(),
        "TIME" => "TIME".into(),
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP_NTZ" | "TIMESTAMPNTZ" | "TIMESTAMP WITHOUT TIME ZONE" => {
            "TIMESTAMP".into()
        }
        "TIMESTAMP_LTZ"
        | "TIMESTAMPLTZ"
        | "TIMESTAMP_TZ"
        | "TIMESTAMPTZ"
        | "TIMESTAMP WITH TIME ZONE"
        | "TIMESTAMP WITH LOCAL TIME ZONE" => "TIMESTAMPTZ".into(),
        "VARIANT" | "OBJECT" | "ARRAY" | "JSON" => "JSON".into(),
        "BINARY" | "VARBINARY" => "BLOB".into(),
        "GEOGRAPHY" | "GEOMETRY" => return Err("DuckDB has no GEOGRAPHY or GEOMETRY type without an extension"),
        "VECTOR" => return Err("DuckDB has no VECTOR type"),
        _ if name.starts_with("ARRAY") || name.starts_with("OBJECT") || name.starts_with("MAP") => "JSON".into(),
        _ => return Err("mozt does not know this Snowflake type"),
    })
}

/// Whether `t` is one of Snowflake's semi-structured types (JSON on DuckDB).
pub(crate) fn is_json(t: &DataType) -> bool {
    duckdb_type(t).is_ok_and(|d| d == "JSON")
}
