//! Fault switches: what a test turns on to see how a client copes with a
//! tenant that is slow, fails, forgets its answers or skews its clock.
//!
//! [`Faults`] is the handle a test holds while the sandbox runs;
//! [`FaultPlan`] is the same set of switches written down up front, in
//! [`Config::faults`](crate::Config::faults) or as a string such as
//! `fail-next=2x503,latency=200ms`. The switches act in one middleware around
//! every route (`apply`), so no handler knows about them. That middleware
//! also counts the calls for [`Sandbox::hits`](crate::Sandbox::hits); the
//! other counters are the site's.

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use futures_util::stream;
use sha2::{Digest, Sha256};

use crate::MAX_BODY_BYTES;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::site::Site;

/// The fault switches of one running sandbox. Cloning gives another handle
/// to the same switches; every method takes effect for the next call.
#[derive(Debug, Clone)]
pub struct Faults {
    switches: Arc<Mutex<Switches>>,
    clock: Arc<Clock>,
    configured_lifetime: Duration,
}

#[derive(Debug, Default)]
struct Switches {
    latency: Duration,
    fail_next: Option<FailNext>,
    lose_post_answers: bool,
    /// Digests of the POSTs whose answer was lost already; the same POST
    /// sent again is answered.
    lost: HashSet<[u8; 32]>,
    cut_next_bodies: u32,
    token_lifetime: Duration,
    token_endpoint_down: bool,
    refuse_next_with_html: u32,
}

impl Faults {
    pub(crate) fn new(clock: Arc<Clock>, token_lifetime: Duration, plan: &FaultPlan) -> Self {
        let faults = Faults {
            switches: Arc::default(),
            clock,
            configured_lifetime: token_lifetime,
        };
        faults.clear();
        faults.apply(plan);
        faults
    }

    /// Delays every answer, the token exchanges' included, by `latency`
    /// after the work is done; zero turns the delay off.
    pub fn set_latency(&self, latency: Duration) {
        self.switches().latency = latency;
    }

    /// Makes the next `count` calls to API routes answer `status` with a
    /// JSON error, without doing anything. The token exchanges, the spec
    /// documents and the login page are not API routes here. A `status`
    /// that is not an HTTP status is answered as a 500 that says so.
    pub fn fail_next(&self, count: u32, status: u16) {
        self.switches().fail_next = Some(FailNext {
            count,
            status,
            retry_after_secs: None,
        });
    }

    /// Like [`Faults::fail_next`], with `Retry-After: <retry_after_secs>` on
    /// each of those answers.
    pub fn fail_next_with_retry_after(&self, count: u32, status: u16, retry_after_secs: u64) {
        self.switches().fail_next = Some(FailNext {
            count,
            status,
            retry_after_secs: Some(retry_after_secs),
        });
    }

    /// While on, each POST to an API route is carried out and then its
    /// answer is lost: the connection closes without a response. The same
    /// POST (method, path with query, and body) sent again is answered, and
    /// carried out again, as a real server would.
    pub fn lose_post_answers(&self, on: bool) {
        let mut switches = self.switches();
        switches.lose_post_answers = on;
        if !on {
            switches.lost.clear();
        }
    }

    /// Makes the next `count` JSON answers of API routes send their headers
    /// (with the full `Content-Length`) and half the body, then close the
    /// connection.
    pub fn cut_next_bodies(&self, count: u32) {
        self.switches().cut_next_bodies = count;
    }

