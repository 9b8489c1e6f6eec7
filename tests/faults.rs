//! The client against a tenant that misbehaves: failures to retry or not,
//! answers lost or cut off, silence, a token service that is down, refused
//! or expired tokens, a skewed clock, a redirect off the site, and what may
//! never show in a log.
//!
//! The faults are the sandbox's switches (`Sandbox::faults`), on loopback
//! only. Backoffs are a few milliseconds and token expiry is moved by a test
//! clock, so no test waits on real time beyond a few short timeouts.

pub mod common;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use common::{TestClock, current_user, within};
use nutrient_workflow::workflow::types::RunReport;
use nutrient_workflow::{
    Client, ClientBuilder, Credentials, Error, ResultExt as _, RetryPolicy, repeat_safe,
};
use nwa_sandbox::{ClockOffset, Sandbox};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The default policy (three attempts) with backoffs short enough that a
/// retried call costs milliseconds.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(50))
}

fn builder(sandbox: &Sandbox, credentials: Credentials) -> ClientBuilder {
    common::builder(sandbox, credentials).retry(quick_retries())
}

fn admin_client(sandbox: &Sandbox) -> Client {
    builder(sandbox, Credentials::system_key(sandbox.system_key()))
        .build()
        .expect("valid configuration")
}

async fn start_request(client: &Client, sandbox: &Sandbox) -> Result<String, Error> {
    let started = client
        .workflow()
        .start_request()
        .process_sid(&sandbox.demo().process_sid)
        .send()
        .await
        .operation("start_request")
        .await?;
    Ok(started.request.map(|r| r.sid).unwrap_or_default())
}

async fn run_report(client: &Client, sandbox: &Sandbox) -> Result<serde_json::Value, Error> {
    let run = client
        .workflow()
        .run_report()
        .report_sid(&sandbox.demo().report_sid)
        .body(RunReport {
            filters: Vec::new(),
            limit: None,
            page: None,
            persist: None,
            start: None,
        })
        .send()
        .await
        .operation("run_report")
        .await?;
    Ok(serde_json::to_value(run).expect("a report run is JSON"))
}

/// The `reqwest::Error` under a transport error.
fn transport_cause(error: &Error) -> &reqwest::Error {
    let Error::Transport { source, .. } = error else {
        panic!("expected a transport error, got {error:?}");
    };
    source
}

#[tokio::test]
async fn get_that_meets_two_503s_succeeds_on_the_third_attempt() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(client.authenticate()).await.expect("token");

    sandbox.faults().fail_next(2, 503);
    assert_eq!(within(current_user(&client)).await.expect("call"), "admin");
    assert_eq!(sandbox.hits("GET", "/users/current"), 3);
}

#[tokio::test]
async fn get_that_meets_503_on_every_attempt_fails_with_a_transient_503() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .retry(quick_retries().attempts(3))
        .build()
        .expect("valid configuration");
    within(client.authenticate()).await.expect("token");

    sandbox.faults().fail_next(5, 503);
    let error = within(current_user(&client)).await.expect_err("fails");
    assert!(
        matches!(error, Error::Api { status, .. } if status == StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );
    assert!(error.is_transient(), "{error:?}");
    assert!(!error.is_auth(), "{error:?}");
    assert_eq!(sandbox.hits("GET", "/users/current"), 3);
}

#[tokio::test]
async fn retry_after_beyond_the_total_time_is_not_waited_for() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .retry(quick_retries().total(Duration::from_secs(1)))
        .build()
        .expect("valid configuration");
    within(client.authenticate()).await.expect("token");

    sandbox.faults().fail_next_with_retry_after(1, 429, 5);
    let started = Instant::now();
    let error = within(current_user(&client))
        .await
        .expect_err("not retried");
    assert_eq!(
        error.status(),
        Some(StatusCode::TOO_MANY_REQUESTS),
        "{error:?}"
    );
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(sandbox.hits("GET", "/users/current"), 1);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the client waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn post_that_meets_a_503_is_not_sent_again() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(client.authenticate()).await.expect("token");

    sandbox.faults().fail_next(1, 503);
    let error = within(start_request(&client, &sandbox))
        .await
        .expect_err("fails");
    assert_eq!(
        error.status(),
        Some(StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );
    assert_eq!(sandbox.hits("POST", "/instances/start"), 1);
    assert_eq!(sandbox.requests_started(), 2, "only the seeded requests");
}

