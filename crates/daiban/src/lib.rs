//! The `daiban` binary: command line, settings, logging and startup. It wires the crates
//! together and holds no rules of its own.

mod cli;
pub mod settings;

pub use cli::run;
