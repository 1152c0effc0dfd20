//! A parser for the plain SELECT statements most models are made of, many times faster than
//! sqlparser's: no token is cloned to look at it, nothing is parsed twice to try another
//! reading, and no large value is moved up a deep chain of calls.
//!
//! It gives exactly the statement sqlparser gives, spans included, or declines (None), and
//! sqlparser parses. It reads a deliberately small subset, and declines at the first token it
//! is not sure of: a `WITH` list of named queries, then `SELECT`s joined by `UNION [ALL]` (each
//! with optional `DISTINCT`; `*`, `name.*` and expressions, each with an optional `AS` alias;
//! `FROM` tables, each with an optional alias, joined with `[INNER|LEFT|RIGHT|FULL] [OUTER] JOIN
//! .. ON`; `WHERE`, `GROUP BY`, `HAVING`, `QUALIFY`), then `ORDER BY` and `LIMIT`. Expressions:
//! names and dotted names, numbers and strings, `NULL`/`TRUE`/`FALSE`, function calls (also
//! `count(*)`, `DISTINCT` arguments and `OVER (PARTITION BY .. ORDER BY ..)`), `trim(x)`, `CASE`,
//! `CAST(x AS type)` and `x::type` to one-word types, parentheses, unary `-`/`+`/`NOT`, the
//! arithmetic, `||`, comparison and boolean operators, `IS [NOT] NULL`, `[NOT] IN (list)`, `[NOT]
//! BETWEEN`, `[NOT] LIKE`/`ILIKE`. Precedences are sqlparser's (`Dialect::prec_value`). A keyword
//! may be a name wherever sqlparser reads it as one (all but `NOT_PLAIN`). What it reads does not
//! depend on the dialect: it reads only what DuckDB's and Snowflake's read alike.
//!
//! `tests/sql_tokens.rs` checks, on its whole corpus (the sample project, testdata, a generated
//! project, tricky snippets, thousands of mutations of them, and every keyword sqlparser knows
//! in each place a name may stand), in both dialects, that a statement this parser reads is
//! identical to sqlparser's (`Debug` text, which shows every span).

use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, Cte, DataType, Distinct, DuplicateTreatment, ExactNumberInfo, Expr, Function,
    FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, GroupByExpr, Ident, InTarget, Join,
    JoinConstraint, JoinOperator, LimitClause, ObjectName, ObjectNamePart, OrderBy, OrderByExpr, OrderByKind,
    OrderByOptions, OrderBySort, Query, Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr,
    SetOperator, SetQuantifier, Statement, TableAlias, TableFactor, TableWithJoins, TimezoneInfo, UnaryOperator, Value,
    ValueWithSpan, WildcardAdditionalOptions, WindowSpec, WindowType, With,
};
use sqlparser::keywords::{Keyword, RESERVED_FOR_COLUMN_ALIAS, RESERVED_FOR_TABLE_ALIAS};
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

use super::dialect::ends_a_name;

/// sqlparser's precedences (`Dialect::prec_value`) of the operators read here.
const OR: u8 = 5;
const AND: u8 = 10;
const UNARY_NOT: u8 = 15;
const IS: u8 = 17;
const LIKE: u8 = 19;
const BETWEEN: u8 = 20;
const EQ: u8 = 20;
const PLUS_MINUS: u8 = 30;
const MUL_DIV_MOD: u8 = 40;
const DOUBLE_COLON: u8 = 50;

/// Keywords sqlparser reads in an expression otherwise than as a name or a function (found by
/// `every_keyword_as_a_name_agrees` in tests/sql_tokens.rs).
const NOT_PLAIN: &[Keyword] = &[
    Keyword::ALL,
    Keyword::ALTER,
    Keyword::ANALYZE,
    Keyword::AND,
    Keyword::ANY,
    Keyword::AS,
    Keyword::BETWEEN,
    Keyword::BY,
    Keyword::CEIL,
    Keyword::CHECK,
    Keyword::CLUSTER,
    Keyword::COLUMN,
    Keyword::CONNECT_BY_ROOT,
    Keyword::CREATE,
    Keyword::CUBE,
    Keyword::CURRENT,
    Keyword::CURRENT_DATE,
    Keyword::CURRENT_TIME,
    Keyword::CURRENT_TIMESTAMP,
    Keyword::DELETE,
    Keyword::DISTINCT,
    Keyword::DISTRIBUTE,
    Keyword::DROP,
    Keyword::ELSE,
    Keyword::END,
    Keyword::END_EXEC,
    Keyword::EXCEPT,
    Keyword::EXCLUDE,
    Keyword::EXISTS,
    Keyword::EXPLAIN,
    Keyword::EXTRACT,
    Keyword::FETCH,
    Keyword::FLOOR,
    Keyword::FOLLOWING,
    Keyword::FROM,
    Keyword::GRANT,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::ILIKE,
    Keyword::IN,
    Keyword::INCREMENT,
    Keyword::INSERT,
    Keyword::INTERSECT,
    Keyword::INTERVAL,
    Keyword::INTO,
    Keyword::IS,
    Keyword::LATERAL,
    Keyword::LIKE,
    Keyword::LIMIT,
    Keyword::LOCALTIME,
    Keyword::LOCALTIMESTAMP,
    Keyword::MINUS,
    Keyword::NOT,
    Keyword::NULL,
    Keyword::OF,
    Keyword::OFFSET,
    Keyword::OR,
    Keyword::ORDER,
    Keyword::RECURSIVE,
    Keyword::REGEXP,
    Keyword::RETURNING,
    Keyword::REVOKE,
    Keyword::RLIKE,
    Keyword::ROLLUP,
    Keyword::ROW,
    Keyword::ROWS,
    Keyword::SELECT,
    Keyword::SOME,
    Keyword::SORT,
    Keyword::SUBSTR,
    Keyword::SUBSTRING,
    Keyword::THEN,
    Keyword::TO,
    Keyword::TOP,
    Keyword::TRIGGER,
    Keyword::UNION,
    Keyword::UNIQUE,
    Keyword::UPDATE,
    Keyword::VALUES,
    Keyword::VIEW,
    Keyword::WHEN,
    Keyword::WHENEVER,
    Keyword::WHERE,
    Keyword::WITH,
];

