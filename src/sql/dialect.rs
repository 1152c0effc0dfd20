//! The dialect the SQL check parses with: DuckDB's or Snowflake's, with one shortcut.
//!
//! Before every expression that starts with a word, sqlparser first tries to read a typed string
//! (`DATE '2024-01-01'`): it parses the word as a data type and, for a plain column or function
//! name, fails and formats an error message it then throws away. On a 10,000-model project that
//! was a tenth of a cold compile's CPU. `Fast` answers the two commonest cases directly, exactly
//! as sqlparser would after its failed attempt:
//! - an unquoted plain word (not a keyword, or one of `PLAIN_KEYWORDS`) followed by `(`: a
//!   function call (`parse_function`);
//! - an unquoted plain word, alone or as the head of a dotted name, followed by a token
//!   that cannot continue a type or a typed string (`,` `)` an operator, a word...): a column or
//!   table name (`Expr::Identifier`, the rest of a dotted name left to the caller as before).
//!
//! Anything else goes the usual way. Every other `Dialect` method answers as the wrapped
//! dialect does: those DuckDB's or Snowflake's own dialect defines are passed on below, the
//! rest are the trait's defaults in both, and `dialect()` names the wrapped type so that
//! sqlparser's per-dialect checks see no difference. `tests/sql_tokens.rs` checks that both give
//! the same statements and errors on its whole corpus (the sample project, testdata, a generated
//! project, tricky snippets and thousands of mutations of them).

use std::any::TypeId;
use std::cell::Cell;

use sqlparser::ast::{ColumnOption, Expr, Ident, ObjectName, ObjectNamePart, Statement};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// A dialect with the shortcut above.
#[derive(Debug)]
pub struct Fast<D>(pub D);

