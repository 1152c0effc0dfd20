//! One file per command: each loads a session through the engine (`crate::engine`) with the
//! options `crate::cli` translated from the flags, and prints what the command shows.

pub mod braze;
pub mod clone;
pub mod compile;
pub mod debug;
pub mod deploy;
pub mod deps;
pub mod execute;
pub mod freshness;
pub mod init;
pub mod lineage;
pub mod ls;
pub mod show;
