//! mozt's built-in macros (cross-database helpers), compiled into the binary. A project macro
//! of the same name overrides a built-in one.

/// Template names of built-in macro files start with this.
pub const PREFIX: &str = "__mozt__/";

pub const FILES: &[(&str, &str)] = &[("__mozt__/schema.sql", include_str!("builtins/schema.sql"))];