#[tokio::test]
async fn post_marked_repeat_safe_is_sent_again_and_succeeds() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(client.authenticate()).await.expect("token");

    sandbox.faults().fail_next(1, 503);
    let run = within(repeat_safe(run_report(&client, &sandbox)))
        .await
        .expect("succeeds on the second attempt");
    assert_eq!(run["total"], 2, "{run}");
    assert_eq!(sandbox.hits("POST", "/reports/{report_sid}"), 2);
}

#[tokio::test]
async fn post_whose_answer_is_lost_fails_once_and_starts_one_request() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(client.authenticate()).await.expect("token");
    let before = sandbox.requests_started();

    sandbox.faults().lose_post_answers(true);
    let error = within(start_request(&client, &sandbox))
        .await
        .expect_err("the answer is lost");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(
        sandbox.requests_started(),
        before + 1,
        "started once, never twice"
    );
    assert_eq!(sandbox.hits("POST", "/instances/start"), 1);
}

#[tokio::test]
async fn get_whose_body_is_cut_is_sent_again_and_answers_in_full() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    let whole = within(async {
        let users = client.workflow().list_users().send().await;
        users.operation("list_users").await
    })
    .await
    .expect("the whole list");

    sandbox.faults().cut_next_bodies(1);
    let again = within(async {
        let users = client.workflow().list_users().send().await;
        users.operation("list_users").await
    })
    .await
    .expect("the list after a cut");
    assert_eq!(
        serde_json::to_value(&again).expect("JSON"),
        serde_json::to_value(&whole).expect("JSON")
    );
    assert_eq!(
        sandbox.hits("GET", "/users/"),
        3,
        "one whole, one cut, one resent"
    );
}

#[tokio::test]
async fn silence_beyond_the_read_timeout_is_a_transient_transport_error() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .read_timeout(Duration::from_millis(100))
        .retry(quick_retries().attempts(2))
        .build()
        .expect("valid configuration");
    within(client.authenticate()).await.expect("token");

    sandbox.faults().set_latency(Duration::from_secs(2));
    let error = within(current_user(&client)).await.expect_err("times out");
    assert!(error.is_transient(), "{error:?}");
    assert!(transport_cause(&error).is_timeout(), "{error:?}");
    assert_eq!(sandbox.hits("GET", "/users/current"), 2);
}

#[tokio::test]
async fn authenticating_while_the_token_endpoint_is_down_is_a_transient_auth_error() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);

    sandbox.faults().set_token_endpoint_down(true);
    let error = within(client.authenticate()).await.expect_err("no token");
    assert!(error.is_auth(), "{error:?}");
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sandbox.token_exchanges(), 0);
}

#[tokio::test]
async fn token_due_for_renewal_serves_while_the_endpoint_is_down_until_it_expires() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let clock = TestClock::starting_now();
    let client = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .clock(clock.clone())
        .build()
        .expect("valid configuration");
    within(current_user(&client)).await.expect("first call");

    // The token lives an hour and is renewed from a minute and a half
    // before; fifty-nine and a half minutes in, renewal is due but fails.
    sandbox.faults().set_token_endpoint_down(true);
    clock.advance(Duration::from_secs(59 * 60 + 30));
    for _ in 0..3 {
        assert_eq!(within(current_user(&client)).await.expect("call"), "admin");
    }
    assert_eq!(sandbox.token_exchanges(), 1);
    assert_eq!(
        sandbox.hits("POST", "/api/auth/token/api-key"),
        2,
        "one renewal tried, then postponed rather than tried per call"
    );

    clock.advance(Duration::from_secs(60));
    let error = within(current_user(&client)).await.expect_err("expired");
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(sandbox.token_exchanges(), 1);
}

