//! Runs the tour example as a user would, and checks how it ends: every step
//! against the sandbox, and a one-line error naming the step when the key is
//! wrong, the site is down, or an answer is malformed.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// The compiled example, built (or found up to date) once per test run, so
/// that running this file alone never tries a stale binary.
fn tour_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--example", "tour"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building the tour failed");
            let exe = std::env::current_exe().expect("test binary path");
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("target profile folder");
            profile_dir.join("examples").join("tour")
        })
        .clone()
}

/// Runs the tour with the given environment (and no inherited NWA_ variables),
/// killing it if it takes more than a minute.
async fn run_tour(env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(tour_binary());
    for var in [
        "NWA_HOST",
        "NWA_TENANT",
        "NWA_API_KEY",
        "NWA_USER",
        "NWA_REPORT_SID",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("the tour finishes within a minute")
        .expect("the tour starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks the tour failed the way a user should see it: a non-zero exit and
/// one line on stderr that names the step.
fn assert_failed_at(output: &Output, step: &str) -> String {
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "the tour should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "the tour panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {stderr}");
    let expected = format!("error: step \"{step}\" failed: ");
    assert!(lines[0].starts_with(&expected), "{stderr}");
    lines[0].to_owned()
}

#[tokio::test]
async fn tour_walks_every_step_against_the_sandbox() {
    let output = run_tour(&[]).await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    for step in [
        "Exchange the API key for a token",
        "List processes",
        "Start a request of \"Expense Claim\"",
        "Find the request's data-container task",
        "Upload a receipt",
        "Post the task's values",
        "List the request's files",
        "Download \"receipt.txt\"",
        "Fetch the report's filters",
        "Export the report as CSV",
    ] {
        assert!(stdout.contains(step), "missing step {step:?} in:\n{stdout}");
    }
    assert!(
        stdout.contains("Team offsite, 3 taxis: 42.50 EUR"),
        "{stdout}"
    );
    assert!(
        stdout.contains("downloaded 1 file(s) (33 bytes)"),
        "{stdout}"
    );
    assert!(stdout.contains("exported 1 report row(s)"), "{stdout}");
}

#[tokio::test]
async fn tour_with_every_post_answer_lost_once_starts_exactly_one_request() {
    // Each POST takes effect and its first answer is lost, and the next
    // two calls fail with 503 (the retry policy allows three attempts): the tour must finish, never start a second
    // request, and never post the task's values twice.
    let output = run_tour(&[("NWA_SANDBOX_FAULTS", "lose-post-answers,fail-next=2x503")]).await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("the answer was lost; the request it started was found"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the sandbox saw 1 request(s) started"),
        "{stdout}"
    );
    assert!(stdout.contains("downloaded 1 file(s)"), "{stdout}");
}

#[tokio::test]
async fn tour_against_a_tenant_runs_the_read_only_steps() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
    let output = run_tour(&[
        ("NWA_HOST", sandbox.base_url()),
        ("NWA_TENANT", sandbox.tenant()),
        ("NWA_API_KEY", sandbox.system_key()),
    ])
    .await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("(read-only)"), "{stdout}");
    assert!(stdout.contains("List my requests"), "{stdout}");
    assert!(!stdout.contains("Start a request"), "{stdout}");
}

#[tokio::test]
async fn wrong_api_key_ends_the_tour_at_the_exchange() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
    let output = run_tour(&[
        ("NWA_HOST", sandbox.base_url()),
        ("NWA_TENANT", sandbox.tenant()),
        ("NWA_API_KEY", "not-the-key"),
    ])
    .await;
    let line = assert_failed_at(&output, "Exchange the API key for a token");
    assert!(
        line.contains("refused the system API key (HTTP 401"),
        "{line}"
    );
    assert!(!line.contains("not-the-key"), "the key leaked: {line}");
}

#[tokio::test]
async fn unreachable_site_ends_the_tour_at_the_exchange() {
    // A port that was just free and is now closed: connecting is refused.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let site = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let output = run_tour(&[
        ("NWA_HOST", &site),
        ("NWA_TENANT", "demo"),
        ("NWA_API_KEY", "some-key"),
    ])
    .await;
    let line = assert_failed_at(&output, "Exchange the API key for a token");
    assert!(line.contains("did not complete"), "{line}");
    assert!(!line.contains("some-key"), "the key leaked: {line}");
}

#[tokio::test]
async fn malformed_answer_ends_the_tour_at_its_step() {
    let site = serve_malformed_processes().await;
    let output = run_tour(&[
        ("NWA_HOST", &site),
        ("NWA_TENANT", "demo"),
        ("NWA_API_KEY", "some-key"),
    ])
    .await;
    let line = assert_failed_at(&output, "List processes");
    assert!(
        line.contains("does not have the documented shape"),
        "{line}"
    );
}

/// A loopback server that issues a token and then answers every other
/// request with JSON of the wrong shape. It serves a few connections and
/// stops on its own.
async fn serve_malformed_processes() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let site = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        for _ in 0..8 {
            let Ok(Ok((mut socket, _))) =
                tokio::time::timeout(Duration::from_secs(30), listener.accept()).await
            else {
                return;
            };
            tokio::spawn(async move {
                let mut request = vec![0; 16 * 1024];
                let Ok(read) = socket.read(&mut request).await else {
                    return;
                };
                let head = String::from_utf8_lossy(&request[..read]);
                let body = if head.starts_with("POST /api/auth/token/api-key") {
                    r#"{"token":"opaque-token-without-expiry"}"#
                } else {
                    r#"{"total":"many","items":{}}"#
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    site
}