    /// Makes the tokens issued from now on live `lifetime`, in whole
    /// seconds, as JWT expiries are. An `/access/impersonate` call that
    /// names its own `expires` still gets that.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.switches().token_lifetime = lifetime;
    }

    /// While on, every token exchange answers 503.
    pub fn set_token_endpoint_down(&self, down: bool) {
        self.switches().token_endpoint_down = down;
    }

    /// Sets how far the sandbox's clock is from the wall clock; this
    /// replaces, rather than adds to, what
    /// [`Sandbox::advance_clock`](crate::Sandbox::advance_clock) did.
    pub fn set_clock_offset(&self, offset: ClockOffset) {
        self.clock.set_offset_ms(offset.millis());
    }

    /// Makes the next `count` calls to routes that take a token answer 401
    /// with an HTML page, whatever the token, as a gateway's login page
    /// would.
    pub fn refuse_next_with_html(&self, count: u32) {
        self.switches().refuse_next_with_html = count;
    }

    /// Turns on what `plan` asks for, leaving the other switches as they
    /// are.
    pub fn apply(&self, plan: &FaultPlan) {
        let mut switches = self.switches();
        if !plan.latency.is_zero() {
            switches.latency = plan.latency;
        }
        if plan.fail_next.is_some() {
            switches.fail_next = plan.fail_next;
        }
        switches.lose_post_answers |= plan.lose_post_answers;
        switches.cut_next_bodies += plan.cut_next_bodies;
        if let Some(lifetime) = plan.token_lifetime {
            switches.token_lifetime = lifetime;
        }
        switches.token_endpoint_down |= plan.token_endpoint_down;
        switches.refuse_next_with_html += plan.refuse_next_with_html;
        drop(switches);
        if let Some(offset) = plan.clock_offset {
            self.set_clock_offset(offset);
        }
    }

    /// Turns every fault off: no latency, no failures, the configured token
    /// lifetime, and the clock back on the wall clock.
    pub fn clear(&self) {
        *self.switches() = Switches {
            token_lifetime: self.configured_lifetime,
            ..Switches::default()
        };
        self.clock.set_offset_ms(0);
    }

    pub(crate) fn token_lifetime(&self) -> Duration {
        self.switches().token_lifetime
    }

    /// The switches. A panic while they were held leaves them consistent,
    /// since every change is one assignment, so a poisoned lock is used.
    fn switches(&self) -> MutexGuard<'_, Switches> {
        self.switches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer a call of `kind` gets instead of being carried out, if
    /// a fault says so; taking it uses up one of a counted fault.
    fn refusal(&self, kind: RouteKind) -> Option<Response> {
        let mut switches = self.switches();
        if kind == RouteKind::Exchange && switches.token_endpoint_down {
            let error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the token service is down");
            return Some(error.into_response());
        }
        if kind.is_api()
            && let Some(failure) = switches.fail_next.as_mut().filter(|f| f.count > 0)
        {
            failure.count -= 1;
            return Some(failure.answer());
        }
        if kind == RouteKind::Protected && switches.refuse_next_with_html > 0 {
            switches.refuse_next_with_html -= 1;
            return Some(html_refusal());
        }
        None
    }

    fn losing_post_answers(&self) -> bool {
        self.switches().lose_post_answers
    }

    /// Whether the answer to the POST with this digest is to be lost: only
    /// the first time it is seen.
    fn first_loss(&self, digest: [u8; 32]) -> bool {
        self.switches().lost.insert(digest)
    }

    fn take_cut(&self) -> bool {
        let mut switches = self.switches();
        let cut = switches.cut_next_bodies > 0;
        switches.cut_next_bodies = switches.cut_next_bodies.saturating_sub(1);
        cut
    }

    fn latency(&self) -> Duration {
        self.switches().latency
    }
}

/// How far the sandbox's clock is from the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockOffset {
    /// The sandbox is ahead: tokens expire early, as clients see it.
    Ahead(Duration),
    /// The sandbox is behind: tokens live longer than clients expect.
    Behind(Duration),
}

impl ClockOffset {
    fn millis(self) -> i64 {
        let millis = |by: Duration| i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        match self {
            ClockOffset::Ahead(by) => millis(by),
            ClockOffset::Behind(by) => -millis(by),
        }
    }
}

/// The next calls that fail, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailNext {
    /// How many calls fail.
    pub count: u32,
    /// The status they answer.
    pub status: u16,
    /// The `Retry-After` they carry, in seconds, if any.
    pub retry_after_secs: Option<u64>,
}

