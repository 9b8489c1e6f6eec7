//! The one source of wall-clock time for the crate.
//!
//! Token expiry is decided against a [`Clock`] so that tests can move time
//! forward instead of sleeping. Nothing else in the crate reads the system
//! clock; `clippy.toml` forbids `SystemTime::now` outside this file.

use std::fmt;
use std::time::SystemTime;

/// Tells the current wall-clock time.
///
/// The default is [`SystemClock`]. Supply another through
/// [`ClientBuilder::clock`](crate::ClientBuilder::clock) to control token
/// expiry in tests.
pub trait Clock: fmt::Debug + Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "this is the single place the crate reads the system clock"
    )]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
