//! The fault switches, the counters and the JWT-bearer grant, seen from a
//! plain HTTP client (and, where a fault is about the bytes on the wire, a
//! raw TCP one) on loopback.

pub mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{bounded, client, exchange, system_token};
use hmac::{Hmac, Mac};
use nwa_sandbox::{ClockOffset, Config, FaultPlan, Sandbox};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

async fn current_user(http: &reqwest::Client, sandbox: &Sandbox, token: &str) -> reqwest::Response {
    http.get(format!("{}/users/current", sandbox.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("call sent")
}

async fn start_request(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    token: &str,
) -> reqwest::Response {
    http.post(format!("{}/instances/start", sandbox.base_url()))
        .query(&[("process_sid", &sandbox.demo().process_sid)])
        .bearer_auth(token)
        .send()
        .await
        .expect("call sent")
}

async fn error_message(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("error body is JSON");
    body["error"]
        .as_str()
        .expect("error has a message")
        .to_owned()
}

/// Sends `request` over a fresh connection and reads until the server
/// closes it, returning what arrived (possibly nothing).
async fn raw_exchange(sandbox: &Sandbox, request: String) -> Vec<u8> {
    let address = sandbox.base_url().trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request written");
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    // A reset after the last bytes is how some closes arrive; what was read
    // before it is the answer.
    while let Ok(read) = stream.read(&mut chunk).await {
        if read == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..read]);
    }
    received
}

/// The claims of a JWT, unchecked.
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("JWT has a payload");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("payload is JSON")
}

/// An HS256 JWT of `claims` signed with `secret`.
fn assertion(claims: &Value, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Epoch seconds of the sandbox's wall clock, for assertion expiries.
fn epoch_now() -> i64 {
    #[expect(
        clippy::disallowed_methods,
        reason = "assertions are dated against real time"
    )]
    let now = std::time::SystemTime::now();
    let since = now
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_secs()).expect("fits")
}

fn good_claims(sandbox: &Sandbox, user: &str) -> Value {
    json!({
        "iss": sandbox.impersonation_key(),
        "sub": user,
        "aud": format!("{}/oauth2/token", sandbox.base_url()),
        "iat": epoch_now(),
        "exp": epoch_now() + 600,
    })
}

async fn grant(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    grant_type: &str,
    assertion: &str,
) -> reqwest::Response {
    http.post(format!("{}/oauth2/token", sandbox.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type={grant_type}&assertion={assertion}"))
        .send()
        .await
        .expect("grant sent")
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[tokio::test]
async fn jwt_bearer_grant_answers_a_token_acting_as_the_subject() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let signed = assertion(&good_claims(&sandbox, "jdoe"), sandbox.app_secret());

        let answer: Value = grant(&http, &sandbox, JWT_BEARER, &signed)
            .await
            .error_for_status()
            .expect("granted")
            .json()
            .await
            .expect("JSON");
        assert_eq!(answer["token_type"], "Bearer");
        assert_eq!(answer["expires_in"], 3600);
        let token = answer["access_token"].as_str().expect("access_token");
        assert_eq!(token.len(), 32);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");

        let me: Value = current_user(&http, &sandbox, token)
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(me["UserName"], "jdoe");
        assert_eq!(sandbox.token_exchanges(), 1);
        assert_eq!(sandbox.token_exchanges_for(sandbox.impersonation_key()), 1);
        assert_eq!(sandbox.issued_tokens(), vec![token.to_owned()]);
    })
    .await;
}

