//! Authentication against the sandbox tenant on loopback: every credential
//! kind, clear errors for wrong ones, and a token fetched once and renewed
//! when it expires.

pub mod common;

use std::time::Duration;

use common::{TestClock, client_with as client, current_user, within};
use nutrient_workflow::{Client, Credentials, ResultExt as _};

/// Asks for the current user `count` times at once, each call in its own
/// task, and returns every answer.
async fn concurrently(
    client: &Client,
    count: usize,
) -> Vec<Result<String, nutrient_workflow::Error>> {
    let calls: Vec<_> = (0..count)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { current_user(&client).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(count);
    for call in calls {
        answers.push(call.await.expect("the task ran to its end"));
    }
    answers
}

#[tokio::test]
async fn system_key_acts_as_the_admin() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key(sandbox.system_key()));
    assert_eq!(within(current_user(&client)).await.expect("call"), "admin");
}

#[tokio::test]
async fn user_key_acts_as_its_user() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::user_key(sandbox.user_key()));
    assert_eq!(within(current_user(&client)).await.expect("call"), "jdoe");
}

#[tokio::test]
async fn impersonation_acts_as_the_named_user() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let key = sandbox.impersonation_key();
    let client = client(&sandbox, Credentials::impersonate(key, "msmith"));
    assert_eq!(within(current_user(&client)).await.expect("call"), "msmith");
}

#[tokio::test]
async fn bearer_token_is_sent_as_given() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let issued: serde_json::Value = within(async {
        reqwest::Client::new()
            .post(format!("{}/api/auth/token/api-key", sandbox.base_url()))
            .json(&serde_json::json!({"tenant": "demo", "apiKey": sandbox.system_key()}))
            .send()
            .await?
            .json()
            .await
    })
    .await
    .expect("token issued");
    let token = issued["token"].as_str().expect("token field").to_owned();

    let client = client(&sandbox, Credentials::bearer(token.clone()));
    assert_eq!(within(current_user(&client)).await.expect("call"), "admin");
    assert_eq!(
        sandbox.token_exchanges(),
        1,
        "the bearer token needs no exchange"
    );
    assert!(
        !format!("{client:?}").contains(&token),
        "Debug shows the token"
    );
}

#[tokio::test]
async fn wrong_key_is_a_clear_auth_error() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key("wrong-private-key"));
    let error = within(client.authenticate()).await.expect_err("refused");

    assert!(error.is_auth(), "{error:?}");
    assert!(!error.is_transient());
    assert_eq!(error.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    let cause = std::error::Error::source(&error)
        .expect("a cause")
        .to_string();
    assert_eq!(
        cause,
        "the server refused the system API key (HTTP 401 Unauthorized)"
    );
    let everything = format!("{error} {cause} {error:?}");
    assert!(!everything.contains("wrong-private-key"), "{everything}");
}

#[tokio::test]
async fn wrong_tenant_is_refused() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = Client::builder(sandbox.base_url())
        .tenant("another-tenant")
        .credentials(Credentials::system_key(sandbox.system_key()))
        .build()
        .expect("valid configuration");
    let error = within(client.authenticate()).await.expect_err("refused");
    assert!(error.is_auth(), "{error:?}");
}

#[tokio::test]
async fn unknown_impersonated_user_is_refused() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let key = sandbox.impersonation_key();
    let client = client(&sandbox, Credentials::impersonate(key, "nobody"));
    let error = within(current_user(&client)).await.expect_err("refused");
    assert!(error.is_auth(), "{error:?}");
    assert!(
        !format!("{error:?}").contains(key),
        "the key leaked: {error:?}"
    );
}

#[tokio::test]
async fn generated_call_with_a_wrong_key_is_an_auth_error() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key("wrong-private-key"));
    let error = within(current_user(&client)).await.expect_err("refused");
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(error.operation(), Some("get_current_user"));
    let cause = std::error::Error::source(&error)
        .expect("a cause")
        .to_string();
    assert!(cause.contains("refused the system API key"), "{cause}");
}

#[tokio::test]
async fn token_is_shared_by_every_call_and_section() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key(sandbox.system_key()));
    within(async {
        for _ in 0..3 {
            current_user(&client).await.expect("workflow call");
        }
        let request_sid = sandbox.demo().process_sid.clone();
        client
            .instance()
            .list_request_files()
            .instance_sid(request_sid)
            .send()
            .await
            .operation("list_request_files")
            .await
            .expect_err("a process SID is not a request");
    })
    .await;
    assert_eq!(sandbox.token_exchanges(), 1);
}

#[tokio::test]
async fn concurrent_callers_on_a_cold_cache_share_one_exchange() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key(sandbox.system_key()));
    for user in within(concurrently(&client, 50)).await {
        assert_eq!(user.expect("call"), "admin");
    }
    assert_eq!(sandbox.token_exchanges(), 1);
}

#[tokio::test]
async fn a_thousand_calls_on_a_cold_cache_cause_one_exchange() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key(sandbox.system_key()));
    for user in within(concurrently(&client, 1000)).await {
        user.expect("call");
    }
    assert_eq!(sandbox.token_exchanges(), 1);
}

#[tokio::test]
async fn token_expiring_under_two_hundred_calls_is_renewed_once() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let clock = TestClock::starting_now();
    let client = Client::builder(sandbox.base_url())
        .tenant(sandbox.tenant())
        .credentials(Credentials::system_key(sandbox.system_key()))
        .clock(clock.clone())
        .build()
        .expect("valid configuration");
    within(current_user(&client)).await.expect("warm the cache");

    // Past the renewal time (the token lives an hour, renewed at the latest
    // a minute before), two hundred calls arrive together.
    clock.advance(Duration::from_secs(59 * 60 + 30));
    for user in within(concurrently(&client, 200)).await {
        user.expect("call");
    }
    assert_eq!(sandbox.token_exchanges(), 2);
}

#[tokio::test]
async fn token_refused_as_expired_is_renewed_once_and_the_call_resent() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox, Credentials::system_key(sandbox.system_key()));
    within(current_user(&client)).await.expect("first call");

    // The server's clock passes the token's expiry while the client still
    // believes it valid: the server answers 401 and the client recovers.
    sandbox.advance_clock(Duration::from_secs(2 * 60 * 60));
    assert_eq!(
        within(current_user(&client)).await.expect("resent"),
        "admin"
    );
    assert_eq!(sandbox.token_exchanges(), 2);
}

#[tokio::test]
async fn token_is_renewed_before_it_expires() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let clock = TestClock::starting_now();
    let client = Client::builder(sandbox.base_url())
        .tenant(sandbox.tenant())
        .credentials(Credentials::system_key(sandbox.system_key()))
        .clock(clock.clone())
        .build()
        .expect("valid configuration");
    within(current_user(&client)).await.expect("first call");

    // The sandbox's tokens live an hour; fifty-eight minutes in, the token is
    // still used; fifty-nine and a half minutes in, it is replaced.
    clock.advance(Duration::from_secs(58 * 60));
    within(current_user(&client)).await.expect("second call");
    assert_eq!(sandbox.token_exchanges(), 1);
    clock.advance(Duration::from_secs(90));
    within(current_user(&client)).await.expect("third call");
    assert_eq!(sandbox.token_exchanges(), 2);
}

#[tokio::test]
async fn bearer_token_refused_is_an_auth_error_without_a_retry_loop() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(
        &sandbox,
        Credentials::bearer("37034275cf2547d9ac755bab65e9d29a"),
    );
    let error = within(current_user(&client)).await.expect_err("refused");
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(error.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    assert_eq!(sandbox.token_exchanges(), 0);
}
