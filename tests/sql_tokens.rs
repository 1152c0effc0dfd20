//! The fast tokenizer (src/sql/tokens.rs) against sqlparser's own: on every text of a large
//! corpus -- the sample project compiled for both targets, every .sql under testdata/, a
//! generated 300-model project, tricky snippets and thousands of random mutations of them --
//! either it declines (sqlparser tokenizes that text) or its tokens and spans are identical to
//! sqlparser's, and parsing gives the identical result (statements or error) both ways. The
//! same corpus checks the SQL check's dialect (src/sql/dialect.rs, which answers plain names and
//! function calls without sqlparser's typed-string attempt): identical results again.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestProject, sample_project, walk};
use mozt::sql::dialect::Fast;
use mozt::sql::fast_parse;
use mozt::sql::parse::{try_parse, try_parse_slow};
use mozt::sql::tokens::{tokenize, tokenize_for_parser};
use sqlparser::dialect::{Dialect, DuckDbDialect, SnowflakeDialect};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

const DIALECTS: [(&str, &dyn Dialect); 2] = [("duckdb", &DuckDbDialect {}), ("snowflake", &SnowflakeDialect {})];

/// How many of the checks of a text took each fast path.
#[derive(Default, Clone, Copy)]
struct Taken {
    /// The fast tokenizer read it.
    tokens: usize,
    /// The fast parser read it (`src/sql/fast_parse.rs`).
    parsed: usize,
}

impl std::ops::AddAssign for Taken {
    fn add_assign(&mut self, o: Taken) {
        self.tokens += o.tokens;
        self.parsed += o.parsed;
    }
}

/// Check one text in both dialects; returns how many of the two took each fast path. The parse
/// results compared are `Debug` texts of the statements or of the error (message and position).
fn agree(sql: &str) -> Taken {
    let mut fast = Taken::default();
    for (name, dialect) in DIALECTS {
        if let Some(ours) = tokenize(dialect, sql) {
            fast.tokens += 1;
            let theirs = Tokenizer::new(dialect, sql)
                .with_unescape(false)
                .tokenize_with_location();
            match theirs {
                Ok(theirs) => {
                    if ours != theirs {
                        let at = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap_or(0);
                        panic!(
                            "{name}: tokens differ at #{at}: ours {:?}, sqlparser's {:?}\nin {sql:?}",
                            ours.get(at),
                            theirs.get(at)
                        );
                    }
                }
                Err(e) => panic!("{name}: sqlparser fails ({e}) but the fast tokenizer does not, in {sql:?}"),
            }
            // What the parser gets: the same without whitespace and comments, but for one
            // directly after a `:`.
            let for_parser = tokenize_for_parser(dialect, sql).expect("the same subset");
            let solid = |v: &[TokenWithSpan]| -> Vec<TokenWithSpan> {
                v.iter()
                    .filter(|t| !matches!(t.token, Token::Whitespace(_)))
                    .cloned()
                    .collect()
            };
            assert_eq!(solid(&for_parser), solid(&ours), "{name}: {sql:?}");
            for (i, t) in for_parser.iter().enumerate() {
                if matches!(t.token, Token::Whitespace(_)) {
                    assert!(i > 0 && for_parser[i - 1].token == Token::Colon, "{name}: {sql:?}");
                }
            }
            if let Some(statements) = fast_parse::parse(&for_parser) {
                fast.parsed += 1;
                // What sqlparser makes of the same tokens: identical, spans included.
                let theirs = try_parse_slow(dialect, sql);
                assert_eq!(
                    format!("{:?}", Ok::<_, ()>(statements)),
                    format!("{:?}", theirs.map_err(|_| ())),
                    "{name}: the fast parser reads {sql:?} differently"
                );
            }
        }
        let a = format!("{:?}", try_parse(dialect, sql));
        let b = format!("{:?}", try_parse_slow(dialect, sql));
        assert_eq!(a, b, "{name}: parse results differ for {sql:?}");
        let fast_dialect: &dyn Dialect = match name {
            "duckdb" => &Fast(DuckDbDialect {}),
            _ => &Fast(SnowflakeDialect {}),
        };
        let c = format!("{:?}", try_parse(fast_dialect, sql));
        assert_eq!(c, b, "{name}: the SQL check's dialect parses differently: {sql:?}");
    }
    fast
}

/// Check every text; returns (checks, fast-path checks) to show the fast paths were used.
fn agree_all(texts: &[String]) -> (usize, Taken) {
    let mut fast = Taken::default();
    for t in texts {
        fast += agree(t);
    }
    (texts.len() * 2, fast)
}

fn sql_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read a .sql file"))
        .collect()
}