/// The words that may follow a table in a FROM clause (and end an expression there).
const AFTER_A_TABLE: &[Keyword] = &[
    Keyword::WHERE,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::QUALIFY,
    Keyword::UNION,
    Keyword::ORDER,
    Keyword::LIMIT,
    Keyword::JOIN,
    Keyword::INNER,
    Keyword::LEFT,
    Keyword::RIGHT,
    Keyword::FULL,
    Keyword::ON,
];

/// How deeply expressions and queries may nest before the parser declines: far below
/// sqlparser's recursion limit, whose error it must never hide.
const MAX_DEPTH: usize = 12;

/// The statements of `tokens` (as `tokens::tokenize_for_parser` gives them), or None.
pub fn parse(tokens: &[TokenWithSpan]) -> Option<Vec<Statement>> {
    if tokens.iter().any(|t| matches!(t.token, Token::Whitespace(_))) {
        return None;
    }
    let mut p = P {
        t: tokens,
        i: 0,
        depth: 0,
    };
    let query = p.query()?;
    p.eat(&Token::SemiColon);
    (p.peek() == &Token::EOF).then(|| vec![Statement::Query(Box::new(query))])
}

struct P<'a> {
    t: &'a [TokenWithSpan],
    i: usize,
    depth: usize,
}

static EOF: Token = Token::EOF;