impl FailNext {
    fn answer(&self) -> Response {
        let Ok(status) = StatusCode::from_u16(self.status) else {
            let message = format!("the sandbox was told to fail with status {}", self.status);
            return ApiError::internal(message).into_response();
        };
        let mut answer = ApiError::new(status, "failed on purpose by the sandbox").into_response();
        if let Some(secs) = self.retry_after_secs {
            answer
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        answer
    }
}

/// The fault switches to start a sandbox with; [`FaultPlan::default`] has
/// none on.
///
/// It also reads from and prints to a comma-separated list, for command
/// lines:
///
/// | item | switch |
/// |---|---|
/// | `latency=200ms` | [`Faults::set_latency`] |
/// | `fail-next=2x503` | [`Faults::fail_next`] |
/// | `retry-after=1` (with `fail-next`) | [`Faults::fail_next_with_retry_after`] |
/// | `lose-post-answers` | [`Faults::lose_post_answers`] |
/// | `cut-next-bodies=1` | [`Faults::cut_next_bodies`] |
/// | `token-lifetime=10s` | [`Faults::set_token_lifetime`] |
/// | `token-endpoint-down` | [`Faults::set_token_endpoint_down`] |
/// | `clock-offset=+2h`, `clock-offset=-30s` | [`Faults::set_clock_offset`] |
/// | `refuse-next-with-html=1` | [`Faults::refuse_next_with_html`] |
///
/// Durations take a unit: `ms`, `s`, `m` or `h`. An empty string, or
/// `none`, is the empty plan.
///
/// ```
/// use std::time::Duration;
/// use nwa_sandbox::FaultPlan;
///
/// let plan: FaultPlan = "fail-next=2x503,latency=50ms".parse().unwrap();
/// assert_eq!(plan.latency, Duration::from_millis(50));
/// assert_eq!(plan.fail_next.map(|f| f.status), Some(503));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// See [`Faults::set_latency`]; zero is none.
    pub latency: Duration,
    /// See [`Faults::fail_next`].
    pub fail_next: Option<FailNext>,
    /// See [`Faults::lose_post_answers`].
    pub lose_post_answers: bool,
    /// See [`Faults::cut_next_bodies`].
    pub cut_next_bodies: u32,
    /// See [`Faults::set_token_lifetime`]; `None` keeps
    /// [`Config::token_lifetime`](crate::Config::token_lifetime).
    pub token_lifetime: Option<Duration>,
    /// See [`Faults::set_token_endpoint_down`].
    pub token_endpoint_down: bool,
    /// See [`Faults::set_clock_offset`].
    pub clock_offset: Option<ClockOffset>,
    /// See [`Faults::refuse_next_with_html`].
    pub refuse_next_with_html: u32,
}

/// Why a fault list does not read as a [`FaultPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultPlanError(String);

impl fmt::Display for FaultPlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultPlanError {}

impl FromStr for FaultPlan {
    type Err = FaultPlanError;

    fn from_str(text: &str) -> Result<Self, FaultPlanError> {
        let mut plan = FaultPlan::default();
        let mut retry_after = None;
        let items = text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty());
        for item in items.filter(|item| *item != "none") {
            let (name, value) = match item.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim())),
                None => (item, None),
            };
            match (name, value) {
                ("latency", Some(value)) => plan.latency = parse_duration(value)?,
                ("fail-next", Some(value)) => plan.fail_next = Some(parse_fail_next(value)?),
                ("retry-after", Some(value)) => retry_after = Some(parse_number(value)?),
                ("lose-post-answers", None) => plan.lose_post_answers = true,
                ("cut-next-bodies", Some(value)) => plan.cut_next_bodies = parse_number(value)?,
                ("token-lifetime", Some(value)) => {
                    plan.token_lifetime = Some(parse_duration(value)?);
                }
                ("token-endpoint-down", None) => plan.token_endpoint_down = true,
                ("clock-offset", Some(value)) => plan.clock_offset = Some(parse_offset(value)?),
                ("refuse-next-with-html", Some(value)) => {
                    plan.refuse_next_with_html = parse_number(value)?;
                }
                _ => return Err(FaultPlanError(format!("unknown fault `{item}`"))),
            }
        }
        if let Some(secs) = retry_after {
            let failure = plan
                .fail_next
                .as_mut()
                .ok_or_else(|| FaultPlanError("retry-after needs fail-next".to_owned()))?;
            failure.retry_after_secs = Some(secs);
        }
        Ok(plan)
    }
}