#[tokio::test]
async fn an_html_401_is_answered_by_one_renewal_and_one_resend() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(client.authenticate()).await.expect("token");

    sandbox.faults().refuse_next_with_html(1);
    assert_eq!(
        within(current_user(&client)).await.expect("resent"),
        "admin"
    );
    assert_eq!(sandbox.token_exchanges(), 2);
    assert_eq!(sandbox.hits("GET", "/users/current"), 2);
}

#[tokio::test]
async fn a_401_to_a_repeated_call_is_answered_by_one_renewal_and_one_resend() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .retry(quick_retries())
        .build()
        .expect("valid configuration");
    within(client.authenticate()).await.expect("token");

    // The 503 comes first; the 401 meets the repeat.
    sandbox.faults().fail_next(1, 503);
    sandbox.faults().refuse_next_with_html(1);
    assert_eq!(
        within(current_user(&client))
            .await
            .expect("repeated, then resent"),
        "admin"
    );
    assert_eq!(sandbox.token_exchanges(), 2);
    assert_eq!(sandbox.hits("GET", "/users/current"), 3);
}

#[tokio::test]
async fn a_second_html_401_is_an_auth_error_with_the_page_and_no_loop() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(client.authenticate()).await.expect("token");

    sandbox.faults().refuse_next_with_html(2);
    let error = within(current_user(&client))
        .await
        .expect_err("refused twice");
    let Error::Api { status, body, .. } = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(*status, StatusCode::UNAUTHORIZED);
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(error.is_auth(), "{error:?}");
    assert!(!error.is_transient(), "{error:?}");
    assert_eq!(sandbox.token_exchanges(), 2);
    assert_eq!(sandbox.hits("GET", "/users/current"), 2);
}

#[tokio::test]
async fn a_server_clock_ahead_of_the_token_lifetime_is_met_by_renewal_and_resend() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = admin_client(&sandbox);
    within(current_user(&client)).await.expect("first call");

    sandbox
        .faults()
        .set_clock_offset(ClockOffset::Ahead(Duration::from_secs(2 * 60 * 60)));
    assert_eq!(
        within(current_user(&client)).await.expect("resent"),
        "admin"
    );
    assert_eq!(sandbox.token_exchanges(), 2);
    assert_eq!(sandbox.hits("GET", "/users/current"), 3);
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_by_half_its_lifetime() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    sandbox.faults().set_token_lifetime(Duration::from_secs(10));
    let clock = TestClock::starting_now();
    let client = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .clock(clock.clone())
        .build()
        .expect("valid configuration");
    within(current_user(&client)).await.expect("first call");

    // A token of ten seconds is renewed half its life before expiry, plus up
    // to half of that again at random: between 2.5 and 5 seconds in.
    clock.advance(Duration::from_secs(2));
    within(current_user(&client)).await.expect("second call");
    assert_eq!(sandbox.token_exchanges(), 1);
    clock.advance(Duration::from_secs(3));
    within(current_user(&client)).await.expect("third call");
    assert_eq!(sandbox.token_exchanges(), 2);
}

#[tokio::test]
async fn each_credential_is_counted_under_its_own_key() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let admin = admin_client(&sandbox);
    let key = sandbox.impersonation_key();
    let impersonating = builder(&sandbox, Credentials::impersonate(key, "msmith"))
        .build()
        .expect("valid configuration");

    within(async {
        for _ in 0..2 {
            assert_eq!(current_user(&admin).await.expect("admin call"), "admin");
            let user = current_user(&impersonating)
                .await
                .expect("impersonated call");
            assert_eq!(user, "msmith");
        }
    })
    .await;
    assert_eq!(sandbox.token_exchanges_for(sandbox.system_key()), 1);
    assert_eq!(sandbox.token_exchanges_for(key), 1);
    assert_eq!(sandbox.token_exchanges(), 2);
}

#[tokio::test]
async fn jwt_bearer_credentials_act_as_the_user_after_one_exchange() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let credentials =
        Credentials::jwt_bearer(sandbox.impersonation_key(), sandbox.app_secret(), "jdoe");
    let client = builder(&sandbox, credentials)
        .build()
        .expect("valid configuration");

    for _ in 0..2 {
        assert_eq!(within(current_user(&client)).await.expect("call"), "jdoe");
    }
    assert_eq!(sandbox.token_exchanges(), 1);
    assert_eq!(sandbox.token_exchanges_for(sandbox.impersonation_key()), 1);
    assert_eq!(sandbox.hits("POST", "/oauth2/token"), 1);
}