impl<'a> P<'a> {
    fn nth(&self, n: usize) -> &'a Token {
        self.t.get(self.i + n).map_or(&EOF, |t| &t.token)
    }

    fn peek(&self) -> &'a Token {
        self.nth(0)
    }

    /// The keyword of the `n`th token ahead (NoKeyword for anything else, quoted words too).
    fn kw_at(&self, n: usize) -> Keyword {
        match self.nth(n) {
            Token::Word(w) => w.keyword,
            _ => Keyword::NoKeyword,
        }
    }

    fn kw(&self) -> Keyword {
        self.kw_at(0)
    }

    fn next(&mut self) -> Option<&'a TokenWithSpan> {
        let t = self.t.get(self.i)?;
        self.i += 1;
        Some(t)
    }

    fn eat(&mut self, token: &Token) -> bool {
        let found = self.peek() == token;
        if found {
            self.i += 1;
        }
        found
    }

    fn eat_kw(&mut self, kw: Keyword) -> bool {
        let found = self.kw() == kw;
        if found {
            self.i += 1;
        }
        found
    }

    fn expect(&mut self, token: &Token) -> Option<&'a TokenWithSpan> {
        (self.peek() == token).then(|| self.next()).flatten()
    }

    fn expect_kw(&mut self, kw: Keyword) -> Option<&'a TokenWithSpan> {
        (self.kw() == kw).then(|| self.next()).flatten()
    }

    /// Enter one more level of nesting (None past `MAX_DEPTH`); `leave` when done.
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn query(&mut self) -> Option<Query> {
        self.enter()?;
        let q = self.query_inner();
        self.leave();
        q
    }

    fn query_inner(&mut self) -> Option<Query> {
        let with = if self.kw() == Keyword::WITH {
            Some(self.with()?)
        } else {
            None
        };
        if self.kw() != Keyword::SELECT {
            return None;
        }
        let body = self.unions()?;
        let order_by = self.order_by()?;
        let limit_clause = self.limit()?;
        // What may follow a query here: the end, or the `)` around it.
        if !matches!(self.peek(), Token::EOF | Token::SemiColon | Token::RParen) {
            return None;
        }
        Some(Query {
            with,
            body: Box::new(body),
            order_by,
            limit_clause,
            fetch: None,
            locks: vec![],
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: vec![],
        })
    }

    /// `WITH name AS (query), ...`.
    fn with(&mut self) -> Option<With> {
        let with_token = self.next()?.clone();
        let cte_tables = self.comma_list(|p| {
            let name = p.plain_ident()?;
            p.expect_kw(Keyword::AS)?;
            p.expect(&Token::LParen)?;
            let query = p.query()?;
            let closing = p.expect(&Token::RParen)?.clone();
            Some(Cte {
                alias: TableAlias {
                    explicit: false,
                    name,
                    columns: vec![],
                    at: None,
                },
                query: Box::new(query),
                from: None,
                materialized: None,
                closing_paren_token: closing.into(),
            })
        })?;
        Some(With {
            with_token: with_token.into(),
            recursive: false,
            cte_tables,
        })
    }

    /// A select, then `UNION [ALL]` of further selects, left to right.
    fn unions(&mut self) -> Option<SetExpr> {
        let mut body = SetExpr::Select(Box::new(self.select()?));
        while self.kw() == Keyword::UNION {
            let set_quantifier = match self.kw_at(1) {
                Keyword::ALL => SetQuantifier::All,
                Keyword::SELECT => SetQuantifier::None,
                _ => return None,
            };
            self.i += if set_quantifier == SetQuantifier::All { 2 } else { 1 };
            if self.kw() != Keyword::SELECT {
                return None;
            }
            let right = self.select()?;
            body = SetExpr::SetOperation {
                left: Box::new(body),
                op: SetOperator::Union,
                set_quantifier,
                right: Box::new(SetExpr::Select(Box::new(right))),
            };
        }
        Some(body)
    }

    /// A query's `ORDER BY` when it comes next: Some(None) when it does not, None when it
    /// cannot be read.
    fn order_by(&mut self) -> Option<Option<OrderBy>> {
        if !(self.kw() == Keyword::ORDER && self.kw_at(1) == Keyword::BY) {
            return Some(None);
        }
        self.i += 2;
        Some(Some(OrderBy {
            kind: OrderByKind::Expressions(self.order_by_exprs()?),
            interpolate: None,
        }))
    }

    /// A query's `LIMIT n` when it comes next, as `order_by`.
    fn limit(&mut self) -> Option<Option<LimitClause>> {
        if !self.eat_kw(Keyword::LIMIT) {
            return Some(None);
        }
        let limit = self.literal()?;
        Some(Some(LimitClause::LimitOffset {
            limit: Some(limit),
            offset: None,
            limit_by: vec![],
        }))
    }

    /// Items read by `item`, separated by commas: at least one.
    fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = vec![];
        loop {
            items.push(item(self)?);
            if !self.eat(&Token::Comma) {
                return Some(items);
            }
        }
    }

    /// Expressions separated by commas.
    fn exprs(&mut self) -> Option<Vec<Expr>> {
        self.comma_list(|p| p.expr(0))
    }

    /// The expression after `kw` (`WHERE`, `HAVING`...) when `kw` comes next: Some(None) when
    /// it does not, None when the expression cannot be read.
    fn clause(&mut self, kw: Keyword) -> Option<Option<Expr>> {
        if self.eat_kw(kw) {
            self.expr(0).map(Some)
        } else {
            Some(None)
        }
    }

    /// The expressions after `ORDER BY`, each with an optional `ASC` or `DESC`.
    fn order_by_exprs(&mut self) -> Option<Vec<OrderByExpr>> {
        self.comma_list(|p| {
            let expr = p.expr(0)?;
            let sort = match p.kw() {
                Keyword::ASC => Some(OrderBySort::Asc),
                Keyword::DESC => Some(OrderBySort::Desc),
                _ => None,
            };
            if sort.is_some() {
                p.i += 1;
            }
            Some(OrderByExpr {
                expr,
                options: OrderByOptions {
                    sort,
                    nulls_first: None,
                },
                with_fill: None,
            })
        })
    }

    fn select(&mut self) -> Option<Select> {
        let select_token = self.next()?.clone();
        let distinct = if self.kw() == Keyword::DISTINCT {
            if self.kw_at(1) == Keyword::ON {
                return None;
            }
            self.i += 1;
            Some(Distinct::Distinct)
        } else {
            None
        };
        let projection = self.comma_list(Self::select_item)?;
        let from = if self.eat_kw(Keyword::FROM) {
            self.comma_list(Self::table_with_joins)?
        } else {
            vec![]
        };
        let selection = self.clause(Keyword::WHERE)?;
        let mut group_by = vec![];
        if self.kw() == Keyword::GROUP && self.kw_at(1) == Keyword::BY {
            self.i += 2;
            if self.kw() == Keyword::ALL {
                return None;
            }
            group_by = self.exprs()?;
        }
        let having = self.clause(Keyword::HAVING)?;
        let qualify = self.clause(Keyword::QUALIFY)?;
        // Anything but the clauses a query may still have (WINDOW, another set operation...).
        let ends = match self.peek() {
            Token::EOF | Token::SemiColon | Token::RParen => true,
            Token::Word(w) => matches!(w.keyword, Keyword::ORDER | Keyword::LIMIT | Keyword::UNION),
            _ => false,
        };
        if !ends {
            return None;
        }
        Some(Select {
            select_token: select_token.into(),
            optimizer_hints: vec![],
            distinct,
            select_modifiers: None,
            top: None,
            top_before_distinct: false,
            projection,
            exclude: None,
            into: None,
            from,
            lateral_views: vec![],
            prewhere: None,
            selection,
            connect_by: vec![],
            group_by: GroupByExpr::Expressions(group_by, vec![]),
            cluster_by: vec![],
            distribute_by: vec![],
            sort_by: vec![],
            having,
            named_window: vec![],
            qualify,
            window_before_qualify: false,
            value_table_mode: None,
            flavor: SelectFlavor::Standard,
        })
    }

    fn select_item(&mut self) -> Option<SelectItem> {
        // `*` and `name.*`, with none of the options that may follow them.
        let after_star = |p: &P| matches!(p.nth(1), Token::Comma) || p.kw_at(1) == Keyword::FROM;
        if self.peek() == &Token::Mul {
            if !after_star(self) {
                return None;
            }
            let star = self.next()?.clone();
            return Some(SelectItem::Wildcard(wildcard(star)));
        }
        if let Token::Word(w) = self.peek()
            && self.nth(1) == &Token::Period
            && self.nth(2) == &Token::Mul
            && self.is_plain(w)
        {
            self.i += 2;
            if !after_star(self) {
                return None;
            }
            let name = ident(w, &self.t[self.i - 2]);
            let star = self.next()?.clone();
            return Some(SelectItem::QualifiedWildcard(
                SelectItemQualifiedWildcardKind::ObjectName(ObjectName(vec![ObjectNamePart::Identifier(name)])),
                wildcard(star),
            ));
        }
        let expr = self.expr(0)?;
        if self.eat_kw(Keyword::AS) {
            let t = self.next()?;
            let Token::Word(w) = &t.token else {
                return None;
            };
            if !names(w) {
                return None;
            }
            return Some(SelectItem::ExprWithAlias {
                expr,
                alias: ident(w, t),
            });
        }
        // An alias without AS is left to sqlparser.
        match self.peek() {
            Token::Comma | Token::EOF | Token::SemiColon | Token::RParen => Some(SelectItem::UnnamedExpr(expr)),
            Token::Word(w) if w.keyword == Keyword::FROM => Some(SelectItem::UnnamedExpr(expr)),
            _ => None,
        }
    }

    fn table_with_joins(&mut self) -> Option<TableWithJoins> {
        let relation = self.table()?;
        let mut joins = vec![];
        loop {
            let (skip, kind) = match (self.kw(), self.kw_at(1), self.kw_at(2)) {
                (Keyword::JOIN, ..) => (1, 0),
                (Keyword::INNER, Keyword::JOIN, _) => (2, 1),
                (Keyword::LEFT, Keyword::JOIN, _) => (2, 2),
                (Keyword::LEFT, Keyword::OUTER, Keyword::JOIN) => (3, 3),
                (Keyword::RIGHT, Keyword::JOIN, _) => (2, 4),
                (Keyword::RIGHT, Keyword::OUTER, Keyword::JOIN) => (3, 5),
                (Keyword::FULL, Keyword::JOIN, _) | (Keyword::FULL, Keyword::OUTER, Keyword::JOIN) => {
                    (if self.kw_at(1) == Keyword::OUTER { 3 } else { 2 }, 6)
                }
                _ => break,
            };
            self.i += skip;
            let relation = self.table()?;
            self.expect_kw(Keyword::ON)?;
            let on = JoinConstraint::On(self.expr(0)?);
            let join_operator = match kind {
                0 => JoinOperator::Join(on),
                1 => JoinOperator::Inner(on),
                2 => JoinOperator::Left(on),
                3 => JoinOperator::LeftOuter(on),
                4 => JoinOperator::Right(on),
                5 => JoinOperator::RightOuter(on),
                _ => JoinOperator::FullOuter(on),
            };
            joins.push(Join {
                relation,
                global: false,
                join_operator,
            });
        }
        Some(TableWithJoins { relation, joins })
    }

    /// A table or view by name, with an optional alias.
    fn table(&mut self) -> Option<TableFactor> {
        let t = self.next()?;
        let Token::Word(w) = &t.token else {
            return None;
        };
        if !may_name_a_table(w) {
            return None;
        }
        let mut parts = vec![ObjectNamePart::Identifier(ident(w, t))];
        while self.peek() == &Token::Period {
            self.i += 1;
            let t = self.next()?;
            let Token::Word(w) = &t.token else {
                return None;
            };
            parts.push(ObjectNamePart::Identifier(ident(w, t)));
        }
        let alias = self.table_alias()?;
        // What may follow a table here; anything else (a sample, time travel, `(`...) is left
        // to sqlparser.
        let follows = match self.peek() {
            Token::EOF | Token::SemiColon | Token::RParen | Token::Comma => true,
            Token::Word(w) => AFTER_A_TABLE.contains(&w.keyword),
            _ => false,
        };
        if !follows {
            return None;
        }
        Some(named_table(ObjectName(parts), alias))
    }

    /// A table's alias, `AS name` or a bare word: Some(None) when none comes next, None when
    /// what follows AS cannot be one.
    fn table_alias(&mut self) -> Option<Option<TableAlias>> {
        let (explicit, name) = match self.peek() {
            Token::Word(a) if a.keyword == Keyword::AS => {
                let t = self.t.get(self.i + 1)?;
                let Token::Word(w) = &t.token else {
                    return None;
                };
                if !names(w) {
                    return None;
                }
                self.i += 2;
                (true, ident(w, t))
            }
            Token::Word(a) if a.keyword == Keyword::NoKeyword => {
                let t = self.next()?;
                (false, ident(a, t))
            }
            _ => return Some(None),
        };
        Some(Some(TableAlias {
            explicit,
            name,
            columns: vec![],
            at: None,
        }))
    }

    /// An unquoted plain word as a name (a CTE's).
    fn plain_ident(&mut self) -> Option<Ident> {
        let t = self.next()?;
        match &t.token {
            Token::Word(w) if self.is_plain(w) => Some(ident(w, t)),
            _ => None,
        }
    }

    /// An unquoted word sqlparser reads in an expression as a name or a function, like any
    /// other word.
    fn is_plain(&self, w: &Word) -> bool {
        w.quote_style.is_none() && names(w) && !w.value.eq_ignore_ascii_case("xml")
    }

    fn expr(&mut self, precedence: u8) -> Option<Expr> {
        self.enter()?;
        let e = self.expr_inner(precedence);
        self.leave();
        e
    }

    fn expr_inner(&mut self, precedence: u8) -> Option<Expr> {
        let mut expr = self.prefix()?;
        loop {
            let next = self.next_precedence()?;
            if precedence >= next {
                return Some(expr);
            }
            expr = self.infix(expr, next)?;
        }
    }

    /// The precedence of the token after an expression: an operator's, 0 for a token that
    /// surely ends it, None for anything else.
    fn next_precedence(&self) -> Option<u8> {
        Some(match self.peek() {
            Token::EOF | Token::Comma | Token::RParen | Token::SemiColon => 0,
            Token::Eq | Token::Neq | Token::Lt | Token::Gt | Token::LtEq | Token::GtEq => EQ,
            Token::Plus | Token::Minus => PLUS_MINUS,
            Token::Mul | Token::Div | Token::Mod | Token::StringConcat => MUL_DIV_MOD,
            Token::DoubleColon => DOUBLE_COLON,
            Token::Word(w) => match w.keyword {
                Keyword::OR => OR,
                Keyword::AND => AND,
                Keyword::IS => IS,
                Keyword::IN | Keyword::BETWEEN => BETWEEN,
                Keyword::LIKE | Keyword::ILIKE => LIKE,
                Keyword::NOT => match self.kw_at(1) {
                    Keyword::IN | Keyword::BETWEEN => BETWEEN,
                    Keyword::LIKE | Keyword::ILIKE => LIKE,
                    _ => return None,
                },
                k if AFTER_A_TABLE.contains(&k)
                    || matches!(
                        k,
                        Keyword::AS
                            | Keyword::FROM
                            | Keyword::ASC
                            | Keyword::DESC
                            | Keyword::WHEN
                            | Keyword::THEN
                            | Keyword::ELSE
                            | Keyword::END
                    ) =>
                {
                    0
                }
                _ => return None,
            },
            _ => return None,
        })
    }

    fn infix(&mut self, expr: Expr, precedence: u8) -> Option<Expr> {
        let t = self.next()?;
        let op = match &t.token {
            Token::DoubleColon => {
                return Some(Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: Box::new(expr),
                    data_type: self.data_type()?,
                    format: None,
                });
            }
            Token::Word(w) if w.keyword == Keyword::IS => return self.is_null(expr),
            Token::Word(w) if !matches!(w.keyword, Keyword::OR | Keyword::AND) => {
                return self.word_infix(expr, w.keyword);
            }
            token => binary_operator(token)?,
        };
        // `= ANY (...)` and the like are left to sqlparser.
        if matches!(self.kw(), Keyword::ANY | Keyword::ALL | Keyword::SOME) {
            return None;
        }
        let right = self.expr(precedence)?;
        Some(Expr::BinaryOp {
            left: Box::new(expr),
            op,
            right: Box::new(right),
        })
    }

    /// `expr IS [NOT] NULL`, after IS.
    fn is_null(&mut self, expr: Expr) -> Option<Expr> {
        let negated = self.eat_kw(Keyword::NOT);
        self.expect_kw(Keyword::NULL)?;
        Some(if negated {
            Expr::IsNotNull(Box::new(expr))
        } else {
            Expr::IsNull(Box::new(expr))
        })
    }

    /// `[NOT] IN`, `[NOT] BETWEEN`, `[NOT] LIKE` and `[NOT] ILIKE`, after `word` (NOT or the
    /// operator's keyword).
    fn word_infix(&mut self, expr: Expr, word: Keyword) -> Option<Expr> {
        let negated = word == Keyword::NOT;
        // After NOT, the word that says what is negated (next_precedence saw it).
        let kw = if negated { self.kw() } else { word };
        if negated {
            self.i += 1;
        }
        match kw {
            Keyword::IN => self.in_list(expr, negated),
            Keyword::BETWEEN => {
                let low = self.expr(BETWEEN)?;
                self.expect_kw(Keyword::AND)?;
                let high = self.expr(BETWEEN)?;
                Some(Expr::Between {
                    expr: Box::new(expr),
                    negated,
                    low: Box::new(low),
                    high: Box::new(high),
                })
            }
            Keyword::LIKE | Keyword::ILIKE => self.like(expr, negated, kw == Keyword::LIKE),
            _ => None,
        }
    }

    /// `expr [NOT] IN (list)`, after IN; a subquery is left to sqlparser.
    fn in_list(&mut self, expr: Expr, negated: bool) -> Option<Expr> {
        self.expect(&Token::LParen)?;
        if matches!(self.kw(), Keyword::SELECT | Keyword::WITH) || self.peek() == &Token::RParen {
            return None;
        }
        let list = self.exprs()?;
        self.expect(&Token::RParen)?;
        Some(Expr::In {
            expr: Box::new(expr),
            target: InTarget::List(list),
            negated,
            global: false,
        })
    }

    /// `expr [NOT] LIKE pattern` (or ILIKE), after the keyword; `ANY`, `ALL`, `SOME` and
    /// `ESCAPE` are left to sqlparser.
    fn like(&mut self, expr: Expr, negated: bool, case_sensitive: bool) -> Option<Expr> {
        if matches!(self.kw(), Keyword::ANY | Keyword::ALL | Keyword::SOME) {
            return None;
        }
        let pattern = Box::new(self.expr(LIKE)?);
        if self.kw() == Keyword::ESCAPE {
            return None;
        }
        let expr = Box::new(expr);
        Some(if case_sensitive {
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            }
        } else {
            Expr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            }
        })
    }

    /// A number or string literal.
    fn literal(&mut self) -> Option<Expr> {
        let t = self.next()?;
        let value = match &t.token {
            Token::Number(n, long) => Value::Number(n.clone(), *long),
            Token::SingleQuotedString(s) => Value::SingleQuotedString(s.clone()),
            _ => return None,
        };
        Some(Expr::Value(ValueWithSpan { value, span: t.span }))
    }

    fn prefix(&mut self) -> Option<Expr> {
        let t = self.t.get(self.i)?;
        match &t.token {
            Token::Number(..) | Token::SingleQuotedString(_) => self.literal(),
            Token::LParen => {
                if matches!(self.kw_at(1), Keyword::SELECT | Keyword::WITH) {
                    return None;
                }
                self.i += 1;
                let inner = self.expr(0)?;
                self.expect(&Token::RParen)?;
                Some(Expr::Nested(Box::new(inner)))
            }
            Token::Minus | Token::Plus => {
                let op = if t.token == Token::Plus {
                    UnaryOperator::Plus
                } else {
                    UnaryOperator::Minus
                };
                self.i += 1;
                let expr = Box::new(self.expr(MUL_DIV_MOD)?);
                Some(Expr::UnaryOp { op, expr })
            }
            Token::Word(w) if w.quote_style.is_none() && w.keyword != Keyword::NoKeyword => match w.keyword {
                Keyword::NULL | Keyword::TRUE | Keyword::FALSE => {
                    self.i += 1;
                    let value = match w.keyword {
                        Keyword::NULL => Value::Null,
                        k => Value::Boolean(k == Keyword::TRUE),
                    };
                    Some(Expr::Value(ValueWithSpan { value, span: t.span }))
                }
                Keyword::NOT => {
                    if self.kw_at(1) == Keyword::EXISTS {
                        return None;
                    }
                    self.i += 1;
                    let expr = Box::new(self.expr(UNARY_NOT)?);
                    Some(Expr::UnaryOp {
                        op: UnaryOperator::Not,
                        expr,
                    })
                }
                Keyword::CASE => self.case(),
                Keyword::CAST if self.nth(1) == &Token::LParen => self.cast(),
                Keyword::TRIM => self.trim(),
                _ if self.is_plain(w) => self.name(w),
                _ => None,
            },
            Token::Word(w) if w.quote_style.is_none() => self.name(w),
            _ => None,
        }
    }

    /// A column name (`a`, `t.a`, `s.t.a`) or a function call (`f(...)`), starting with `w`.
    fn name(&mut self, w: &'a Word) -> Option<Expr> {
        if self.is_plain(w) && self.nth(1) == &Token::LParen {
            return self.function(w);
        }
        // The name, with any `.part` after it.
        let mut parts = vec![ident(w, &self.t[self.i])];
        let mut n = 1;
        while self.nth(n) == &Token::Period
            && let Token::Word(part) = self.nth(n + 1)
        {
            parts.push(ident(part, &self.t[self.i + n + 1]));
            n += 2;
        }
        if !ends_a_name(self.nth(n)) {
            return None;
        }
        self.i += n;
        Some(match parts.len() {
            1 => Expr::Identifier(parts.remove(0)),
            _ => Expr::CompoundIdentifier(parts),
        })
    }

    fn function(&mut self, w: &'a Word) -> Option<Expr> {
        // Not `name(+)` (an outer join's mark).
        if self.nth(2) == &Token::Plus {
            return None;
        }
        let name = ObjectName(vec![ObjectNamePart::Identifier(ident(w, &self.t[self.i]))]);
        self.i += 2;
        let mut duplicate_treatment = None;
        let mut args = vec![];
        if self.peek() == &Token::Mul && self.nth(1) == &Token::RParen {
            self.i += 1;
            args.push(FunctionArg::Unnamed(FunctionArgExpr::Wildcard));
        } else if self.peek() != &Token::RParen {
            if self.kw() == Keyword::DISTINCT {
                self.i += 1;
                duplicate_treatment = Some(DuplicateTreatment::Distinct);
            }
            args = self.comma_list(|p| Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(p.expr(0)?))))?;
        }
        self.expect(&Token::RParen)?;
        // `OVER (PARTITION BY .. ORDER BY ..)`, without a frame or a window's name.
        let over = if self.kw() == Keyword::OVER && self.nth(1) == &Token::LParen {
            self.i += 2;
            let mut partition_by = vec![];
            if self.kw() == Keyword::PARTITION && self.kw_at(1) == Keyword::BY {
                self.i += 2;
                partition_by = self.exprs()?;
            }
            let mut order_by = vec![];
            if self.kw() == Keyword::ORDER && self.kw_at(1) == Keyword::BY {
                self.i += 2;
                order_by = self.order_by_exprs()?;
            }
            self.expect(&Token::RParen)?;
            Some(WindowType::WindowSpec(WindowSpec {
                window_name: None,
                partition_by,
                order_by,
                window_frame: None,
            }))
        } else {
            None
        };
        Some(Expr::Function(Function {
            name,
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment,
                args,
                clauses: vec![],
            }),
            filter: None,
            null_treatment: None,
            over,
            within_group: vec![],
        }))
    }

    /// `CAST(x AS type)`.
    fn cast(&mut self) -> Option<Expr> {
        self.i += 2;
        let expr = self.expr(0)?;
        self.expect_kw(Keyword::AS)?;
        let data_type = self.data_type()?;
        self.expect(&Token::RParen)?;
        Some(Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(expr),
            data_type,
            format: None,
        })
    }

    /// One of the common types, named by one word with no length, precision or time zone.
    fn data_type(&mut self) -> Option<DataType> {
        let t = self.next()?;
        let Token::Word(w) = &t.token else {
            return None;
        };
        if w.quote_style.is_some() {
            return None;
        }
        let data_type = match w.keyword {
            Keyword::VARCHAR => DataType::Varchar(None),
            Keyword::TEXT => DataType::Text,
            Keyword::INT => DataType::Int(None),
            Keyword::INTEGER => DataType::Integer(None),
            Keyword::BIGINT => DataType::BigInt(None),
            Keyword::SMALLINT => DataType::SmallInt(None),
            Keyword::DATE => DataType::Date,
            Keyword::BOOLEAN => DataType::Boolean,
            Keyword::DOUBLE => DataType::Double(ExactNumberInfo::None),
            Keyword::FLOAT => DataType::Float(ExactNumberInfo::None),
            Keyword::TIMESTAMP => DataType::Timestamp(None, TimezoneInfo::None),
            _ => return None,
        };
        // What may follow the type: not `(`, `[`, a time zone, `PRECISION`...
        match self.peek() {
            Token::RParen | Token::Comma | Token::EOF | Token::SemiColon => Some(data_type),
            Token::Word(w) if w.keyword == Keyword::AS || w.keyword == Keyword::FROM => Some(data_type),
            _ => self.next_precedence().map(|_| data_type),
        }
    }

    /// `trim(x)`, without the forms that name what to trim.
    fn trim(&mut self) -> Option<Expr> {
        self.i += 1;
        self.expect(&Token::LParen)?;
        if matches!(
            self.kw(),
            Keyword::BOTH | Keyword::LEADING | Keyword::TRAILING | Keyword::FROM
        ) {
            return None;
        }
        let expr = self.expr(0)?;
        self.expect(&Token::RParen)?;
        Some(Expr::Trim {
            expr: Box::new(expr),
            trim_where: None,
            trim_what: None,
            trim_characters: None,
        })
    }

    fn case(&mut self) -> Option<Expr> {
        let case_token = self.next()?.clone();
        let operand = if self.kw() == Keyword::WHEN {
            None
        } else {
            Some(Box::new(self.expr(0)?))
        };
        self.expect_kw(Keyword::WHEN)?;
        let mut conditions = vec![];
        loop {
            let condition = self.expr(0)?;
            self.expect_kw(Keyword::THEN)?;
            let result = self.expr(0)?;
            conditions.push(CaseWhen { condition, result });
            if !self.eat_kw(Keyword::WHEN) {
                break;
            }
        }
        let else_result = if self.eat_kw(Keyword::ELSE) {
            Some(Box::new(self.expr(0)?))
        } else {
            None
        };
        let end_token = self.expect_kw(Keyword::END)?.clone();
        Some(Expr::Case {
            case_token: case_token.into(),
            end_token: end_token.into(),
            operand,
            conditions,
            else_result,
        })
    }
}

