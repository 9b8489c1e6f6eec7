//! What the sandbox's tests share: a time limit, a plain HTTP client, and a
//! token for the system key.
//!
//! Each test file declares it `pub mod common;`, which keeps the helpers a
//! file does not use from being reported as dead code.

use std::time::Duration;

use nwa_sandbox::Sandbox;
use serde_json::{Value, json};

/// Every test finishes well within this, or fails.
pub const TEST_LIMIT: Duration = Duration::from_secs(20);

/// Runs `test`, failing it if it takes longer than [`TEST_LIMIT`].
pub async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test finished in time");
}

/// A reqwest client whose whole calls may take `timeout`.
pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("client builds")
}

/// A reqwest client for quick calls.
pub fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(5))
}

/// The answer to exchanging the system key.
pub async fn exchange(http: &reqwest::Client, sandbox: &Sandbox) -> reqwest::Response {
    http.post(format!("{}/api/auth/token/api-key", sandbox.base_url()))
        .json(&json!({ "tenant": sandbox.tenant(), "apiKey": sandbox.system_key() }))
        .send()
        .await
        .expect("exchange sent")
}

/// A token for the system key.
pub async fn system_token(http: &reqwest::Client, sandbox: &Sandbox) -> String {
    let answer: Value = exchange(http, sandbox)
        .await
        .error_for_status()
        .expect("exchange accepted")
        .json()
        .await
        .expect("exchange answer is JSON");
    answer["token"].as_str().expect("token").to_owned()
}