#[tokio::test]
async fn jwt_bearer_with_a_wrong_secret_is_a_clear_auth_error() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let credentials =
        Credentials::jwt_bearer(sandbox.impersonation_key(), "not-the-app-secret", "jdoe");
    let client = builder(&sandbox, credentials)
        .build()
        .expect("valid configuration");

    let error = within(client.authenticate()).await.expect_err("refused");
    assert!(error.is_auth(), "{error:?}");
    assert!(!error.is_transient(), "{error:?}");
    let cause = std::error::Error::source(&error)
        .expect("a cause")
        .to_string();
    assert_eq!(
        cause,
        "the server refused the JWT-bearer application key (HTTP 401 Unauthorized)"
    );
    let everything = format!("{error} {cause} {error:?}");
    assert!(!everything.contains("not-the-app-secret"), "{everything}");
    assert_eq!(sandbox.token_exchanges(), 0);
}

/// A bare HTTP server on loopback for one purpose: it answers each of the
/// first `connections` connections with `answer`, then stops, and hands
/// back the request heads it read.
async fn raw_server(
    answer: impl Fn(SocketAddr) -> String + Send + 'static,
    connections: usize,
) -> (SocketAddr, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("an address");
    let server = tokio::spawn(async move {
        let mut heads = Vec::new();
        for _ in 0..connections {
            let Ok((mut stream, _)) = listener.accept().await else {
                break;
            };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            heads.push(String::from_utf8_lossy(&head).into_owned());
            let _ = stream.write_all(answer(address).as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        heads
    });
    (address, server)
}

#[tokio::test]
async fn a_redirect_to_another_host_carries_no_credentials() {
    const TOKEN: &str = "0123456789abcdef0123456789abcdef";
    let (elsewhere, elsewhere_heads) = raw_server(
        |_| {
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: 5\r\nConnection: close\r\n\r\nhello"
                .to_owned()
        },
        1,
    )
    .await;
    let (site, site_heads) = raw_server(
        move |_| {
            format!(
                "HTTP/1.1 302 Found\r\nLocation: http://{elsewhere}/x\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
        },
        1,
    )
    .await;
    let client = Client::builder(format!("http://{site}"))
        .credentials(Credentials::bearer(TOKEN))
        .retry(quick_retries())
        .build()
        .expect("valid configuration");

    let download = within(client.download("/files/stream/x"))
        .await
        .expect("followed the redirect");
    assert_eq!(
        within(download.bytes()).await.expect("body").as_ref(),
        b"hello"
    );

    let site_heads = within(site_heads).await.expect("site server");
    let elsewhere_heads = within(elsewhere_heads).await.expect("other server");
    assert_eq!(site_heads.len(), 1);
    assert!(
        site_heads[0].starts_with("GET /files/stream/x "),
        "{site_heads:?}"
    );
    let site_head = site_heads[0].to_lowercase();
    assert!(
        site_head.contains(&format!("authorization: bearer {TOKEN}")),
        "the site did not get the token: {site_head}"
    );
    assert_eq!(elsewhere_heads.len(), 1);
    assert!(
        elsewhere_heads[0].starts_with("GET /x "),
        "{elsewhere_heads:?}"
    );
    let elsewhere_head = elsewhere_heads[0].to_lowercase();
    assert!(
        !elsewhere_head.contains("authorization"),
        "{elsewhere_head}"
    );
    assert!(!elsewhere_head.contains(TOKEN), "{elsewhere_head}");
}

/// Everything the log subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Texts that must not appear in `text`; the first found, if any.
fn leaked<'a>(text: &str, secrets: &'a [String]) -> Option<&'a str> {
    secrets
        .iter()
        .map(String::as_str)
        .find(|secret| text.contains(secret))
}

#[tokio::test]
async fn no_key_secret_or_token_shows_in_logs_errors_or_debug_output() {
    // reqwest logs through `log`; forward it, so its lines are checked too.
    // Only this test installs the forwarder, and it outlives the test.
    tracing_log::LogTracer::init().expect("no other `log` logger in this binary");
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    // tracing asks the dispatcher of whichever thread first reaches a
    // callsite whether it is wanted, and keeps the answer, while only one
    // dispatcher is registered; other tests' threads, which have none, would
    // then switch the client's callsites off for good. A second registered
    // dispatcher makes it ask each thread's own on every call.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // The test runs on one thread, the sandbox's and reqwest's tasks too, so
    // a default for this thread sees every line.
    let _logging = tracing::subscriber::set_default(subscriber);

    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let clock = TestClock::starting_now();
    let admin = builder(&sandbox, Credentials::system_key(sandbox.system_key()))
        .clock(clock.clone())
        .build()
        .expect("valid configuration");
    let app_key = sandbox.impersonation_key();
    let impersonating = builder(&sandbox, Credentials::impersonate(app_key, "msmith"))
        .build()
        .expect("valid configuration");
    let jwt_bearer = builder(
        &sandbox,
        Credentials::jwt_bearer(app_key, sandbox.app_secret(), "jdoe"),
    )
    .build()
    .expect("valid configuration");
    let wrong_keys = [
        Credentials::system_key("wrong-private-key"),
        Credentials::impersonate("wrong-app-key", "jdoe"),
        Credentials::jwt_bearer(app_key, "wrong-app-secret", "jdoe"),
    ]
    .map(|credentials| {
        builder(&sandbox, credentials)
            .build()
            .expect("valid configuration")
    });

    let errors = within(async {
        let mut errors = Vec::new();
        admin.authenticate().await.expect("token");
        current_user(&admin).await.expect("call");
        start_request(&admin, &sandbox).await.expect("start");
        sandbox.faults().refuse_next_with_html(1);
        current_user(&admin).await.expect("renewed and resent");
        sandbox.faults().refuse_next_with_html(2);
        errors.push(current_user(&admin).await.expect_err("refused twice"));
        // A renewal that fails while the token still serves logs a warning.
        sandbox.faults().set_token_endpoint_down(true);
        clock.advance(Duration::from_secs(59 * 60 + 30));
        current_user(&admin)
            .await
            .expect("the current token serves");
        sandbox.faults().set_token_endpoint_down(false);
        current_user(&impersonating)
            .await
            .expect("impersonated call");
        current_user(&jwt_bearer).await.expect("JWT-bearer call");
        for client in &wrong_keys {
            errors.push(client.authenticate().await.expect_err("refused"));
            errors.push(current_user(client).await.expect_err("refused"));
        }
        errors
    })
    .await;

    let mut secrets: Vec<String> = [
        sandbox.system_key(),
        app_key,
        sandbox.app_secret(),
        "wrong-private-key",
        "wrong-app-key",
        "wrong-app-secret",
    ]
    .map(str::to_owned)
    .into();
    let tokens = sandbox.issued_tokens();
    assert_eq!(tokens.len(), 5, "admin thrice, impersonation, JWT-bearer");
    secrets.extend(tokens);

    let logs = captured.text();
    assert!(
        logs.contains("nwa.call"),
        "the capture missed the calls:\n{logs}"
    );
    assert!(
        logs.contains("TRACE"),
        "the capture is not at TRACE:\n{logs}"
    );
    if let Some(secret) = leaked(&logs, &secrets) {
        panic!("{secret} is in the logs:\n{logs}");
    }
    for error in &errors {
        let mut shown = format!("{error} {error:?} {error:#?}");
        let mut cause = std::error::Error::source(error);
        while let Some(inner) = cause {
            shown.push_str(&format!(" {inner} {inner:?}"));
            cause = inner.source();
        }
        assert_eq!(leaked(&shown, &secrets), None, "{shown}");
    }
    let clients = [&admin, &impersonating, &jwt_bearer]
        .into_iter()
        .chain(&wrong_keys)
        .map(|client| format!("{client:?} {client:#?}"));
    for shown in clients {
        assert_eq!(leaked(&shown, &secrets), None, "{shown}");
    }
}
