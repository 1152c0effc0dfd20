//! Data tests: a test is a query returning failing rows; its config decides PASS, WARN or FAIL
//! (`severity`, `error_if`, `warn_if`).

use serde_json::Value;

use crate::adapter::Connection;
use crate::compile::Compiled;
use crate::manifest::Node;
use crate::project::Target;
use crate::run::{NodeResult, Status};

/// Run one data test and judge its failing-row count.
pub fn execute(
    node: &Node,
    compiled: &Compiled,
    conn: &mut dyn Connection,
    _store_failures: bool,
    _target: &Target,
) -> NodeResult {
    let sql = compiled.sql.trim().trim_end_matches(';');
    let count_sql = format!("select count(*) as failures from (\n{sql}\n) as mozt_test");
    let mut r = match conn.query(&count_sql) {
        Ok(rows) => {
            let n = rows
                .rows
                .first()
                .and_then(|r| r.first())
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let status = judge(node, n);
            let mut r = NodeResult::new(&node.unique_id, status, format!("{n} failing rows"));
            r.failures = Some(n);
            if status != Status::Pass {
                r.details.push(format!(
                    "compiled SQL: {}",
                    crate::compile::display_path(&compiled.path)
                ));
            }
            r
        }
        Err(e) => NodeResult::new(&node.unique_id, Status::Error, e.to_string()),
    };
    r.compiled_path = Some(crate::compile::display_path(&compiled.path));
    r
}

/// PASS, WARN or FAIL from the count and the test's severity and thresholds.
pub fn judge(node: &Node, failures: u64) -> Status {
    let severity = node.config_str("severity").unwrap_or("error").to_ascii_lowercase();
    let error_if = node.config_str("error_if").unwrap_or("!=0");
    let warn_if = node.config_str("warn_if").unwrap_or("!=0");
    if severity == "error" && condition(error_if, failures) {
        Status::Fail
    } else if condition(warn_if, failures) {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// `!=0`, `>10`, `>=5`, `<3`, `=0`: dbt's threshold conditions.
pub fn condition(expr: &str, n: u64) -> bool {
    let e = expr.replace(' ', "");
    let (op, num) = ["!=", ">=", "<=", "==", ">", "<", "="]
        .iter()
        .find_map(|op| e.strip_prefix(op).map(|rest| (*op, rest)))
        .unwrap_or(("!=", "0"));
    let Ok(k) = num.parse::<u64>() else { return n != 0 };
    match op {
        "!=" => n != k,
        ">=" => n >= k,
        "<=" => n <= k,
        ">" => n > k,
        "<" => n < k,
        _ => n == k,
    }
}

#[cfg(test)]
mod tests {
    use super::condition;

    #[test]
    fn thresholds() {
        assert!(condition("!=0", 1));
        assert!(!condition("!=0", 0));
        assert!(condition(">10", 11));
        assert!(!condition("> 10", 10));
        assert!(condition(">=10", 10));
    }
}