const SNOWFLAKE_ENV: &[(&str, &str)] = &[
    ("SNOWFLAKE_ACCOUNT", "acme-test"),
    ("SNOWFLAKE_USER", "tester"),
    ("SNOWFLAKE_PRIVATE_KEY_PATH", "/nonexistent/key.p8"),
];

#[test]
fn sample_project_compiled_sql_tokenizes_identically() {
    let p = sample_project();
    let mut texts = vec![];
    for target in ["dev", "prod"] {
        p.mozt_env(&["compile", "--target", target], SNOWFLAKE_ENV).assert_ok();
        let compiled = sql_files(&p.path().join("target/compiled"));
        assert!(compiled.len() >= 20, "{target}: only {} compiled files", compiled.len());
        texts.extend(compiled);
    }
    let (checks, fast) = agree_all(&texts);
    // Nearly all of the sample's SQL is in both subsets.
    assert!(
        fast.tokens * 10 >= checks * 9,
        "fast tokenizer took only {} of {checks}",
        fast.tokens
    );
    assert!(
        fast.parsed * 10 >= checks * 9,
        "fast parser took only {} of {checks}",
        fast.parsed
    );
}

#[test]
fn testdata_sql_tokenizes_identically() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let files = sql_files(&root);
    assert!(!files.is_empty());
    let mut texts = files.clone();
    // Each `-- name:` section too: a whole file stops parsing at its first unsupported query.
    for file in &files {
        for section in file.split("-- name: ").skip(1) {
            texts.push(section.split_once('\n').map_or("", |(_, sql)| sql).to_string());
        }
    }
    let (_, fast) = agree_all(&texts);
    assert!(fast.tokens > 0 && fast.parsed > 0);
}

#[test]
fn generated_project_tokenizes_identically() {
    let p = TestProject::empty();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["-n", "300", "-o"])
        .arg(p.path().join("gen"))
        .output()
        .expect("run python3 benches/gen.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let project = p.path().join("gen");
    common::run_mozt(&project, &["compile", "--no-partial-parse"], &[]).assert_ok();
    let texts = sql_files(&project.join("target/compiled"));
    assert!(texts.len() >= 300, "only {} compiled files", texts.len());
    let (checks, fast) = agree_all(&texts);
    assert_eq!(
        fast.tokens, checks,
        "the generated project's SQL is all in the tokenizer's subset"
    );
    assert_eq!(
        fast.parsed, checks,
        "the generated project's SQL is all in the parser's subset"
    );
}