impl fmt::Display for FaultPlan {
    /// The plan as a list that reads back as the same plan; `none` when it
    /// is empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = Vec::new();
        if !self.latency.is_zero() {
            items.push(format!("latency={}ms", self.latency.as_millis()));
        }
        if let Some(failure) = self.fail_next {
            items.push(format!("fail-next={}x{}", failure.count, failure.status));
            if let Some(secs) = failure.retry_after_secs {
                items.push(format!("retry-after={secs}"));
            }
        }
        if self.lose_post_answers {
            items.push("lose-post-answers".to_owned());
        }
        if self.cut_next_bodies > 0 {
            items.push(format!("cut-next-bodies={}", self.cut_next_bodies));
        }
        if let Some(lifetime) = self.token_lifetime {
            items.push(format!("token-lifetime={}ms", lifetime.as_millis()));
        }
        if self.token_endpoint_down {
            items.push("token-endpoint-down".to_owned());
        }
        match self.clock_offset {
            Some(ClockOffset::Ahead(by)) => {
                items.push(format!("clock-offset=+{}ms", by.as_millis()))
            }
            Some(ClockOffset::Behind(by)) => {
                items.push(format!("clock-offset=-{}ms", by.as_millis()));
            }
            None => {}
        }
        if self.refuse_next_with_html > 0 {
            items.push(format!(
                "refuse-next-with-html={}",
                self.refuse_next_with_html
            ));
        }
        if items.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&items.join(","))
        }
    }
}

fn parse_number<T: FromStr>(text: &str) -> Result<T, FaultPlanError> {
    text.parse()
        .map_err(|_| FaultPlanError(format!("`{text}` is not a whole number")))
}

fn parse_duration(text: &str) -> Result<Duration, FaultPlanError> {
    let invalid = || FaultPlanError(format!("`{text}` is not a duration such as 200ms or 10s"));
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(invalid)?;
    let amount: u64 = text[..digits].parse().map_err(|_| invalid())?;
    let per_unit_ms = match &text[digits..] {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(invalid()),
    };
    Ok(Duration::from_millis(amount.saturating_mul(per_unit_ms)))
}

fn parse_fail_next(text: &str) -> Result<FailNext, FaultPlanError> {
    let (count, status) = text
        .split_once('x')
        .ok_or_else(|| FaultPlanError(format!("fail-next is `<count>x<status>`, not `{text}`")))?;
    let status: u16 = parse_number(status)?;
    if StatusCode::from_u16(status).is_err() {
        return Err(FaultPlanError(format!("{status} is not an HTTP status")));
    }
    Ok(FailNext {
        count: parse_number(count)?,
        status,
        retry_after_secs: None,
    })
}

fn parse_offset(text: &str) -> Result<ClockOffset, FaultPlanError> {
    match text.strip_prefix('-') {
        Some(behind) => Ok(ClockOffset::Behind(parse_duration(behind)?)),
        None => {
            let ahead = text.strip_prefix('+').unwrap_or(text);
            Ok(ClockOffset::Ahead(parse_duration(ahead)?))
        }
    }
}

/// Which kind of route a path is, as far as the faults are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouteKind {
    /// A token exchange: the key routes, `/access/*` and `/oauth2/token`.
    Exchange,
    /// The spec documents and the login page: not part of the API.
    Outside,
    /// A health check: an API route that takes no token.
    Health,
    /// Every other route; these take a token.
    Protected,
}

