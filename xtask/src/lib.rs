//! The project's own tasks, as a library so that their tests can call them
//! directly; `main.rs` is the `cargo xtask` command line over it.
//!
//! Downloading is one explicit command (`fetch`); everything else works
//! offline on files and is deterministic.

pub mod diff;
pub mod fetch;
pub mod normalize;
pub mod pipeline;
pub mod sections;
