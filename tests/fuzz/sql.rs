//! Fuzzing the SQL check: a seeded generator writes valid-looking SQL (expressions, nested CASE,
//! unions, CTEs, joins, subqueries, long chains) over tables of known columns, and DuckDB is the
//! oracle: on a statement DuckDB accepts (it prepares it), the check must report nothing, neither
//! a syntax error nor a missing column. DuckDB is asked about every statement the check reports
//! an error on, and about a sample of the others (to tell that the generator mostly writes SQL
//! DuckDB accepts and the check mostly reads it). Each statement is also checked once more with a
//! few random edits (cut, repeated hundreds of times, or with brackets, quotes, comments or
//! keywords put in), where anything may come of it but a panic. The check must never panic or
//! abort (a stack overflow would kill this test process).
//!
//! One case in `STRESS_EVERY` is a stress case (chains of up to 1,500 terms, unions of up to
//! 400 branches, CASE nested up to 120 deep); the others are the size of the models people
//! write, so that a long run tries many shapes rather than a few huge ones. Fixed sizes past
//! the check's bounds are in tests/sql_robustness.rs.
//!
//! The budget (tests/fuzz/budget.rs): 100 cases or 60 seconds in `cargo test`; scripts/fuzz.sh
//! runs many more in a release build. Cases that once failed are kept in `REGRESSIONS`.

use super::budget::{Budget, Watchdog};
use mozt::check::check_text;
use mozt::project::AdapterKind;
use mozt::sql::{dialect_for, parse};

/// The tables the statements read, with their columns (all integers).
const TABLES: &[(&str, &[&str])] = &[("t1", &["a", "b", "c"]), ("t2", &["a", "d", "e"]), ("t3", &["f", "g"])];

/// Statements that once failed (kept as regressions, checked first).
const REGRESSIONS: &[&str] = &[
    // A subquery reuses an outer alias: `r0.d` is not in the inner r0 (t3), so DuckDB reads
    // the outer r0 (t2).
    "select a from t2 r0 where exists (select f from t3 r0 where r0.d <> 1)",
];

/// A relation in scope while an expression is written: its alias and its columns.
#[derive(Clone)]
struct Rel {
    alias: String,
    cols: Vec<String>,
}

struct Gen {
    rng: fastrand::Rng,
    /// How many more nested queries may be written.
    budget: usize,
    /// A stress case (one in `STRESS_EVERY`): long chains, unions of hundreds of branches,
    /// deep CASE. The others are the size of the models people write.
    stress: bool,
}