thread_local! {
    /// How many more expressions the parse under way on this thread may start (`WorkBudget`).
    static PREFIX_BUDGET: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// A bound on the work of one parse with `Fast`, counted in expressions started: sqlparser
/// tries another reading when one fails, and some failures nest (`s.f(s.f(s.f(... = = 1)))`
/// fails at every level, and every level is read twice), so an invalid statement could take
/// time exponential in its nesting. Past the budget the parse stops with
/// `RecursionLimitExceeded`, which sqlparser passes through its retries and the check reads
/// as "too complex to check" (silent: the warehouse has the last word). Set for the parse
/// under way; dropped, the bound is lifted.
pub(crate) struct WorkBudget;

impl WorkBudget {
    /// Expressions a parse may start for each byte of SQL, and in any case.
    const PER_BYTE: usize = 16;
    const BASE: usize = 20_000;

    pub(crate) fn for_sql(sql: &str) -> WorkBudget {
        PREFIX_BUDGET.set(Self::BASE.saturating_add(sql.len().saturating_mul(Self::PER_BYTE)));
        WorkBudget
    }
}

impl Drop for WorkBudget {
    fn drop(&mut self) {
        PREFIX_BUDGET.set(usize::MAX);
    }
}

/// Whether a token after a name (or dotted name) means sqlparser's typed-string attempt fails
/// and the name is read as a plain identifier: nothing that continues a type (`(`, `[`, `.`) or
/// starts a literal the type could apply to.
pub(crate) fn ends_a_name(token: &Token) -> bool {
    matches!(
        token,
        Token::EOF
            | Token::Comma
            | Token::RParen
            | Token::SemiColon
            | Token::Eq
            | Token::DoubleEq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq
            | Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::Mod
            | Token::StringConcat
            | Token::DoubleColon
    ) || matches!(token, Token::Word(w) if !matches!(w.keyword, Keyword::ARRAY | Keyword::ZEROFILL))
}

/// Whether the tokens ahead (`name (`, at the parser's position) read as a type with modifiers
/// and a string after it: `name(` then words, numbers, strings and commas, `)`, and a string.
fn typed_string_ahead(parser: &Parser) -> bool {
    let mut n = 2;
    loop {
        match &parser.peek_nth_token_ref(n).token {
            Token::Word(_) | Token::Number(..) | Token::SingleQuotedString(_) | Token::Comma => n += 1,
            Token::RParen => return matches!(parser.peek_nth_token_ref(n + 1).token, Token::SingleQuotedString(_)),
            _ => return false,
        }
    }
}

/// Keywords that sqlparser reads exactly like any other word in an expression: no data type,
/// no expression of their own (`CASE`, `CAST`, `TRIM`...). Commonly function or column names.
const PLAIN_KEYWORDS: &[Keyword] = &[
    Keyword::ABS,
    Keyword::AVG,
    Keyword::CATEGORY,
    Keyword::COALESCE,
    Keyword::COUNT,
    Keyword::DAY,
    Keyword::EVENT,
    Keyword::HOUR,
    Keyword::ID,
    Keyword::KEY,
    Keyword::LAG,
    Keyword::LEAD,
    Keyword::LEAST,
    Keyword::LOWER,
    Keyword::MAX,
    Keyword::MIN,
    Keyword::MONTH,
    Keyword::NAME,
    Keyword::NULLIF,
    Keyword::RANK,
    Keyword::REPLACE,
    Keyword::ROW_NUMBER,
    Keyword::SOURCE,
    Keyword::STATUS,
    Keyword::SUM,
    Keyword::UPPER,
    Keyword::VALUE,
    Keyword::YEAR,
];

impl<D: Dialect> Fast<D> {
    fn shortcut(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let first = parser.peek_token_ref();
        let Token::Word(w) = &first.token else {
            return None;
        };
        let plain = w.keyword == Keyword::NoKeyword || PLAIN_KEYWORDS.contains(&w.keyword);
        if !plain || w.quote_style.is_some() || w.value.eq_ignore_ascii_case("xml") {
            return None;
        }
        let ident = Ident {
            value: w.value.clone(),
            quote_style: None,
            span: first.span,
        };
        if parser.peek_nth_token_ref(1).token == Token::LParen {
            // `name(...)`; not `name()` (an empty type modifier list) nor `name(+)` (an outer
            // join), which take the usual way.
            if matches!(parser.peek_nth_token_ref(2).token, Token::RParen | Token::Plus) {
                return None;
            }
            let name = ObjectName::from(vec![ident]);
            return match parser.try_parse(|p| {
                p.advance_token();
                p.parse_function(name.clone())
            }) {
                Ok(expr) => Some(Ok(expr)),
                // A call that fails where a typed string could stand (`name(1, x) 'text'`) is
                // left to the usual way, which reads that first. Any other fails there too, with
                // this error: trying it again would not give the same one, as sqlparser
                // remembers where a list after IN failed to read as a query.
                Err(_) if typed_string_ahead(parser) => None,
                Err(e) => Some(Err(e)),
            };
        }
        // The name, with any `.part` after it (sqlparser reads a dotted type name whole).
        let mut n = 1;
        while parser.peek_nth_token_ref(n).token == Token::Period
            && matches!(parser.peek_nth_token_ref(n + 1).token, Token::Word(_))
        {
            n += 2;
        }
        let after = &parser.peek_nth_token_ref(n).token;
        // A word then `->` after the name is a typed lambda parameter (`x INT -> ...`).
        let lambda = n == 1 && matches!(after, Token::Word(_)) && parser.peek_nth_token_ref(2).token == Token::Arrow;
        if ends_a_name(after) && !lambda {
            parser.advance_token();
            return Some(Ok(Expr::Identifier(ident)));
        }
        None
    }
}

impl<D: Dialect> Dialect for Fast<D> {
    fn dialect(&self) -> TypeId {
        self.0.dialect()
    }

    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let left = PREFIX_BUDGET.get();
        if left == 0 {
            return Some(Err(ParserError::RecursionLimitExceeded));
        }
        PREFIX_BUDGET.set(left - 1);
        self.shortcut(parser)
    }

    fn allow_extract_custom(&self) -> bool {
        self.0.allow_extract_custom()
    }

    fn allow_extract_single_quotes(&self) -> bool {
        self.0.allow_extract_single_quotes()
    }

    fn describe_requires_table_keyword(&self) -> bool {
        self.0.describe_requires_table_keyword()
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        self.0.get_next_precedence(parser)
    }

    fn get_reserved_keywords_for_select_item_operator(&self) -> &[Keyword] {
        self.0.get_reserved_keywords_for_select_item_operator()
    }

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.0.identifier_quote_style(identifier)
    }

    fn is_column_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.0.is_column_alias(kw, parser)
    }

    fn is_identifier_generating_function_name(&self, ident: &Ident, name_parts: &[ObjectNamePart]) -> bool {
        self.0.is_identifier_generating_function_name(ident, name_parts)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        self.0.is_identifier_part(ch)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        self.0.is_identifier_start(ch)
    }

    fn is_reserved_for_identifier(&self, kw: Keyword) -> bool {
        self.0.is_reserved_for_identifier(kw)
    }

    fn is_table_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.0.is_table_alias(kw, parser)
    }

    fn is_table_factor(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.0.is_table_factor(kw, parser)
    }

    fn parse_column_option(
        &self,
        parser: &mut Parser,
    ) -> Result<Option<Result<Option<ColumnOption>, ParserError>>, ParserError> {
        self.0.parse_column_option(parser)
    }

    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        self.0.parse_statement(parser)
    }

    fn support_map_literal_syntax(&self) -> bool {
        self.0.support_map_literal_syntax()
    }

    fn supports_add_column_if_not_exists(&self) -> bool {
        self.0.supports_add_column_if_not_exists()
    }

    fn supports_aggregate_order_by_with_empty_args(&self) -> bool {
        self.0.supports_aggregate_order_by_with_empty_args()
    }

    fn supports_array_element_not_null(&self) -> bool {
        self.0.supports_array_element_not_null()
    }

    fn supports_array_typedef_with_brackets(&self) -> bool {
        self.0.supports_array_typedef_with_brackets()
    }

    fn supports_array_typedef_with_parentheses(&self) -> bool {
        self.0.supports_array_typedef_with_parentheses()
    }

    fn supports_array_typedef_without_element_type(&self) -> bool {
        self.0.supports_array_typedef_without_element_type()
    }

    fn supports_bitwise_shift_operators(&self) -> bool {
        self.0.supports_bitwise_shift_operators()
    }

    fn supports_comma_separated_drop_column_list(&self) -> bool {
        self.0.supports_comma_separated_drop_column_list()
    }

    fn supports_comma_separated_trim(&self) -> bool {
        self.0.supports_comma_separated_trim()
    }

    fn supports_comment_on(&self) -> bool {
        self.0.supports_comment_on()
    }

    fn supports_comparison_in_between_low_bound(&self) -> bool {
        self.0.supports_comparison_in_between_low_bound()
    }

    fn supports_connect_by(&self) -> bool {
        self.0.supports_connect_by()
    }

    fn supports_create_view_comment_syntax(&self) -> bool {
        self.0.supports_create_view_comment_syntax()
    }

    fn supports_cte_materialization(&self) -> bool {
        self.0.supports_cte_materialization()
    }

    fn supports_detach(&self) -> bool {
        self.0.supports_detach()
    }

    fn supports_dictionary_syntax(&self) -> bool {
        self.0.supports_dictionary_syntax()
    }

    fn supports_execute_immediate(&self) -> bool {
        self.0.supports_execute_immediate()
    }

    fn supports_explain_with_utility_options(&self) -> bool {
        self.0.supports_explain_with_utility_options()
    }

    fn supports_extract_comma_syntax(&self) -> bool {
        self.0.supports_extract_comma_syntax()
    }

    fn supports_filter_during_aggregation(&self) -> bool {
        self.0.supports_filter_during_aggregation()
    }

    fn supports_from_first_select(&self) -> bool {
        self.0.supports_from_first_select()
    }

    fn supports_from_trailing_commas(&self) -> bool {
        self.0.supports_from_trailing_commas()
    }

    fn supports_group_by_expr(&self) -> bool {
        self.0.supports_group_by_expr()
    }

    fn supports_hash_comment(&self) -> bool {
        self.0.supports_hash_comment()
    }

    fn supports_install(&self) -> bool {
        self.0.supports_install()
    }

    fn supports_lambda_functions(&self) -> bool {
        self.0.supports_lambda_functions()
    }

    fn supports_left_associative_joins_without_parens(&self) -> bool {
        self.0.supports_left_associative_joins_without_parens()
    }

    fn supports_load_extension(&self) -> bool {
        self.0.supports_load_extension()
    }

    fn supports_map_typedef_with_parentheses(&self) -> bool {
        self.0.supports_map_typedef_with_parentheses()
    }

    fn supports_map_value_not_null(&self) -> bool {
        self.0.supports_map_value_not_null()
    }

    fn supports_match_recognize(&self) -> bool {
        self.0.supports_match_recognize()
    }

    fn supports_named_fn_args_with_assignment_operator(&self) -> bool {
        self.0.supports_named_fn_args_with_assignment_operator()
    }

    fn supports_named_fn_args_with_eq_operator(&self) -> bool {
        self.0.supports_named_fn_args_with_eq_operator()
    }

    fn supports_nested_comments(&self) -> bool {
        self.0.supports_nested_comments()
    }

    fn supports_notnull_operator(&self) -> bool {
        self.0.supports_notnull_operator()
    }

    fn supports_numeric_literal_underscores(&self) -> bool {
        self.0.supports_numeric_literal_underscores()
    }

    fn supports_object_name_double_dot_notation(&self) -> bool {
        self.0.supports_object_name_double_dot_notation()
    }

    fn supports_order_by_all(&self) -> bool {
        self.0.supports_order_by_all()
    }

    fn supports_outer_join_operator(&self) -> bool {
        self.0.supports_outer_join_operator()
    }

    fn supports_parens_around_table_factor(&self) -> bool {
        self.0.supports_parens_around_table_factor()
    }

    fn supports_parenthesized_set_variables(&self) -> bool {
        self.0.supports_parenthesized_set_variables()
    }

    fn supports_partiql(&self) -> bool {
        self.0.supports_partiql()
    }

    fn supports_projection_trailing_commas(&self) -> bool {
        self.0.supports_projection_trailing_commas()
    }

    fn supports_select_expr_star(&self) -> bool {
        self.0.supports_select_expr_star()
    }

    fn supports_select_wildcard_exclude(&self) -> bool {
        self.0.supports_select_wildcard_exclude()
    }

    fn supports_select_wildcard_ilike(&self) -> bool {
        self.0.supports_select_wildcard_ilike()
    }

    fn supports_select_wildcard_rename(&self) -> bool {
        self.0.supports_select_wildcard_rename()
    }

    fn supports_select_wildcard_replace(&self) -> bool {
        self.0.supports_select_wildcard_replace()
    }

    fn supports_semantic_view_table_factor(&self) -> bool {
        self.0.supports_semantic_view_table_factor()
    }

    fn supports_show_like_before_in(&self) -> bool {
        self.0.supports_show_like_before_in()
    }

    fn supports_space_separated_column_options(&self) -> bool {
        self.0.supports_space_separated_column_options()
    }

    fn supports_stages(&self) -> bool {
        self.0.supports_stages()
    }

    fn supports_string_literal_backslash_escape(&self) -> bool {
        self.0.supports_string_literal_backslash_escape()
    }

    fn supports_string_literal_column_alias(&self, explicit: bool) -> bool {
        self.0.supports_string_literal_column_alias(explicit)
    }

    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        self.0.supports_string_literal_table_alias(explicit)
    }

    fn supports_subquery_as_function_arg(&self) -> bool {
        self.0.supports_subquery_as_function_arg()
    }

    fn supports_table_versioning(&self) -> bool {
        self.0.supports_table_versioning()
    }

    fn supports_tilde_like_match_operator(&self) -> bool {
        self.0.supports_tilde_like_match_operator()
    }

    fn supports_trailing_commas(&self) -> bool {
        self.0.supports_trailing_commas()
    }

    fn supports_values_as_table_factor(&self) -> bool {
        self.0.supports_values_as_table_factor()
    }

    fn supports_window_function_null_treatment_arg(&self) -> bool {
        self.0.supports_window_function_null_treatment_arg()
    }

    fn supports_within_after_array_aggregation(&self) -> bool {
        self.0.supports_within_after_array_aggregation()
    }
}