#[tokio::test]
async fn jwt_bearer_grant_refuses_every_bad_assertion_with_401_and_a_bad_form_with_400() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let secret = sandbox.app_secret();
        let with = |field: &str, value: Value| {
            let mut claims = good_claims(&sandbox, "jdoe");
            claims[field] = value;
            claims
        };
        let refused = [
            (
                assertion(&good_claims(&sandbox, "jdoe"), "not-the-secret"),
                "signature",
            ),
            (
                assertion(&with("iss", json!("another-app")), secret),
                "application key",
            ),
            (
                assertion(&with("sub", json!("nobody")), secret),
                "no active user",
            ),
            (
                assertion(&with("exp", json!(epoch_now() - 5)), secret),
                "expired",
            ),
            (
                assertion(
                    &with("aud", json!("https://elsewhere/oauth2/token")),
                    secret,
                ),
                "is for",
            ),
            ("not-a-jwt".to_owned(), "malformed"),
        ];
        for (signed, reason) in refused {
            let answer = grant(&http, &sandbox, JWT_BEARER, &signed).await;
            assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{reason}");
            let message = error_message(answer).await;
            assert!(message.contains(reason), "{message} lacks {reason}");
        }

        let signed = assertion(&good_claims(&sandbox, "jdoe"), secret);
        let answer = grant(&http, &sandbox, "client_credentials", &signed).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert!(error_message(answer).await.contains("grant type"));

        let no_assertion = http
            .post(format!("{}/oauth2/token", sandbox.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type={JWT_BEARER}"))
            .send()
            .await
            .expect("sent");
        assert_eq!(no_assertion.status(), StatusCode::BAD_REQUEST);
        assert!(error_message(no_assertion).await.contains("malformed form"));
        assert_eq!(sandbox.token_exchanges(), 0);
    })
    .await;
}

#[tokio::test]
async fn fail_next_answers_the_status_without_doing_anything_then_stops() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        sandbox.faults().fail_next(2, 503);
        // The exchange is not an API route here, so it does not use up a
        // failure.
        let token = system_token(&http, &sandbox).await;

        for _ in 0..2 {
            let answer = start_request(&http, &sandbox, &token).await;
            assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(answer.headers().get("retry-after").is_none());
            assert_eq!(
                error_message(answer).await,
                "failed on purpose by the sandbox"
            );
        }
        assert_eq!(sandbox.requests_started(), 2, "only the seeded requests");

        let answer = start_request(&http, &sandbox, &token).await;
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(sandbox.requests_started(), 3);
        assert_eq!(sandbox.hits("POST", "/instances/start"), 3);
        assert_eq!(sandbox.hits("post", "/api/auth/token/api-key"), 1);
    })
    .await;
}

#[tokio::test]
async fn failures_carry_retry_after_when_asked_and_spare_the_spec_documents() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        sandbox.faults().fail_next_with_retry_after(1, 429, 7);
        let health = http
            .get(format!("{}/api/auth/healthcheck", sandbox.base_url()))
            .send()
            .await
            .expect("sent");
        assert_eq!(health.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(health.headers()["retry-after"], "7");

        let spec = http
            .get(format!("{}/openapi/workflow.json", sandbox.base_url()))
            .send()
            .await
            .expect("sent");
        assert_eq!(spec.status(), StatusCode::OK, "spec documents never fail");
    })
    .await;
}

#[tokio::test]
async fn latency_delays_every_answer_until_turned_off() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let delay = Duration::from_millis(150);
        sandbox.faults().set_latency(delay);
        let started = Instant::now();
        let token = system_token(&http, &sandbox).await;
        assert!(started.elapsed() >= delay, "the exchange was not delayed");
        let started = Instant::now();
        assert_eq!(current_user(&http, &sandbox, &token).await.status(), 200);
        assert!(started.elapsed() >= delay, "the call was not delayed");

        sandbox.faults().set_latency(Duration::ZERO);
        let started = Instant::now();
        assert_eq!(current_user(&http, &sandbox, &token).await.status(), 200);
        assert!(started.elapsed() < delay, "the delay did not stop");
    })
    .await;
}

