//! The sandbox's one time source, and the date formats the API writes.
//!
//! Every expiry check and every timestamp in a response reads [`Clock::now`],
//! so a test can move the sandbox forward in time (to expire a token, say)
//! without sleeping. This module is not a scheduler: nothing in the sandbox
//! happens on its own when the clock moves.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// The wall clock plus an offset, which a test moves forward or sets to
/// skew the sandbox ahead of or behind its clients.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The sandbox's idea of the current time.
    #[allow(clippy::disallowed_methods)] // The one place that reads the wall clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        Utc::now() + offset
    }

    /// Moves the clock forward; a duration too large to represent saturates.
    pub(crate) fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(old.saturating_add(ms))
            })
            .ok();
    }

    /// Sets the offset from the wall clock, in milliseconds; negative puts
    /// the clock behind.
    pub(crate) fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::Relaxed);
    }
}

/// A date-time as the API writes it: UTC, milliseconds, `Z`
/// (`2013-06-27T15:44:53.627Z`).
pub(crate) fn format_date_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// How the API writes a date that is not set.
pub(crate) const EMPTY_DATE_TIME: &str = "0001-01-01T00:00:00.000Z";

/// The display twin of a date in user records (`12/14/2010 6:31:06 AM`).
pub(crate) fn format_display_date(at: DateTime<Utc>) -> String {
    at.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
}

/// Reads a date the way callers send one: a plain `2013-01-15` (midnight
/// UTC) or a full RFC 3339 date-time.
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_have_milliseconds_and_z() {
        let at = Utc.with_ymd_and_hms(2013, 6, 27, 15, 44, 53).single();
        let at = at.map(|at| at + chrono::Duration::milliseconds(627));
        assert_eq!(
            at.map(format_date_time).as_deref(),
            Some("2013-06-27T15:44:53.627Z")
        );
    }

    #[test]
    fn display_dates_match_the_documented_example() {
        let at = Utc.with_ymd_and_hms(2010, 12, 14, 6, 31, 6).single();
        assert_eq!(
            at.map(format_display_date).as_deref(),
            Some("12/14/2010 6:31:06 AM")
        );
    }

    #[test]
    fn advancing_the_clock_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() - before >= chrono::Duration::seconds(3600));
    }

    #[test]
    fn a_negative_offset_puts_the_clock_behind() {
        let skewed = Clock::default();
        skewed.set_offset_ms(-60_000);
        let wall = Clock::default();
        assert!(wall.now() - skewed.now() >= chrono::Duration::seconds(59));
    }
}