impl RouteKind {
    fn of(path: &str) -> Self {
        if path.starts_with("/api/auth/token/")
            || path.starts_with("/access/")
            || path == "/oauth2/token"
        {
            RouteKind::Exchange
        } else if path.starts_with("/openapi/") || path.starts_with("/sandbox/") {
            RouteKind::Outside
        } else if path.ends_with("/healthcheck") {
            RouteKind::Health
        } else {
            RouteKind::Protected
        }
    }

    fn is_api(self) -> bool {
        matches!(self, RouteKind::Health | RouteKind::Protected)
    }
}

/// The middleware the switches act in: counts the call, answers in its
/// place if a fault says so, loses or cuts its answer, and delays it.
pub(crate) async fn apply(State(site): State<Arc<Site>>, request: Request, next: Next) -> Response {
    site.record_hit(&request);
    let faults = &site.faults;
    let kind = RouteKind::of(request.uri().path());
    let losing = kind.is_api() && request.method() == Method::POST && faults.losing_post_answers();

    let answer = match faults.refusal(kind) {
        Some(refusal) => refusal,
        None if losing => carry_out_and_lose(faults, request, next).await,
        None => next.run(request).await,
    };
    let answer = if kind.is_api() && is_json(&answer) && faults.take_cut() {
        cut_off(answer).await
    } else {
        answer
    };

    let latency = faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    answer
}

/// Carries out a POST, and loses its answer the first time it is seen.
async fn carry_out_and_lose(faults: &Faults, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::bad_request("could not read the request body").into_response();
    };
    let digest = post_digest(&parts, &body);
    let answer = next.run(Request::from_parts(parts, Body::from(body))).await;
    if faults.first_loss(digest) {
        lost_answer()
    } else {
        answer
    }
}

fn post_digest(parts: &Parts, body: &Bytes) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(parts.method.as_str());
    digest.update(b" ");
    let target = parts
        .uri
        .path_and_query()
        .map_or("", |target| target.as_str());
    digest.update(target);
    digest.update(b"\n");
    // A multipart body is framed by a boundary the client picks at random
    // for each send; without it, the same upload sent again is the same POST.
    match multipart_boundary(parts) {
        Some(boundary) => {
            for (index, piece) in split_on(body, boundary.as_bytes()).enumerate() {
                if index > 0 {
                    digest.update(b"--boundary--");
                }
                digest.update(piece);
            }
        }
        None => digest.update(body),
    }
    digest.finalize().into()
}

/// The `boundary` parameter of a multipart `Content-Type`.
fn multipart_boundary(parts: &Parts) -> Option<String> {
    let content_type = parts.headers.get(CONTENT_TYPE)?.to_str().ok()?;
    if !content_type.starts_with("multipart/") {
        return None;
    }
    content_type.split(';').find_map(|param| {
        let (key, value) = param.trim().split_once('=')?;
        key.eq_ignore_ascii_case("boundary")
            .then(|| value.trim_matches('"').to_owned())
            .filter(|boundary| !boundary.is_empty())
    })
}

