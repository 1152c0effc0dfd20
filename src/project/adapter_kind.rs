//! The warehouse a target runs on: its `type:` in project.yml. Code that differs by warehouse
//! compares this, never the type's text; the text (`duckdb`, `snowflake`) is what templates
//! see as `target.type` and what manifest.json records as `adapter_type`.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdapterKind {
    DuckDb,
    Snowflake,
}

impl AdapterKind {
    /// Every kind, in the order the docs and messages name them.
    pub const ALL: [AdapterKind; 2] = [AdapterKind::DuckDb, AdapterKind::Snowflake];

    /// The `type:` value naming this kind in project.yml.
    pub fn as_str(self) -> &'static str {
        match self {
            AdapterKind::DuckDb => "duckdb",
            AdapterKind::Snowflake => "snowflake",
        }
    }
}

impl fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `type:` that names no warehouse mozt runs on (the text as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAdapterKind(pub String);

impl fmt::Display for UnknownAdapterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = AdapterKind::ALL.iter().map(|k| k.as_str()).collect();
        write!(f, "type '{}' is not one of {}", self.0, known.join(", "))
    }
}

impl std::error::Error for UnknownAdapterKind {}

impl FromStr for AdapterKind {
    type Err = UnknownAdapterKind;

    /// Exactly as written in project.yml (`duckdb`, `snowflake`; case matters).
    fn from_str(s: &str) -> Result<AdapterKind, UnknownAdapterKind> {
        AdapterKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownAdapterKind(s.to_string()))
    }
}

impl Serialize for AdapterKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in AdapterKind::ALL {
            assert_eq!(kind.as_str().parse::<AdapterKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::String(kind.as_str().into()))
            );
        }
    }

    #[test]
    fn unknown_and_differently_cased_types_are_refused() {
        assert_eq!(
            "postgres".parse::<AdapterKind>(),
            Err(UnknownAdapterKind("postgres".into()))
        );
        assert!("DuckDB".parse::<AdapterKind>().is_err());
        assert!("".parse::<AdapterKind>().is_err());
    }
}