/// One case in this many is a stress case.
const STRESS_EVERY: u8 = 20;

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    /// A column reference that names exactly one column of `scope` (qualified when the name is
    /// in more than one relation).
    fn column(&mut self, scope: &[Rel]) -> String {
        let rel = self.pick(scope).clone();
        let col = self.pick(&rel.cols).clone();
        let shared = scope.iter().filter(|r| r.cols.contains(&col)).count() > 1;
        if shared || self.rng.bool() && !rel.alias.is_empty() {
            format!("{}.{col}", rel.alias)
        } else {
            col
        }
    }

    /// An integer expression over `scope`, at most `depth` levels deep.
    fn int(&mut self, scope: &[Rel], depth: usize) -> String {
        if depth == 0 {
            return match self.rng.u8(..4) {
                0 => self.rng.i32(-5..100).to_string(),
                _ => self.column(scope),
            };
        }
        let d = depth - 1;
        match self.rng.u8(..15) {
            0 => format!("{} + {}", self.int(scope, d), self.int(scope, d)),
            1 => format!("{} * {}", self.int(scope, d), self.int(scope, d)),
            2 => format!("({} - {})", self.int(scope, d), self.int(scope, d)),
            3 => format!(
                "case when {} then {} else {} end",
                self.boolean(scope, d),
                self.int(scope, d),
                self.int(scope, d)
            ),
            4 => format!("case {} when 1 then {} end", self.int(scope, d), self.int(scope, d)),
            5 => format!("cast({} as bigint)", self.int(scope, d)),
            6 => format!("coalesce({}, {})", self.int(scope, d), self.int(scope, d)),
            7 => format!("abs({})", self.int(scope, d)),
            8 => format!("-{}", self.int(scope, d)),
            9 => format!("{}::integer", self.column(scope)),
            10 if self.budget > 0 => {
                self.budget -= 1;
                let (q, _) = self.query(scope, 1, d);
                format!("(select max(x) from ({q}) as sq(x))")
            }
            11 => format!("length(cast({} as varchar) || 'x')", self.int(scope, d)),
            12 => self.chain(scope, &[" + ", " - ", " * "]),
            _ => self.int(scope, 0),
        }
    }

    /// A long chain of one operator (up to 900 terms: DuckDB reads 1,000 levels).
    fn chain(&mut self, scope: &[Rel], ops: &[&str]) -> String {
        let n = if self.stress && self.rng.u8(..10) == 0 {
            self.rng.usize(100..900)
        } else {
            self.rng.usize(2..20)
        };
        let op = *self.pick(ops);
        (0..n).map(|_| self.int(scope, 0)).collect::<Vec<_>>().join(op)
    }

    fn boolean(&mut self, scope: &[Rel], depth: usize) -> String {
        let d = depth.saturating_sub(1);
        match self.rng.u8(..10) {
            0 if depth > 0 => format!("{} and {}", self.boolean(scope, d), self.boolean(scope, d)),
            1 if depth > 0 => format!("({} or {})", self.boolean(scope, d), self.boolean(scope, d)),
            2 if depth > 0 => format!("not {}", self.boolean(scope, d)),
            3 => format!(
                "{} in ({}, {})",
                self.int(scope, d),
                self.int(scope, 0),
                self.int(scope, 0)
            ),
            4 => format!(
                "{} between {} and {}",
                self.int(scope, d),
                self.int(scope, 0),
                self.int(scope, 0)
            ),
            5 => format!("{} is not null", self.int(scope, d)),
            6 if self.budget > 0 => {
                self.budget -= 1;
                let (q, _) = self.query(scope, 1, d);
                format!("exists ({q})")
            }
            7 => {
                let n = if self.stress && self.rng.u8(..8) == 0 {
                    self.rng.usize(100..1500)
                } else {
                    self.rng.usize(2..10)
                };
                let terms: Vec<String> = (0..n)
                    .map(|_| format!("{} = {}", self.column(scope), self.rng.i32(0..50)))
                    .collect();
                format!("({})", terms.join(" or "))
            }
            _ => format!(
                "{} {} {}",
                self.int(scope, d),
                self.pick(&["=", "<>", "<", ">=", "!="]),
                self.int(scope, d)
            ),
        }
    }

    /// A relation in FROM: a table, a subquery or a CTE, with an alias.
    fn relation(&mut self, ctes: &[Rel], n: usize, depth: usize) -> (String, Rel) {
        let alias = format!("r{n}");
        if self.budget > 0 && self.rng.u8(..5) == 0 {
            self.budget -= 1;
            let k = self.rng.usize(1..4);
            let (q, cols) = self.query(&[], k, depth.saturating_sub(1));
            return (format!("({q}) as {alias}"), Rel { alias, cols });
        }
        if !ctes.is_empty() && self.rng.bool() {
            let cte = self.pick(ctes).clone();
            return (format!("{} as {alias}", cte.alias), Rel { alias, cols: cte.cols });
        }
        let (name, cols) = *self.pick(TABLES);
        let cols = cols.iter().map(|c| c.to_string()).collect();
        (format!("{name} {alias}"), Rel { alias, cols })
    }

    /// A SELECT of `width` columns named c0.., reading `outer` too (a correlated subquery).
    fn select(&mut self, outer: &[Rel], ctes: &[Rel], width: usize, depth: usize) -> String {
        let (first, rel) = self.relation(ctes, 0, depth);
        let mut from = first;
        let mut scope = vec![rel];
        for n in 1..self.rng.usize(1..4) {
            let (text, rel) = self.relation(ctes, n, depth);
            let mut both = scope.clone();
            both.push(rel.clone());
            let on = self.boolean(&both, 1);
            let kind = *self.pick(&["join", "left join", "inner join", "full outer join"]);
            from = format!("{from} {kind} {text} on {on}");
            scope.push(rel);
        }
        let mut visible = scope.clone();
        visible.extend(outer.iter().cloned());
        let items: Vec<String> = (0..width)
            .map(|i| format!("{} as c{i}", self.int(&visible, depth)))
            .collect();
        let mut sql = format!("select {} from {from}", items.join(", "));
        if self.rng.bool() {
            sql = format!("{sql} where {}", self.boolean(&visible, depth));
        }
        sql
    }

    /// A query of `width` columns (c0..): CTEs, a union of selects, an ORDER BY and a LIMIT.
    fn query(&mut self, outer: &[Rel], width: usize, depth: usize) -> (String, Vec<String>) {
        let mut ctes: Vec<Rel> = vec![];
        let mut with = vec![];
        if self.budget > 0 && self.rng.u8(..4) == 0 {
            for n in 0..self.rng.usize(1..3) {
                self.budget = self.budget.saturating_sub(1);
                let k = self.rng.usize(1..4);
                let body = self.select(&[], &ctes, k, depth.saturating_sub(1));
                let name = format!("cte{n}");
                with.push(format!("{name} as ({body})"));
                ctes.push(Rel {
                    alias: name,
                    cols: (0..k).map(|i| format!("c{i}")).collect(),
                });
            }
        }
        let branches = match self.rng.u8(..12) {
            0 if self.stress => self.rng.usize(20..400),
            0 => self.rng.usize(5..20),
            1..=3 => self.rng.usize(2..5),
            _ => 1,
        };
        let mut parts = vec![];
        for b in 0..branches {
            // Long unions repeat a small select.
            parts.push(if b < 3 {
                self.select(outer, &ctes, width, depth)
            } else {
                let (name, cols) = *self.pick(TABLES);
                let items: Vec<String> = (0..width).map(|i| format!("{} as c{i}", self.pick(cols))).collect();
                format!("select {} from {name}", items.join(", "))
            });
        }
        let mut sql = parts.join(" union all ");
        if !with.is_empty() {
            sql = format!("with {} {sql}", with.join(", "));
        }
        if self.rng.u8(..4) == 0 {
            sql = format!("{sql} order by c0 limit {}", self.rng.u8(1..50));
        }
        (sql, (0..width).map(|i| format!("c{i}")).collect())
    }

    /// A CASE nested `depth` deep (DuckDB's limit is far beyond).
    fn deep_case(&mut self, depth: usize) -> String {
        let mut e = "a".to_string();
        for i in 0..depth {
            e = format!("case when a > {i} then {e} else b end");
        }
        format!("select {e} as c0 from t1")
    }

    fn statement(&mut self) -> String {
        self.budget = 6;
        self.stress = self.rng.u8(..STRESS_EVERY) == 0;
        match self.rng.u8(..20) {
            0 => {
                let d = if self.stress {
                    self.rng.usize(20..120)
                } else {
                    self.rng.usize(1..20)
                };
                self.deep_case(d)
            }
            _ => {
                let width = self.rng.usize(1..5);
                let depth = self.rng.usize(0..5);
                self.query(&[], width, depth).0
            }
        }
    }
}

