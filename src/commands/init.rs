//! `mozt init NAME`: a new project that builds on DuckDB at once.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::run::output::say;

pub(crate) fn run(name: &str) -> Result<i32> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::project(format!("'{name}' is not a valid project name"))
            .help("use letters, digits and underscores, e.g. mozt init my_project"));
    }
    let root = Path::new(name);
    if root.exists() {
        return Err(Error::project(format!("{name} already exists")).help("choose another name, or remove the folder"));
    }
    let files: &[(&str, String)] = &[
        ("project.yml", format!(
            "name: {name}\nmodel-paths: [models]\nseed-paths: [seeds]\ntest-paths: [tests]\nmacro-paths: [macros]\n\n\
             models:\n  {name}:\n    staging: {{+materialized: view}}\n    marts: {{+materialized: table}}\n\n\
             targets:\n  default: dev\n  dev: {{type: duckdb, path: target/dev.duckdb, schema: main, threads: 4}}\n"
        )),
        ("seeds/raw_customers.csv", "id,name,signed_up_at\n1,Ada,2024-01-03 10:00:00\n2,Grace,2024-02-11 09:30:00\n3,Linus,2024-03-05 17:45:00\n".into()),
        ("seeds/raw_orders.csv", "id,customer_id,amount,ordered_at\n10,1,25.50,2024-03-01 12:00:00\n11,1,12.00,2024-03-09 08:15:00\n12,2,99.90,2024-03-10 19:20:00\n".into()),
        ("models/staging/stg_customers.sql", "select id as customer_id, name, signed_up_at\nfrom {{ ref('raw_customers') }}\n".into()),
        ("models/staging/stg_orders.sql", "select id as order_id, customer_id, amount, ordered_at\nfrom {{ ref('raw_orders') }}\n".into()),
        ("models/marts/customers.sql", "select\n    c.customer_id,\n    c.name,\n    count(o.order_id) as orders,\n    coalesce(sum(o.amount), 0) as lifetime_value\nfrom {{ ref('stg_customers') }} as c\nleft join {{ ref('stg_orders') }} as o on o.customer_id = c.customer_id\ngroup by c.customer_id, c.name\n".into()),
        ("models/marts/schema.yml", "models:\n  - name: customers\n    description: One row per customer with their orders.\n    columns:\n      - name: customer_id\n        data_tests: [unique, not_null]\n".into()),
        ("macros/.gitkeep", String::new()),
        ("tests/.gitkeep", String::new()),
        (".gitignore", "target/\n*.duckdb\n".into()),
    ];
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| Error::runtime(format!("cannot create {}: {e}", parent.display())))?;
        }
        fs::write(&path, text).map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    say(&format!("Created project {name}. Next:\n  cd {name}\n  mozt build"));
    Ok(0)
}