/// Whether a word may be a name where the parser reads one: quoted, not a keyword, or a
/// keyword sqlparser reads like any other word.
fn names(w: &Word) -> bool {
    w.quote_style.is_some() || w.keyword == Keyword::NoKeyword || !NOT_PLAIN.contains(&w.keyword)
}

fn ident(w: &Word, t: &TokenWithSpan) -> Ident {
    Ident {
        value: w.value.clone(),
        quote_style: w.quote_style,
        span: t.span,
    }
}

fn wildcard(star: TokenWithSpan) -> WildcardAdditionalOptions {
    WildcardAdditionalOptions {
        wildcard_token: star.into(),
        opt_ilike: None,
        opt_exclude: None,
        opt_except: None,
        opt_replace: None,
        opt_rename: None,
        opt_alias: None,
    }
}

/// The operator a symbol, `OR` or `AND` stands for between two expressions.
#[inline]
fn binary_operator(token: &Token) -> Option<BinaryOperator> {
    Some(match token {
        Token::Eq => BinaryOperator::Eq,
        Token::Neq => BinaryOperator::NotEq,
        Token::Lt => BinaryOperator::Lt,
        Token::Gt => BinaryOperator::Gt,
        Token::LtEq => BinaryOperator::LtEq,
        Token::GtEq => BinaryOperator::GtEq,
        Token::Plus => BinaryOperator::Plus,
        Token::Minus => BinaryOperator::Minus,
        Token::Mul => BinaryOperator::Multiply,
        Token::Div => BinaryOperator::Divide,
        Token::Mod => BinaryOperator::Modulo,
        Token::StringConcat => BinaryOperator::StringConcat,
        Token::Word(w) if w.keyword == Keyword::OR => BinaryOperator::Or,
        Token::Word(w) if w.keyword == Keyword::AND => BinaryOperator::And,
        _ => return None,
    })
}

/// Whether a word may start a table's name in FROM: not a keyword that starts another kind of
/// table factor or cannot name a table.
fn may_name_a_table(w: &Word) -> bool {
    names(w)
        && (w.quote_style.is_some()
            || !(RESERVED_FOR_TABLE_ALIAS.contains(&w.keyword)
                || RESERVED_FOR_COLUMN_ALIAS.contains(&w.keyword)
                || matches!(
                    w.keyword,
                    Keyword::LATERAL
                        | Keyword::TABLE
                        | Keyword::VALUES
                        | Keyword::UNNEST
                        | Keyword::PIVOT
                        | Keyword::UNPIVOT
                        | Keyword::JSON_TABLE
                        | Keyword::OPENJSON
                        | Keyword::XMLTABLE
                        | Keyword::SEMANTIC_VIEW
                        | Keyword::ONLY
                )))
}

/// A table read by name, as sqlparser gives it.
fn named_table(name: ObjectName, alias: Option<TableAlias>) -> TableFactor {
    TableFactor::Table {
        name,
        alias,
        args: None,
        with_hints: vec![],
        version: None,
        with_ordinality: false,
        partitions: vec![],
        json_path: None,
        sample: None,
        index_directives: vec![],
        inheritance: None,
    }
}