#[tokio::test]
async fn a_lost_post_answer_closes_the_connection_with_nothing_sent_but_the_post_happened() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let token = system_token(&http, &sandbox).await;
        sandbox.faults().lose_post_answers(true);

        let request = format!(
            "POST /instances/start?process_sid={} HTTP/1.1\r\nHost: sandbox\r\n\
             Authorization: Bearer {token}\r\nContent-Length: 0\r\n\r\n",
            sandbox.demo().process_sid
        );
        let received = raw_exchange(&sandbox, request).await;
        assert!(
            received.is_empty(),
            "an answer arrived: {}",
            String::from_utf8_lossy(&received)
        );
        assert_eq!(sandbox.requests_started(), 3, "the POST was carried out");

        // The same POST again is carried out and answered; another is lost.
        let again = start_request(&http, &sandbox, &token).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(sandbox.requests_started(), 4);
        let other = http
            .post(format!(
                "{}/instances/{}/start",
                sandbox.base_url(),
                sandbox.demo().process_sid
            ))
            .bearer_auth(&token)
            .send()
            .await;
        assert!(other.is_err(), "{other:?}");
        assert_eq!(sandbox.requests_started(), 5);

        // GETs are answered all along.
        assert_eq!(current_user(&http, &sandbox, &token).await.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn a_cut_body_sends_the_head_and_half_the_body_then_closes() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let token = system_token(&http, &sandbox).await;
        let whole = current_user(&http, &sandbox, &token)
            .await
            .bytes()
            .await
            .expect("the whole answer");
        sandbox.faults().cut_next_bodies(1);

        let request = format!(
            "GET /users/current HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        let received = raw_exchange(&sandbox, request).await;
        let text = String::from_utf8_lossy(&received);
        let (head, body) = text.split_once("\r\n\r\n").expect("the head arrived");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let declared = format!("content-length: {}", whole.len());
        assert!(head.to_lowercase().contains(&declared), "{head}");
        assert!(!body.is_empty() && body.len() < whole.len(), "{body}");
        assert!(whole.starts_with(body.as_bytes()));

        let next = current_user(&http, &sandbox, &token).await;
        assert_eq!(next.bytes().await.expect("whole again"), whole);
    })
    .await;
}

#[tokio::test]
async fn a_cut_body_is_a_body_error_to_reqwest() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let token = system_token(&http, &sandbox).await;
        sandbox.faults().cut_next_bodies(1);
        let answer = current_user(&http, &sandbox, &token).await;
        assert_eq!(answer.status(), StatusCode::OK);
        let error = answer.bytes().await.expect_err("the body is cut");
        assert!(error.is_body() || error.is_decode(), "{error:?}");
    })
    .await;
}

#[tokio::test]
async fn token_lifetime_applies_to_tokens_issued_from_then_on() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let before = system_token(&http, &sandbox).await;
        sandbox.faults().set_token_lifetime(Duration::from_secs(10));
        let answer: Value = exchange(&http, &sandbox).await.json().await.expect("JSON");
        assert_eq!(answer["expiresIn"], 10);
        let after = claims(answer["token"].as_str().expect("token"));
        assert_eq!(
            after["exp"].as_i64().unwrap() - after["iat"].as_i64().unwrap(),
            10
        );
        let before = claims(&before);
        assert_eq!(
            before["exp"].as_i64().unwrap() - before["iat"].as_i64().unwrap(),
            3600
        );

        let signed = assertion(&good_claims(&sandbox, "jdoe"), sandbox.app_secret());
        let granted: Value = grant(&http, &sandbox, JWT_BEARER, &signed)
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(granted["expires_in"], 10);
    })
    .await;
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_answers_503_to_every_exchange() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let token = system_token(&http, &sandbox).await;
        sandbox.faults().set_token_endpoint_down(true);

        assert_eq!(exchange(&http, &sandbox).await.status(), 503);
        let impersonate = http
            .get(format!("{}/access/impersonate", sandbox.base_url()))
            .query(&[("key", sandbox.impersonation_key()), ("user", "jdoe")])
            .send()
            .await
            .expect("sent");
        assert_eq!(impersonate.status(), 503);
        let signed = assertion(&good_claims(&sandbox, "jdoe"), sandbox.app_secret());
        assert_eq!(
            grant(&http, &sandbox, JWT_BEARER, &signed).await.status(),
            503
        );
        assert_eq!(
            current_user(&http, &sandbox, &token).await.status(),
            200,
            "tokens already issued still work"
        );
        assert_eq!(sandbox.token_exchanges(), 1);

        sandbox.faults().set_token_endpoint_down(false);
        assert_eq!(exchange(&http, &sandbox).await.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn a_clock_ahead_expires_tokens_early_and_one_behind_dates_them_back() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let token = system_token(&http, &sandbox).await;

        sandbox
            .faults()
            .set_clock_offset(ClockOffset::Ahead(Duration::from_secs(2 * 3600)));
        let answer = current_user(&http, &sandbox, &token).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_message(answer).await, "token expired");

        sandbox
            .faults()
            .set_clock_offset(ClockOffset::Behind(Duration::from_secs(3600)));
        assert_eq!(current_user(&http, &sandbox, &token).await.status(), 200);
        let behind = claims(&system_token(&http, &sandbox).await);
        let lag = epoch_now() - behind["iat"].as_i64().expect("iat");
        assert!((3599..=3601).contains(&lag), "issued {lag} s in the past");
    })
    .await;
}