/// `sql` with a few random edits (cut, repeated, or with a piece of SQL syntax put in): what
/// the check reads of a model being written. Cut at character boundaries, so always UTF-8.
fn mutate(rng: &mut fastrand::Rng, sql: &str) -> String {
    const PIECES: &[&str] = &[
        "(",
        ")",
        "((",
        "case ",
        " end",
        "'",
        "\"",
        "--",
        "/*",
        "*/",
        " union all ",
        "select ",
        ",",
        ".",
        "::",
        " not ",
        "-",
        "[",
        "{",
        "$$",
        "\u{feff}",
        "é",
        ";",
        " over (",
        " from ",
        " join ",
        " as ",
        "e",
    ];
    let mut chars: Vec<char> = sql.chars().collect();
    for _ in 0..rng.usize(1..4) {
        let at = rng.usize(..=chars.len());
        match rng.u8(..4) {
            0 => {
                let end = (at + rng.usize(1..12)).min(chars.len());
                chars.drain(at..end);
            }
            1 => chars.truncate(at),
            2 => {
                let end = (at + rng.usize(1..40)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                let times = if rng.u8(..8) == 0 { rng.usize(2..200) } else { 1 };
                for _ in 0..times {
                    chars.splice(at..at, copy.iter().copied());
                }
            }
            _ => {
                let piece = PIECES[rng.usize(..PIECES.len())];
                let times = if rng.u8(..8) == 0 { rng.usize(2..300) } else { 1 };
                for _ in 0..times {
                    chars.splice(at..at, piece.chars());
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// What DuckDB says of a statement: accepted (it prepares), or not.
fn duckdb_accepts(conn: &duckdb::Connection, sql: &str) -> bool {
    conn.prepare(sql).is_ok()
}

fn duckdb() -> duckdb::Connection {
    let conn = duckdb::Connection::open_in_memory().expect("open DuckDB in memory");
    for (name, cols) in TABLES {
        let cols: Vec<String> = cols.iter().map(|c| format!("{c} integer")).collect();
        conn.execute_batch(&format!("create table {name} ({})", cols.join(", ")))
            .expect("create a table");
    }
    conn
}

/// The check's errors on one statement (empty when none).
fn check(sql: &str) -> Vec<String> {
    check_text(sql, AdapterKind::DuckDb, TABLES)
}

/// Whether sqlparser reads the statement at all (else the check says nothing of it).
fn parsed(sql: &str) -> bool {
    let dialect = dialect_for(AdapterKind::DuckDb);
    matches!(parse::parse(sql, dialect.as_ref()), parse::Outcome::Parsed(_))
}

#[test]
fn the_check_reports_nothing_on_sql_duckdb_accepts() {
    let conn = duckdb();
    for sql in REGRESSIONS {
        assert!(duckdb_accepts(&conn, sql), "DuckDB rejects the regression {sql}");
        assert_eq!(check(sql), Vec::<String>::new(), "{sql}");
    }
    let budget = Budget::from_env(100, 60);
    let watchdog = Watchdog::start("fuzz_sql");
    let seed = budget.seed;
    // Of a sample of the statements: how many DuckDB accepts, and how many of those sqlparser reads.
    let (mut sampled, mut accepted, mut analysed) = (0u64, 0u64, 0u64);
    // Statements the check reported an error on (DuckDB rejected each, or the test fails).
    let mut reported = 0u64;
    // Stress cases among them.
    let mut stressed = 0u64;
    let (mut in_duckdb, mut in_check) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut cases = 0;
    while budget.go_on("fuzz_sql", cases) {
        let case = cases;
        cases += 1;
        let mut g = Gen {
            rng: fastrand::Rng::with_seed(seed.wrapping_add(case)),
            budget: 0,
            stress: false,
        };
        let sql = g.statement();
        stressed += u64::from(g.stress);
        // An edited copy: anything may come of it but a panic (a stack overflow aborts).
        let edited = mutate(&mut g.rng, &sql);
        watchdog.case(seed.wrapping_add(case), &format!("{sql}\n--- edited:\n{edited}"));
        if std::panic::catch_unwind(|| check(&edited)).is_err() {
            panic!("seed {}: the check panics on\n{edited}", seed.wrapping_add(case));
        }
        let started = std::time::Instant::now();
        let errors = check(&sql);
        in_check += started.elapsed();
        // DuckDB is asked about every statement the check reports an error on (a false error
        // is one on SQL it accepts), and about a sample of the rest: the first 200, then one in
        // 50 (asking about all would spend nearly all the time in DuckDB).
        let sample = case < 200 || case % 50 == 0;
        if errors.is_empty() && !sample {
            continue;
        }
        let started = std::time::Instant::now();
        let accepts = duckdb_accepts(&conn, &sql);
        in_duckdb += started.elapsed();
        assert!(
            errors.is_empty() || !accepts,
            "seed {}: a false error on SQL DuckDB accepts:\n{}\n--- SQL:\n{sql}",
            seed.wrapping_add(case),
            errors.join("\n")
        );
        reported += u64::from(!errors.is_empty());
        if sample {
            sampled += 1;
            accepted += u64::from(accepts);
            analysed += u64::from(accepts && parsed(&sql));
        }
    }
    eprintln!(
        "fuzz_sql: {cases} cases ({stressed} stress cases) from seed {seed} in {:?} (each a statement and an edited copy; the check \
         {in_check:?}, DuckDB {in_duckdb:?}); {reported} statements with an error reported, each rejected by \
         DuckDB; of {sampled} sampled, {accepted} accepted by DuckDB, {analysed} of those parsed",
        budget.started.elapsed()
    );
    // The generator must mostly write SQL DuckDB accepts, and the check must mostly read it,
    // or this test proves little (told over 30 sampled cases or more; the default budget
    // samples 100 unless the machine is very slow).
    assert!(
        sampled < 30 || accepted * 10 >= sampled * 7,
        "DuckDB accepted only {accepted} of {sampled}"
    );
    assert!(
        analysed * 10 >= accepted * 9,
        "the check parsed only {analysed} of {accepted}"
    );
}
