//! Digests and identifiers: MD5, SHA1, SHA2, HASH (refused), UUID_STRING.

use sqlparser::ast::{Expr, Function};

use super::Refusal;
use super::args::{duck, int_literal, positional};

pub(crate) fn rewrite(name: &str, f: &Function) -> Result<Option<Expr>, Refusal> {
    let text = match name {
        "MD5" | "MD5_HEX" => format!("md5(CAST({} AS VARCHAR))", positional(f, name, 1, 1)?[0]),
        "SHA1" | "SHA1_HEX" => format!("sha1(CAST({} AS VARCHAR))", positional(f, name, 1, 1)?[0]),
        "SHA2" | "SHA2_HEX" => {
            let a = positional(f, name, 1, 2)?;
            match a.get(1).map(int_literal) {
                None | Some(Some(256)) => format!("sha256(CAST({} AS VARCHAR))", a[0]),
                _ => {
                    return Err(Refusal::at(
                        &f.name,
                        format!("{name} with a digest size other than 256"),
                        "use SHA2(x) or SHA2(x, 256), or MD5",
                    ));
                }
            }
        }
        "HASH" => {
            return Err(Refusal::at(
                &f.name,
                "HASH (its values are Snowflake's own 64-bit hash, which DuckDB cannot reproduce)",
                "use MD5(...) or SHA2(...) for a key that is the same on both, e.g. MD5(col1 || '|' || col2)",
            ));
        }
        "UUID_STRING" => {
            positional(f, name, 0, 0).map_err(|_| {
                Refusal::at(
                    &f.name,
                    "UUID_STRING(namespace, name) (a version 5 UUID)",
                    "use MD5(name) for a key derived from a name, or UUID_STRING() for a random one",
                )
            })?;
            "CAST(uuid() AS VARCHAR)".to_string()
        }
        _ => return Ok(None),
    };
    duck(f, &text).map(Some)
}