#[tokio::test]
async fn html_refusals_answer_a_401_page_whatever_the_token_then_stop() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        sandbox.faults().refuse_next_with_html(1);
        let token = system_token(&http, &sandbox).await;
        let health = http
            .get(format!("{}/api/instance/healthcheck", sandbox.base_url()))
            .send()
            .await
            .expect("sent");
        assert_eq!(health.status(), 200, "routes without a token are spared");

        let refused = current_user(&http, &sandbox, &token).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(
            refused.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = refused.text().await.expect("a page");
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");

        assert_eq!(current_user(&http, &sandbox, &token).await.status(), 200);
        assert_eq!(sandbox.hits("GET", "/users/current"), 2);
    })
    .await;
}

#[tokio::test]
async fn counters_tell_routes_keys_and_requests_apart() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        assert_eq!(sandbox.requests_started(), 2, "the seeded requests");
        let token = system_token(&http, &sandbox).await;
        let user_token: Value = http
            .post(format!(
                "{}/api/auth/token/user-api-key",
                sandbox.base_url()
            ))
            .json(&json!({ "tenant": sandbox.tenant(), "apiKey": sandbox.user_key() }))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        let impersonated: Value = http
            .get(format!("{}/access/impersonate", sandbox.base_url()))
            .query(&[("key", sandbox.impersonation_key()), ("user", "msmith")])
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");

        let report = format!(
            "{}/reports/{}",
            sandbox.base_url(),
            sandbox.demo().report_sid
        );
        for _ in 0..2 {
            let answer = http
                .post(&report)
                .bearer_auth(&token)
                .json(&json!({ "filters": [] }))
                .send()
                .await
                .expect("sent");
            assert_eq!(answer.status(), 200);
        }
        assert_eq!(start_request(&http, &sandbox, &token).await.status(), 200);

        assert_eq!(sandbox.token_exchanges(), 3);
        assert_eq!(sandbox.token_exchanges_for(sandbox.system_key()), 1);
        assert_eq!(sandbox.token_exchanges_for(sandbox.user_key()), 1);
        assert_eq!(sandbox.token_exchanges_for(sandbox.impersonation_key()), 1);
        assert_eq!(sandbox.token_exchanges_for("unknown-key"), 0);
        assert_eq!(
            sandbox.issued_tokens(),
            vec![
                token.clone(),
                user_token["token"].as_str().unwrap().to_owned(),
                impersonated["token"].as_str().unwrap().to_owned(),
            ]
        );
        let report_path = format!("/reports/{}", sandbox.demo().report_sid);
        assert_eq!(sandbox.hits("POST", "/reports/{report_sid}"), 2);
        assert_eq!(sandbox.hits("POST", &report_path), 2);
        assert_eq!(sandbox.hits("GET", &report_path), 0);
        assert_eq!(sandbox.requests_started(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_fault_plan_in_the_config_is_on_from_the_start_until_cleared() {
    bounded(async {
        let config = Config {
            faults: "fail-next=5x502,token-lifetime=30s"
                .parse::<FaultPlan>()
                .expect("valid"),
            ..Config::default()
        };
        let sandbox = nwa_sandbox::spawn_with(config)
            .await
            .expect("sandbox starts");
        let http = client();
        let answer: Value = exchange(&http, &sandbox).await.json().await.expect("JSON");
        assert_eq!(answer["expiresIn"], 30);
        let token = answer["token"].as_str().expect("token");
        assert_eq!(current_user(&http, &sandbox, token).await.status(), 502);

        sandbox.faults().clear();
        assert_eq!(current_user(&http, &sandbox, token).await.status(), 200);
        let answer: Value = exchange(&http, &sandbox).await.json().await.expect("JSON");
        assert_eq!(answer["expiresIn"], 3600, "back to the configured lifetime");
    })
    .await;
}
