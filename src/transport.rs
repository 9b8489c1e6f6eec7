//! When a call is sent again: the retry policy for transient failures.
//!
//! A call is repeated only when repeating it cannot do anything twice: GET,
//! HEAD, PUT and DELETE are idempotent; a POST (which starts a request or
//! moves a task on) is repeated only inside [`repeat_safe`]. It is repeated on
//! a connection failure, a response body cut off mid-way, and the statuses
//! that mean "not now" (429, 502, 503, 504), after an exponential backoff with
//! full jitter, or after the server's `Retry-After` when it gives one.
//!
//! This module decides; [`crate::auth`] sends.

use std::hash::{BuildHasher as _, Hasher as _};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

tokio::task_local! {
    static REPEAT_SAFE: ();
}

/// Runs `work`, letting the POST calls inside it be repeated after a
/// transient failure like idempotent calls are.
///
/// Use it only for calls that are safe to send twice, such as running a
/// report; never for starting a request or posting a task's values.
///
/// ```no_run
/// # async fn demo(client: nutrient_workflow::Client) -> Result<(), nutrient_workflow::Error> {
/// use nutrient_workflow::{ResultExt as _, repeat_safe};
/// use nutrient_workflow::workflow::types::RunReport;
///
/// let body = RunReport::builder().filters(Vec::new());
/// let run = repeat_safe(async {
///     client.workflow().run_report().report_sid("sid").body(body).send().await
/// })
/// .await
/// .operation("run_report")
/// .await?;
/// # Ok(())
/// # }
/// ```
pub async fn repeat_safe<F: Future>(work: F) -> F::Output {
    REPEAT_SAFE.scope((), work).await
}

/// How often and how long a failing call is tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    attempts: u32,
    first_backoff: Duration,
    max_backoff: Duration,
    total: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, backing off from 200 ms up to 5 s, within 30 s in all.
    ///
    /// Three attempts ride out a gateway restart or a burst of 503s without
    /// making a caller wait long on a server that is really down; 30 s stays
    /// below the read timeout so a retried call ends before a hung one would.
    fn default() -> Self {
        Self {
            attempts: 3,
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            total: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never repeats a call.
    pub fn never() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }

    /// How many times a call is sent at most, the first included (at least
    /// one).
    #[must_use]
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// The backoff before the second attempt; it doubles for each further
    /// attempt, up to `max`.
    #[must_use]
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_backoff = first;
        self.max_backoff = max.max(first);
        self
    }

    /// How long all attempts of one call may take together, waits included;
    /// no attempt starts that would wait past it.
    #[must_use]
    pub fn total(mut self, total: Duration) -> Self {
        self.total = total;
        self
    }

    pub(crate) fn max_attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn total_time(&self) -> Duration {
        self.total
    }

    /// Whether a call of `method` may be repeated at all.
    pub(crate) fn may_repeat(method: &Method) -> bool {
        let idempotent = [Method::GET, Method::HEAD, Method::PUT, Method::DELETE];
        idempotent.contains(method) || REPEAT_SAFE.try_with(|_| ()).is_ok()
    }

    /// The wait before attempt `attempt + 1` (the first retry is after
    /// attempt 1): a uniformly random share of the doubled backoff, so that
    /// clients that failed together do not come back together.
    pub(crate) fn backoff_after(&self, attempt: u32, random: u64) -> Duration {
        let doubling = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self
            .first_backoff
            .saturating_mul(doubling)
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(if nanos == 0 { 0 } else { random % (nanos + 1) })
    }
}

/// Whether a status means "try again later".
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date
/// measured against `now`.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(date);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A random number for jitter; not for anything secret.
pub(crate) fn random() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy =
            RetryPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(350));
        // With the largest random number the wait is the whole ceiling.
        let ceiling = |attempt| policy.backoff_after(attempt, u64::MAX - 1);
        assert!(ceiling(1) <= Duration::from_millis(100));
        assert!(ceiling(2) <= Duration::from_millis(200));
        assert!(ceiling(3) <= Duration::from_millis(350));
        assert!(ceiling(30) <= Duration::from_millis(350));
    }

    #[test]
    fn backoff_is_spread_over_the_whole_window() {
        let policy = RetryPolicy::default();
        let waits: Vec<Duration> = (0..200)
            .map(|_| policy.backoff_after(2, random()))
            .collect();
        let ceiling = Duration::from_millis(400);
        assert!(waits.iter().all(|w| *w <= ceiling));
        assert!(waits.iter().any(|w| *w < ceiling / 4));
        assert!(waits.iter().any(|w| *w > ceiling * 3 / 4));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:47 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(10)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn only_idempotent_methods_repeat_unless_marked_safe() {
        assert!(RetryPolicy::may_repeat(&Method::GET));
        assert!(RetryPolicy::may_repeat(&Method::PUT));
        assert!(RetryPolicy::may_repeat(&Method::DELETE));
        assert!(!RetryPolicy::may_repeat(&Method::POST));
        let marked = futures_util::FutureExt::now_or_never(repeat_safe(async {
            RetryPolicy::may_repeat(&Method::POST)
        }));
        assert_eq!(marked, Some(true));
    }
}
