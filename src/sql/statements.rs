//! Where a SQL text holds more than one statement: a model is one query, and a second
//! statement after a `;` (`select 1; drop table t`) would run with it.

use sqlparser::dialect::Dialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The 1-based line and column of the first token of a second statement, if `sql` holds one
/// (a `;` followed by anything but whitespace, comments and more `;`). None when the text is
/// one statement, or cannot be tokenized (the warehouse then has the last word).
pub fn second_statement(sql: &str, dialect: &dyn Dialect) -> Option<(usize, usize)> {
    let tokens = match super::tokens::tokenize(dialect, sql) {
        Some(t) => t,
        None => Tokenizer::new(dialect, sql)
            .with_unescape(false)
            .tokenize_with_location()
            .ok()?,
    };
    let mut after_semicolon = false;
    for t in &tokens {
        match &t.token {
            Token::SemiColon => after_semicolon = true,
            Token::Whitespace(_) | Token::EOF => {}
            _ if after_semicolon => {
                return Some((t.span.start.line as usize, t.span.start.column as usize));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::second_statement;
    use sqlparser::dialect::{DuckDbDialect, SnowflakeDialect};

    #[test]
    fn finds_a_second_statement_and_nothing_else() {
        let d = DuckDbDialect {};
        assert_eq!(second_statement("select 1 as x; drop table t", &d), Some((1, 16)));
        assert_eq!(second_statement("select 1\n;\n\n  delete from t", &d), Some((4, 3)));
        for one in [
            "select 1",
            "select 1;",
            "select 1 ; -- done\n",
            "select 1;;\n/* end */",
            "select ';' as semi, \"a;b\" from t",
            "select 1 -- ; drop table t",
        ] {
            assert_eq!(second_statement(one, &d), None, "{one}");
        }
        // Snowflake: backslash escapes in strings.
        let s = SnowflakeDialect {};
        assert_eq!(second_statement(r"select 'it\'s;' as a", &s), None);
        assert_eq!(second_statement(r"select 'it\'s' as a; select 2", &s), Some((1, 22)));
    }
}
