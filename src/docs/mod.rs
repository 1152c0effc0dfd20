//! The docs site: `mozt docs generate` (target/catalog.json and the site's data) and
//! `mozt docs serve` (a local web server), or `--static` (the site as files that open from the
//! file system). The command itself is in `commands/docs.rs`.

pub(crate) mod catalog;
pub(crate) mod data;
pub(crate) mod server;
pub(crate) mod site;