const SNIPPETS: &[&str] = &[
    // The fast parser's subset (src/sql/fast_parse.rs), and just outside it.
    "with a as (select * from s.t), b as (select a.* from a) select b.x, b.y as z from b",
    "select distinct a, b as c from t as x left join u y on x.id = y.id inner join v on v.k = x.k",
    "select * from t join u on t.a = u.a right join v on 1 = 1 full join w on true full outer join z on false",
    "select * from t left outer join u on t.a = u.a right outer join v on t.b = v.b",
    "select a from t where a is null or b is not null and not c = 1",
    "select a from t where a in (1, 2, 'x') and b not in ('a') and c between 1 and 2 and d not between -1 and +1",
    "select a from t where a like 'x%' or b not like '%y' or c ilike 'z' or d not ilike 'w'",
    "select a from t where a like 'x%' escape '!' or b like any ('a', 'b')",
    "select case when a > 0 then 'p' when a < 0 then 'n' else 'z' end as s, case a when 1 then 2 end from t",
    "select count(*), count(distinct a), sum(a + b * c - d / e % f), upper(trim(a)) || 'x' from t group by 1, a having count(*) > 1",
    "select coalesce(a, 0) + 1 as v, (a + b) * c, - a, -(a), not (a = b), null, true, false from t",
    "select a from t order by a, b desc, c asc limit 10",
    "select a from t order by a nulls first",
    "select a from t limit 5 offset 2",
    "select f(), g(+1), h(a) over (), i(a) filter (where b), j(a order by b), k(x => 1) from t",
    "select a b, c \"d\", e as \"F\" from t x, u as \"y\"",
    "select t.a.b.c, \"q\".x, x.\"q\", date, \"date\", \"t\".* from t",
    "select a from t sample (10)",
    "select a from t at (offset => -60)",
    "select a from lateral f(x), table(g()), values (1), unnest(l)",
    "select a from t union all select b from u",
    "select a from t qualify row_number() over (partition by a order by b) = 1",
    "select a from t where exists (select 1) and a in (select b from u) and (select max(c) from v) > 1",
    "select a::int, cast(a as int), try_cast(a as int), a collate x from t",
    "select a from t where a = any (select 1) and b > all (select 2)",
    "select 1 as x;",
    "select a from t;\nselect b from u",
    "select ((((((((((((((((a)))))))))))))))) from t",
    "select a from t where a = 1 = 2 and b < c < d",
    "select interval '1 day', date '2024-01-01', timestamp 'x', a 'b' from t",
    "select x from raw.src, analytics.t, \"Db\".\"Sch\".\"T\" where x.a = 1",
    "select a from t group by all",
    "select distinct on (a) a from t",
    "select a.*, b.* exclude (c) from a, b",
    "select * from t where a = 'it''s' and b <> 'x' and c != 'y' and d >= 1.5e3 and e <= .5",
    "select a from t union all select b from u union select c from v order by 1 limit 3",
    "select a from t union distinct select b from u",
    "select a from t union all by name select b from u",
    "select a from t union all (select b from u)",
    "select a from t except select b from u union all select c from v",
    "select row_number() over (partition by a, b order by c desc, d) as n, sum(x) over () from t qualify n = 1",
    "select rank() over (order by a rows between 1 preceding and current row), lag(a) over w from t",
    "select a from t where b = 1 qualify row_number() over (partition by a order by b asc) = 1 order by a",
    "select f() + g() from t",
    "select cast(a as varchar), cast(b as int) + 1, cast(null as bigint), a::date, b::timestamp::date from t",
    "select a::text, a::integer, a::smallint, a::boolean, a::double, a::float, cast(a as text) from t",
    "select a::string, a::number from t",
    "select cast(a as varchar(10)), a::decimal(10, 2), a::int[], a::timestamp with time zone, a::double precision from t",
    "select cast(a as numeric), cast(a as timestamp_ntz), cast(a as real), cast(a as time), cast(a as bool) from t",
    "select -a::int, a::int * 2, a + b::int, cast(a + 1 as int) as c from t where a::date between '2024-01-01' and '2024-12-31'",
    "select 1 -- comment at end without newline",
    "select 1 /* block at end */",
    "select 1 /* unterminated",
    "select 1 /* a /* nested */ still comment */ , 2",
    "select 1 /*/ odd */ from t",
    "select 1 /**/ + 2 /***/",
    "select '--not a comment', '/* nor this */' from t",
    "select 'it''s', '''', '', 'a''''b' from t",
    "select 'unterminated",
    "select 'a\\'b' from t",
    "select 'ends with backslash\\",
    "select 'back\\\\slash', '\\n' from t",
    "select \"col \"\"quoted\"\"\" from \"My Table\"",
    "select \"unterminated from t",
    "select \"\" from t",
    "select a::int, b :: varchar(10), c::decimal(10, 2)[] from t",
    "select j->'a', j->>'b', j -> 0, j ->> 1, a-b, a - -b, a--b\n from t",
    "select 1.5, .5, 5., 1e3, 1E-3, 2.5e+10, 1_000, 1__0, 0x1F, 0b101, 1L, 1.2.3, 1..2, 3.a, 1._x",
    "select a <=> b, a != b, a <> b, a <= b, a >= b, a < b, a > b, a << 2, a >> 2, a <@ b, a <+ b, a <=- b",
    "select a || b, a | b, a ||/ b, a |/ b, a |& b, a |> b, a & b, a ^ b, ~a, a ~~ b, a !~ b, !a, a !! b",
    "select v:a.b, v:\"Key\"::string, v:a[0]:b, t.$1, $1, :param, :1, ? , ?1",
    "select * from @stage/path/file.csv",
    "select @@version, @a, @ b, #t, # c, a # b",
    "select\tcol\tfrom\tt",
    "select a,\r\n  b\r\nfrom t\r\n",
    "select a,\r  b\rfrom t",
    "select 'é' as \"naïve\", 'ünïcödé ✓' from t -- ça va\n/* 中文 */ where x = 1",
    "select café from t",
    "select E'a\\nb', X'00ff', N'national', n'x', x 'y', B'01', b'01', R'raw', U&'\\0041', Q'[q]'",
    "select e, x, n, b, r, u, q, ee, xx from t",
    "select a.b.c, t._x, t.\"y\", t.1, a._, ._a",
    "select a=>1, a==b, a:=1, a := 1",
    "select : x from t",
    "select :\n1, v: a, v :b from t",
    "select :/*c*/y from t",
    "select :-- c\ny from t",
    "select f(a, b) over (partition by c order by d rows between 1 preceding and current row) from t",
    "select {'a': 1, 'b': [1, 2, 3]} as s, s['a'], l[1:2]",
    "select a // b, a / b, a % b, a * b from t // snowflake comment",
    "select 1;select 2;\n;",
    "with x as (select 1 as a) select * from x where a in (select a from x) qualify 1 = 1",
    "select $$dollar quoted$$, $tag$x$tag$",
    "select `backticked` from t",
    "select a\u{0b}from t",
    "select a\u{0c}from t",
    "select a\u{a0}from t",
    "select\u{0}1",
    "select 1 as _, _a, a_, a1, A_B_C, Select, SELECT, sElEcT from t",
    "select * exclude (a) replace (b as c) from t",
    "create or replace table t as select 1",
    "insert into t (a) values (1), (2)",
    "select case when a then 'x' else \"y\" end from t",
    "select not a, a is not null, a between 1 and 2, a like '%x%' escape '\\\\' from t",
    "select -1, +2, - 3, -.5, -1.e, 1.-2 from t",
    "",
    " ",
    "\n",
    "--",
    "/**/",
    "'",
    "\"",
    ".",
    "..",
    "1.",
    "select 1 from t where a = 'x' --",
    "select 1 from t where a = 'x' --\r\n",
];

