//! One file per command: each loads a session through the engine (`crate::engine`) with the
//! options `crate::cli` translated from the flags, and prints what the command shows.

pub(crate) mod braze;
pub(crate) mod clone;
pub(crate) mod compile;
pub(crate) mod debug;
pub(crate) mod deploy;
pub(crate) mod deps;
pub(crate) mod execute;
pub(crate) mod freshness;
pub(crate) mod init;
pub(crate) mod lineage;
pub(crate) mod ls;
pub(crate) mod show;
