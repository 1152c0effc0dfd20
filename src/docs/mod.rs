//! The docs site: `mozt docs generate` (target/catalog.json and the site's data) and
//! `mozt docs serve` (a local web server), or `--static` (the site as files that open from the
//! file system). The command itself is in `commands/docs.rs`.

pub mod blocks;
pub mod catalog;
pub mod data;
pub mod server;
pub mod site;