/// The pieces of `body` between occurrences of `separator`.
fn split_on<'a>(body: &'a [u8], separator: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(body);
    std::iter::from_fn(move || {
        let current = rest?;
        match current
            .windows(separator.len())
            .position(|w| w == separator)
        {
            Some(at) => {
                rest = Some(&current[at + separator.len()..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// An answer hyper never sends: its body fails before the head leaves the
/// write buffer, so hyper closes the connection with nothing written.
fn lost_answer() -> Response {
    let failure = stream::once(async {
        Err::<Bytes, _>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the sandbox lost this answer on purpose",
        ))
    });
    Body::from_stream(failure).into_response()
}

/// The same answer, with half its body, then a failure that makes hyper
/// close the connection.
async fn cut_off(answer: Response) -> Response {
    let (mut parts, body) = answer.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::internal("could not read the answer to cut").into_response();
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    let half = body.slice(..body.len() / 2);
    // The yield lets hyper flush the head and the half before the failure
    // closes the connection; failing at once would discard them unsent.
    let failure = stream::once(async {
        tokio::task::yield_now().await;
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "the sandbox cut this answer on purpose",
        ))
    });
    let body = stream::iter([Ok(half)]).chain(failure);
    Response::from_parts(parts, Body::from_stream(body))
}

fn is_json(answer: &Response) -> bool {
    answer
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("application/json"))
}

/// What an IIS or gateway login page answers a session it does not know.
const HTML_REFUSAL: &str = "<!DOCTYPE html>\n<html><head><title>401 - Unauthorized</title></head>\
    <body><h1>Your session has expired</h1><p>Please sign in again.</p></body></html>\n";

fn html_refusal() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        HTML_REFUSAL,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_list_reads_every_switch() {
        let plan: FaultPlan = "latency=200ms, fail-next=2x429, retry-after=3, lose-post-answers, \
                               cut-next-bodies=1, token-lifetime=10s, token-endpoint-down, \
                               clock-offset=-2h, refuse-next-with-html=4"
            .parse()
            .expect("a valid list");
        let expected = FaultPlan {
            latency: Duration::from_millis(200),
            fail_next: Some(FailNext {
                count: 2,
                status: 429,
                retry_after_secs: Some(3),
            }),
            lose_post_answers: true,
            cut_next_bodies: 1,
            token_lifetime: Some(Duration::from_secs(10)),
            token_endpoint_down: true,
            clock_offset: Some(ClockOffset::Behind(Duration::from_secs(7200))),
            refuse_next_with_html: 4,
        };
        assert_eq!(plan, expected);
    }

    #[test]
    fn a_printed_plan_reads_back_as_itself() {
        for text in [
            "none",
            "latency=5ms,fail-next=1x503,retry-after=2",
            "clock-offset=+90s,token-lifetime=1m,cut-next-bodies=2",
            "lose-post-answers,token-endpoint-down,refuse-next-with-html=1",
        ] {
            let plan: FaultPlan = text.parse().expect("a valid list");
            let again: FaultPlan = plan.to_string().parse().expect("prints a valid list");
            assert_eq!(again, plan, "{text}");
        }
        assert_eq!(FaultPlan::default().to_string(), "none");
        assert_eq!("".parse::<FaultPlan>(), Ok(FaultPlan::default()));
    }

    #[test]
    fn a_wrong_fault_list_says_what_is_wrong() {
        let error = |text: &str| text.parse::<FaultPlan>().expect_err(text).to_string();
        assert_eq!(error("slow"), "unknown fault `slow`");
        assert_eq!(
            error("latency=5"),
            "`5` is not a duration such as 200ms or 10s"
        );
        assert_eq!(
            error("fail-next=503"),
            "fail-next is `<count>x<status>`, not `503`"
        );
        assert_eq!(error("fail-next=1x42"), "42 is not an HTTP status");
        assert_eq!(error("retry-after=1"), "retry-after needs fail-next");
        assert_eq!(
            error("lose-post-answers=yes"),
            "unknown fault `lose-post-answers=yes`"
        );
    }

    #[test]
    fn routes_are_told_apart_by_path() {
        assert_eq!(
            RouteKind::of("/api/auth/token/api-key"),
            RouteKind::Exchange
        );
        assert_eq!(RouteKind::of("/access/impersonate"), RouteKind::Exchange);
        assert_eq!(RouteKind::of("/oauth2/token"), RouteKind::Exchange);
        assert_eq!(RouteKind::of("/openapi/workflow.json"), RouteKind::Outside);
        assert_eq!(RouteKind::of("/sandbox/login"), RouteKind::Outside);
        assert_eq!(
            RouteKind::of("/api/instance/healthcheck"),
            RouteKind::Health
        );
        assert_eq!(RouteKind::of("/instances/start"), RouteKind::Protected);
    }
}