#[test]
fn tricky_snippets_tokenize_identically() {
    let texts: Vec<String> = SNIPPETS.iter().map(|s| s.to_string()).collect();
    let (_, fast) = agree_all(&texts);
    assert!(
        fast.tokens > 20,
        "fast tokenizer took only {} snippet checks",
        fast.tokens
    );
    assert!(fast.parsed > 20, "fast parser took only {} snippet checks", fast.parsed);
}

/// Every keyword sqlparser knows, where the fast parser may read a keyword as a name: a column,
/// a function, a dotted name's head or tail, a table, an alias, a CTE. Each either agrees with
/// sqlparser or is declined.
#[test]
fn every_keyword_as_a_name_agrees() {
    let mut fast = Taken::default();
    let mut texts = 0;
    for kw in sqlparser::keywords::ALL_KEYWORDS {
        let k = kw.to_ascii_lowercase();
        for sql in [
            format!("select {k} from t"),
            format!("select {k}, a from t where {k} = 1"),
            format!("select a + {k} as b from t group by {k}"),
            format!("select {k}(a) from t"),
            format!("select {k}(a, 1) as x, {k}(*) from t"),
            format!("select {k}.a, a.{k}, {k}.* from {k}"),
            format!("select a from s.{k} as {k} join {k} {k} on {k}.a = 1"),
            format!("select a as {k} from {k}.t"),
            format!("with {k} as (select 1 as a) select a from {k}"),
            format!("select case {k} when 1 then {k} end from t where a in ({k}) and {k} is null"),
            format!("select {k}() over (partition by {k} order by {k} desc) from t qualify {k}() = 1"),
            format!("select cast({k} as int), {k}::date from t union all select {k} from {k}"),
        ] {
            texts += 2;
            fast += agree(&sql);
        }
    }
    assert!(
        fast.parsed * 2 > texts,
        "fast parser took only {} of {texts} checks",
        fast.parsed
    );
}

/// xorshift64*: a fixed-seed random source, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ALPHABET: &[char] = &[
    '\'', '"', '-', '/', '*', '\n', '\r', '\t', ' ', '.', ':', '_', 'e', 'E', 'x', 'N', 'L', '0', '1', '9', '$', '@',
    '?', '#', '\\', '<', '>', '=', '!', '|', '&', '^', '~', '%', '+', '(', ')', '[', ']', '{', '}', ',', ';', 'a', 'é',
    '`',
];

#[test]
fn mutated_snippets_agree() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut fast = Taken::default();
    let cases = 4000;
    for _ in 0..cases {
        let base = SNIPPETS[rng.below(SNIPPETS.len())];
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..1 + rng.below(3) {
            match rng.below(3) {
                0 if !chars.is_empty() => {
                    let at = rng.below(chars.len());
                    chars.remove(at);
                }
                1 if !chars.is_empty() => {
                    // Copy a random character elsewhere.
                    let c = chars[rng.below(chars.len())];
                    chars.insert(rng.below(chars.len() + 1), c);
                }
                _ => {
                    let c = ALPHABET[rng.below(ALPHABET.len())];
                    chars.insert(rng.below(chars.len() + 1), c);
                }
            }
        }
        let text: String = chars.into_iter().collect();
        fast += agree(&text);
    }
    // Mutations often leave the subset, but not mostly.
    assert!(
        fast.tokens > cases / 2,
        "fast tokenizer took only {} of {} checks",
        fast.tokens,
        cases * 2
    );
    assert!(
        fast.parsed > cases / 20,
        "fast parser took only {} of {} checks",
        fast.parsed,
        cases * 2
    );
}
