//! Aggregates: ARRAY_AGG and LISTAGG (WITHIN GROUP), OBJECT_AGG, BOOLAND_AGG, BOOLOR_AGG
//! (ANY_VALUE, COUNT_IF and APPROX_COUNT_DISTINCT have the same names and meaning on DuckDB).

use sqlparser::ast::{DuplicateTreatment, Expr, Function, FunctionArguments};

use super::Refusal;
use super::args::{duck, positional};

pub(crate) fn rewrite(name: &str, f: &Function) -> Result<Option<Expr>, Refusal> {
    let distinct = match &f.args {
        FunctionArguments::List(l) => matches!(l.duplicate_treatment, Some(DuplicateTreatment::Distinct)),
        _ => false,
    };
    let d = if distinct { "DISTINCT " } else { "" };
    let order = order_by(f);
    let over = f.over.as_ref().map(|w| format!(" OVER {w}")).unwrap_or_default();
    let text = match name {
        "ARRAY_AGG" | "ARRAYAGG" => {
            let a = positional(f, name, 1, 1)?;
            // Snowflake leaves NULLs out, and gives [] for no rows.
            format!(
                "coalesce(to_json(list({d}{x}{order}) FILTER (WHERE {x} IS NOT NULL){over}), CAST('[]' AS JSON))",
                x = a[0]
            )
        }
        "LISTAGG" => {
            let a = positional(f, name, 1, 2)?;
            let sep = a.get(1).map(ToString::to_string).unwrap_or_else(|| "''".into());
            format!("coalesce(string_agg({d}{}, {sep}{order}){over}, '')", a[0])
        }
        "OBJECT_AGG" => {
            let a = positional(f, name, 2, 2)?;
            let keep = format!("FILTER (WHERE {k} IS NOT NULL AND {v} IS NOT NULL)", k = a[0], v = a[1]);
            format!(
                "coalesce(to_json(map(list({k}) {keep}{over}, list({v}) {keep}{over})), CAST('{{}}' AS JSON))",
                k = a[0],
                v = a[1]
            )
        }
        "BOOLAND_AGG" => format!("bool_and({}){over}", positional(f, name, 1, 1)?[0]),
        "BOOLOR_AGG" => format!("bool_or({}){over}", positional(f, name, 1, 1)?[0]),
        _ => return Ok(None),
    };
    if !f.within_group.is_empty() && !matches!(name, "ARRAY_AGG" | "ARRAYAGG" | "LISTAGG") {
        return Err(Refusal::at(
            &f.name,
            format!("{name} ... WITHIN GROUP"),
            "WITHIN GROUP orders ARRAY_AGG and LISTAGG",
        ));
    }
    duck(f, &text).map(Some)
}

/// ` ORDER BY ...` from WITHIN GROUP (the NULL ordering already made Snowflake's).
fn order_by(f: &Function) -> String {
    if f.within_group.is_empty() {
        return String::new();
    }
    let items: Vec<String> = f.within_group.iter().map(ToString::to_string).collect();
    format!(" ORDER BY {}", items.join(", "))
}
