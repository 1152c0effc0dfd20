//! A fast tokenizer for the common subset of compiled SQL.
//!
//! It produces exactly the tokens, spans included, that sqlparser's own tokenizer produces for
//! DuckDB and Snowflake with unescaping off (how `parse` runs it). sqlparser's tokenizer builds
//! each word char by char and finds keywords by binary search; on a big project that is about
//! a third of the parse time. This one works on bytes, slices words and literals out of the
//! text and finds keywords in a hash table built once.
//!
//! It only handles what it is sure of. Anything else -- non-ASCII outside strings, quoted
//! identifiers and comments; `$`, `@`, `?`, `#`, `&`, `^`, `~`, `\`, backticks; prefixed
//! strings such as `E'..'`, `X'..'` or `N'..'`; numbers with an exponent, a suffix or `_`;
//! rare operators; control characters; unterminated strings or comments (tokenizer errors) --
//! makes [`tokenize`] return `None`, and the caller tokenizes that whole text with sqlparser.

use std::sync::OnceLock;

use sqlparser::dialect::{Dialect, DuckDbDialect, SnowflakeDialect};
use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, Keyword};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Whitespace, Word};

/// The dialects whose tokenizing rules this module knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flavor {
    /// Nested `/* */` comments, `//` is integer division.
    DuckDb,
    /// Backslash escapes in strings, `//` starts a comment.
    Snowflake,
}

/// The tokens sqlparser would produce for `sql` in `dialect`, or `None` when `sql` holds
/// anything this tokenizer does not handle exactly, or `dialect` is not DuckDB or Snowflake.
pub fn tokenize(dialect: &dyn Dialect, sql: &str) -> Option<Vec<TokenWithSpan>> {
    lex(dialect, sql, true)
}

/// The tokens sqlparser's parser needs: those of [`tokenize`] without whitespace and comments,
/// except one directly after a `:` (the only place where the parser looks at whitespace for
/// these dialects and this subset: `:name` is a placeholder, `: name` is not).
pub fn tokenize_for_parser(dialect: &dyn Dialect, sql: &str) -> Option<Vec<TokenWithSpan>> {
    lex(dialect, sql, false)
}

fn lex(dialect: &dyn Dialect, sql: &str, keep_whitespace: bool) -> Option<Vec<TokenWithSpan>> {
    let flavor = if dialect.is::<DuckDbDialect>() {
        Flavor::DuckDb
    } else if dialect.is::<SnowflakeDialect>() {
        Flavor::Snowflake
    } else {
        return None;
    };
    Lexer {
        src: sql,
        b: sql.as_bytes(),
        pos: 0,
        line: 1,
        col: 1,
        flavor,
    }
    .run(keep_whitespace)
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    /// sqlparser's location of `pos`: 1-based line, and column counted in characters.
    line: u64,
    col: u64,
    flavor: Flavor,
}

