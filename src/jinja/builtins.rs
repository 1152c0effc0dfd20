//! mozt's built-in macros (cross-database helpers), compiled into the binary. A project macro
//! of the same name overrides a built-in one. See builtins/README.md for what each renders.

/// Template names of built-in macro files start with this.
pub(crate) const PREFIX: &str = "__mozt__/";

pub(crate) const FILES: &[(&str, &str)] = &[
    ("__mozt__/schema.sql", include_str!("builtins/schema.sql")),
    ("__mozt__/dates.sql", include_str!("builtins/dates.sql")),
    ("__mozt__/types.sql", include_str!("builtins/types.sql")),
    ("__mozt__/strings.sql", include_str!("builtins/strings.sql")),
    ("__mozt__/hashing.sql", include_str!("builtins/hashing.sql")),
    ("__mozt__/math.sql", include_str!("builtins/math.sql")),
    ("__mozt__/sets.sql", include_str!("builtins/sets.sql")),
    ("__mozt__/tests.sql", include_str!("builtins/tests.sql")),
];
