//! What the integration tests share: a time limit, clients for the sandbox,
//! a clock the test moves by hand, and a scratch folder.
//!
//! Each test file declares it `pub mod common;`, which keeps the helpers a
//! file does not use from being reported as dead code.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use nutrient_workflow::{Client, ClientBuilder, Clock, Credentials, Error, ResultExt as _};
use nwa_sandbox::Sandbox;

/// Every test finishes well within this; a hang fails instead of blocking
/// the suite.
pub const LIMIT: Duration = Duration::from_secs(30);

/// Runs `work`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, work)
        .await
        .expect("finished within the time limit")
}

/// A builder for the sandbox's tenant with these credentials.
pub fn builder(sandbox: &Sandbox, credentials: Credentials) -> ClientBuilder {
    Client::builder(sandbox.base_url())
        .tenant(sandbox.tenant())
        .credentials(credentials)
}

/// A client for the sandbox's tenant with these credentials.
pub fn client_with(sandbox: &Sandbox, credentials: Credentials) -> Client {
    builder(sandbox, credentials)
        .build()
        .expect("valid configuration")
}

/// A client with the sandbox's system key (acting as `admin`).
pub fn admin_client(sandbox: &Sandbox) -> Client {
    client_with(sandbox, Credentials::system_key(sandbox.system_key()))
}

/// The user name the client acts as.
pub async fn current_user(client: &Client) -> Result<String, Error> {
    let me = client
        .workflow()
        .get_current_user()
        .send()
        .await
        .operation("get_current_user")
        .await?;
    Ok(me.user_name.unwrap_or_default())
}

/// Starts a request of the demo process; returns its SID and number.
pub async fn start_request(client: &Client, sandbox: &Sandbox) -> Result<(String, String), Error> {
    let started = client
        .workflow()
        .start_request()
        .process_sid(&sandbox.demo().process_sid)
        .send()
        .await
        .operation("start_request")
        .await?;
    let request = started
        .request
        .ok_or_else(|| Error::Config("no request".into()))?;
    Ok((request.sid, request.id))
}

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct TestClock(Mutex<SystemTime>);

impl TestClock {
    /// A clock at the real time now: the sandbox checks expiry against its
    /// own clock, which starts at real time too.
    pub fn starting_now() -> Arc<Self> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the test clock starts at real time"
        )]
        let now = SystemTime::now();
        Arc::new(Self(Mutex::new(now)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A scratch folder under the system's temporary directory, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new, empty folder named after `name` and this process.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nwa-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