impl Lexer<'_> {
    fn run(mut self, keep_whitespace: bool) -> Option<Vec<TokenWithSpan>> {
        let mut out: Vec<TokenWithSpan> = Vec::with_capacity(self.b.len() / if keep_whitespace { 2 } else { 3 } + 4);
        let mut after_colon = false;
        while self.pos < self.b.len() {
            if !keep_whitespace && !after_colon && self.skip_blanks() {
                continue;
            }
            let start = Location::new(self.line, self.col);
            let token = self.next_token()?;
            let end = Location::new(self.line, self.col);
            if !keep_whitespace {
                let whitespace = matches!(token, Token::Whitespace(_));
                if whitespace && !after_colon {
                    continue;
                }
                after_colon = matches!(token, Token::Colon);
            }
            out.push(TokenWithSpan::new(token, Span::new(start, end)));
        }
        Some(out)
    }

    /// Step over spaces, tabs and line ends, one whitespace token at a time, without making the
    /// tokens; whether there were any.
    fn skip_blanks(&mut self) -> bool {
        let start = self.pos;
        while self.blank().is_some() {}
        self.pos > start
    }

    /// Step over one space, tab or line end (`\r\n` is one), as sqlparser counts it; None (and
    /// no step) when the next byte is none of those.
    fn blank(&mut self) -> Option<Whitespace> {
        match self.peek(0) {
            b' ' => {
                self.pos += 1;
                self.col += 1;
                Some(Whitespace::Space)
            }
            b'\t' => {
                self.pos += 1;
                self.col += 1;
                Some(Whitespace::Tab)
            }
            b'\n' => {
                self.pos += 1;
                self.line += 1;
                self.col = 1;
                Some(Whitespace::Newline)
            }
            b'\r' => {
                if self.peek(1) == b'\n' {
                    self.pos += 2;
                    self.line += 1;
                    self.col = 1;
                } else {
                    self.pos += 1;
                    self.col += 1;
                }
                Some(Whitespace::Newline)
            }
            _ => None,
        }
    }

    /// The byte `k` places ahead of `pos`, 0 past the end (no handled byte is 0).
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.pos + k).copied().unwrap_or(0)
    }

    /// Step over `n` ASCII bytes that are not line ends.
    fn ascii(&mut self, n: usize, token: Token) -> Option<Token> {
        self.pos += n;
        self.col += n as u64;
        Some(token)
    }

    /// Step to byte `end`, counting lines and characters on the way.
    fn advance_to(&mut self, end: usize) {
        for &c in &self.b[self.pos..end] {
            if c == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                self.col += 1;
            }
        }
        self.pos = end;
    }

    fn next_token(&mut self) -> Option<Token> {
        let c = self.b[self.pos];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => self.blank().map(Token::Whitespace),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(),
            b'0'..=b'9' | b'.' => self.number(),
            b'\'' => self.single_quoted(),
            b'"' => self.quoted_identifier(),
            b'(' => self.ascii(1, Token::LParen),
            b')' => self.ascii(1, Token::RParen),
            b',' => self.ascii(1, Token::Comma),
            b';' => self.ascii(1, Token::SemiColon),
            b'[' => self.ascii(1, Token::LBracket),
            b']' => self.ascii(1, Token::RBracket),
            b'{' => self.ascii(1, Token::LBrace),
            b'}' => self.ascii(1, Token::RBrace),
            b'+' => self.ascii(1, Token::Plus),
            b'*' => self.ascii(1, Token::Mul),
            b'%' => self.ascii(1, Token::Mod),
            b'=' => match self.peek(1) {
                b'>' => self.ascii(2, Token::RArrow),
                b'=' => self.ascii(2, Token::DoubleEq),
                _ => self.ascii(1, Token::Eq),
            },
            b':' => match self.peek(1) {
                b':' => self.ascii(2, Token::DoubleColon),
                b'=' => self.ascii(2, Token::Assignment),
                _ => self.ascii(1, Token::Colon),
            },
            b'!' => match self.peek(1) {
                b'=' => self.ascii(2, Token::Neq),
                _ => None,
            },
            b'<' => match (self.peek(1), self.peek(2)) {
                (b'=', b'>') => self.ascii(3, Token::Spaceship),
                (b'=', _) => self.ascii(2, Token::LtEq),
                (b'>', _) => self.ascii(2, Token::Neq),
                (b'<', _) => self.ascii(2, Token::ShiftLeft),
                (b'@', _) => None,
                _ => self.ascii(1, Token::Lt),
            },
            b'>' => match self.peek(1) {
                b'=' => self.ascii(2, Token::GtEq),
                b'>' => self.ascii(2, Token::ShiftRight),
                _ => self.ascii(1, Token::Gt),
            },
            b'|' => match (self.peek(1), self.peek(2)) {
                (b'/', _) | (b'|', b'/') => None,
                (b'|', _) => self.ascii(2, Token::StringConcat),
                _ => self.ascii(1, Token::Pipe),
            },
            b'-' => match (self.peek(1), self.peek(2)) {
                (b'-', _) => Some(self.line_comment("--")),
                (b'>', b'>') => self.ascii(3, Token::LongArrow),
                (b'>', _) => self.ascii(2, Token::Arrow),
                _ => self.ascii(1, Token::Minus),
            },
            b'/' => match self.peek(1) {
                b'*' => self.block_comment(),
                b'/' if self.flavor == Flavor::Snowflake => Some(self.line_comment("//")),
                b'/' => self.ascii(2, Token::DuckIntDiv),
                _ => self.ascii(1, Token::Div),
            },
            _ => None,
        }
    }

    /// An unquoted identifier or keyword of ASCII letters, digits and `_`.
    fn word(&mut self) -> Option<Token> {
        let start = self.pos;
        let mut end = start + 1;
        while end < self.b.len() && (self.b[end].is_ascii_alphanumeric() || self.b[end] == b'_') {
            end += 1;
        }
        // `N'..'`, `X'..'`, `E'..'` and the like are literals, not a word and a string.
        if self.b.get(end) == Some(&b'\'') {
            return None;
        }
        let bytes = &self.b[start..end];
        let word = Word {
            value: self.src[start..end].to_string(),
            quote_style: None,
            keyword: keyword(bytes),
        };
        self.ascii(end - start, Token::Word(word))
    }

    /// Digits with at most one `.`, or a lone `.` (a period).
    fn number(&mut self) -> Option<Token> {
        let b = self.b;
        let start = self.pos;
        // `._` is a field access after a word and an error otherwise.
        if b[start] == b'.' && self.peek(1) == b'_' {
            return None;
        }
        let digits = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let mut end = digits(start);
        // DuckDB's `1_000`, and its errors, are left to sqlparser.
        if b.get(end) == Some(&b'_') {
            return None;
        }
        if b.get(end) == Some(&b'.') {
            end = digits(end + 1);
        }
        if end - start == 1 && b[start] == b'.' {
            return self.ascii(1, Token::Period);
        }
        // An exponent, an `L` suffix, `0x..`, a separator, a word glued to the number.
        if let Some(&next) = b.get(end)
            && (next.is_ascii_alphanumeric() || next == b'_' || next == b'$')
        {
            return None;
        }
        let text = self.src[start..end].to_string();
        self.ascii(end - start, Token::Number(text, false))
    }

    /// `'...'`: the raw text between the quotes (`''` and, in Snowflake, backslash escapes
    /// kept as written).
    fn single_quoted(&mut self) -> Option<Token> {
        let value = self.quoted(b'\'', self.flavor == Flavor::Snowflake)?;
        Some(Token::SingleQuotedString(value))
    }

    /// The raw text from after the opening `quote` at the current position to the closing one
    /// (a doubled quote, and with `backslash` an escaped byte, kept as written), the position
    /// moved past the closing quote; None when it is not closed.
    fn quoted(&mut self, quote: u8, backslash: bool) -> Option<String> {
        let b = self.b;
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match *b.get(i)? {
                c if c == quote && b.get(i + 1) == Some(&quote) => i += 2,
                c if c == quote => break,
                b'\\' if backslash => {
                    if i + 1 >= b.len() {
                        return None;
                    }
                    // The escaped byte may start a multi-byte character; its continuation
                    // bytes are never a quote or a backslash, so stepping over them one by
                    // one below is the same.
                    i += 2;
                }
                _ => i += 1,
            }
        }
        let value = self.src.get(start..i)?.to_string();
        self.advance_to(i + 1);
        Some(value)
    }

    /// `"..."`: a quoted identifier, `""` kept as written.
    fn quoted_identifier(&mut self) -> Option<Token> {
        let value = self.quoted(b'"', false)?;
        Some(Token::Word(Word {
            value,
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        }))
    }

    /// A comment from `prefix` to the end of the line (the `\n` is not part of it).
    fn line_comment(&mut self, prefix: &str) -> Token {
        let start = self.pos + 2;
        let end = self.b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |n| start + n);
        let comment = self.src[start..end].to_string();
        self.advance_to(end);
        Token::Whitespace(Whitespace::SingleLineComment {
            comment,
            prefix: prefix.to_string(),
        })
    }

    /// `/* ... */`, nested in DuckDB. Unterminated is an error: left to sqlparser.
    fn block_comment(&mut self) -> Option<Token> {
        let b = self.b;
        let start = self.pos + 2;
        let nests = self.flavor == Flavor::DuckDb;
        let mut depth = 1;
        let mut i = start;
        let close = loop {
            match (*b.get(i)?, b.get(i + 1).copied().unwrap_or(0)) {
                (b'/', b'*') if nests => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    if depth == 0 {
                        break i;
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        };
        let comment = self.src.get(start..close)?.to_string();
        self.advance_to(close + 2);
        Some(Token::Whitespace(Whitespace::MultiLineComment(comment)))
    }
}

/// The keyword an unquoted ASCII word is (`NoKeyword` if none), as sqlparser decides it: the
/// word uppercased equals the keyword's text.
pub fn keyword(word: &[u8]) -> Keyword {
    let table = keyword_table();
    if word.len() > table.longest {
        return Keyword::NoKeyword;
    }
    let mut slot = (fnv_upper(word) as usize) & table.mask;
    loop {
        let at = table.slots[slot];
        if at == EMPTY {
            return Keyword::NoKeyword;
        }
        let text = ALL_KEYWORDS[at as usize].as_bytes();
        if text.len() == word.len() && text.iter().zip(word).all(|(k, w)| *k == w.to_ascii_uppercase()) {
            return ALL_KEYWORDS_INDEX[at as usize];
        }
        slot = (slot + 1) & table.mask;
    }
}

const EMPTY: u16 = u16::MAX;

/// Open addressing over the indexes of `ALL_KEYWORDS`, hashed by their uppercase text.
struct KeywordTable {
    slots: Vec<u16>,
    mask: usize,
    longest: usize,
}

fn keyword_table() -> &'static KeywordTable {
    static TABLE: OnceLock<KeywordTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let size = (ALL_KEYWORDS.len() * 4).next_power_of_two();
        let mask = size - 1;
        let mut slots = vec![EMPTY; size];
        for (i, text) in ALL_KEYWORDS.iter().enumerate() {
            let mut slot = (fnv_upper(text.as_bytes()) as usize) & mask;
            while slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            // sqlparser has fewer than 65,535 keywords; a test checks every one is found.
            slots[slot] = u16::try_from(i).unwrap_or(EMPTY);
        }
        let longest = ALL_KEYWORDS.iter().map(|k| k.len()).max().unwrap_or(0);
        KeywordTable { slots, mask, longest }
    })
}

