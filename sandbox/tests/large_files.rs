//! The knobs for files larger than memory: a body limit that can be raised,
//! uploads that are counted and dropped, and a synthetic file made up as it
//! is downloaded. The benchmark moves a gibibyte each way through them; these
//! tests move a few mebibytes.

pub mod common;

use std::time::Duration;

use common::{bounded, client_with_timeout, system_token};
use nwa_sandbox::{Config, SYNTHETIC_FILE_LINK, Sandbox};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const MIB: usize = 1024 * 1024;

/// Uploads `len` bytes through the legacy route; the status and the answer.
async fn upload(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    token: &str,
    len: usize,
) -> (StatusCode, Value) {
    let part = Part::bytes(vec![7u8; len]).file_name("big.bin");
    let response = http
        .post(format!("{}/files/upload/", sandbox.base_url()))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("upload sent");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn a_body_above_the_configured_limit_is_refused() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn_with(Config {
            max_body_bytes: MIB,
            ..Config::default()
        })
        .await
        .expect("sandbox starts");
        let http = client_with_timeout(Duration::from_secs(10));
        let token = system_token(&http, &sandbox).await;

        let (status, _) = upload(&http, &sandbox, &token, 2 * MIB).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let (status, _) = upload(&http, &sandbox, &token, MIB / 2).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(sandbox.uploaded_bytes(), (MIB / 2) as u64);
    })
    .await;
}

#[tokio::test]
async fn discarded_uploads_are_counted_and_stored_empty() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn_with(Config {
            max_body_bytes: 64 * MIB,
            discard_uploads: true,
            ..Config::default()
        })
        .await
        .expect("sandbox starts");
        let http = client_with_timeout(Duration::from_secs(10));
        let token = system_token(&http, &sandbox).await;

        // Above the default 25 MiB, which the raised limit lets through.
        let len = 30 * MIB;
        let (status, answer) = upload(&http, &sandbox, &token, len).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(sandbox.uploaded_bytes(), len as u64);

        let key = answer[0]["file"].as_str().expect("a file key");
        let stored = http
            .get(format!("{}/files/stream/{key}", sandbox.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("download sent");
        assert_eq!(stored.status(), StatusCode::OK);
        assert!(stored.bytes().await.expect("body").is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_synthetic_file_has_its_configured_size() {
    bounded(async {
        // Not a multiple of the chunk size, so the last chunk is short.
        let len = 3 * MIB as u64 + 12_345;
        let sandbox = nwa_sandbox::spawn_with(Config {
            synthetic_file_bytes: Some(len),
            ..Config::default()
        })
        .await
        .expect("sandbox starts");
        let http = client_with_timeout(Duration::from_secs(10));
        let url = format!("{}{SYNTHETIC_FILE_LINK}", sandbox.base_url());

        let anonymous = http.get(&url).send().await.expect("download sent");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        let token = system_token(&http, &sandbox).await;
        let response = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("download sent");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.content_length(), Some(len));
        let body = response.bytes().await.expect("body");
        assert_eq!(body.len() as u64, len);
        assert!(
            body.iter()
                .take(256)
                .enumerate()
                .all(|(i, b)| *b == i as u8)
        );
    })
    .await;
}

#[tokio::test]
async fn without_the_knob_there_is_no_synthetic_file() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client_with_timeout(Duration::from_secs(10));
        let token = system_token(&http, &sandbox).await;
        let response = http
            .get(format!("{}{SYNTHETIC_FILE_LINK}", sandbox.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("download sent");
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    })
    .await;
}