/// FNV-1a of the ASCII-uppercased bytes.
fn fnv_upper(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in bytes {
        h ^= u64::from(c.to_ascii_uppercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::tokenizer::Tokenizer;

    fn theirs(dialect: &dyn Dialect, sql: &str) -> Vec<TokenWithSpan> {
        Tokenizer::new(dialect, sql)
            .with_unescape(false)
            .tokenize_with_location()
            .unwrap_or_default()
    }

    #[test]
    fn every_keyword_is_found_as_sqlparser_finds_it() {
        for text in ALL_KEYWORDS {
            for variant in [text.to_string(), text.to_ascii_lowercase(), format!("{text}X")] {
                let Token::Word(w) = Token::make_keyword(&variant) else {
                    panic!("{variant}")
                };
                assert_eq!(keyword(variant.as_bytes()), w.keyword, "{variant}");
            }
        }
        assert_eq!(keyword(b"select"), Keyword::SELECT);
        assert_eq!(keyword(b"no_such_word"), Keyword::NoKeyword);
    }

    #[test]
    fn simple_statements_match() {
        for sql in [
            "select a, b as \"B\"\"x\" from t where x <= 1.5 -- c\n  and y != 'it''s'",
            "select 1 /* a /* b */ c */ from t\r\nwhere v:a.b::int >= .5",
        ] {
            for d in [&DuckDbDialect {} as &dyn Dialect, &SnowflakeDialect {}] {
                assert_eq!(tokenize(d, sql), Some(theirs(d, sql)), "{sql}");
            }
        }
    }

    #[test]
    fn unhandled_text_falls_back() {
        for sql in [
            "select $1",
            "select x'00'",
            "select 1e3",
            "select 'open",
            "select @a",
            "select é",
        ] {
            assert_eq!(tokenize(&DuckDbDialect {}, sql), None, "{sql}");
        }
        assert_eq!(tokenize(&sqlparser::dialect::GenericDialect {}, "select 1"), None);
    }
}
