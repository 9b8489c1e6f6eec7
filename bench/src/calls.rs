//! Figures 1 and 2: what a typed call costs over the same GET built by hand
//! with reqwest, one at a time and 64 at a time; and how many token
//! exchanges 1000 calls on a cold cache start, and what they wait.
//!
//! Both contenders send `GET /users/current` with `Accept:
//! application/json` and a bearer token, from a reqwest client with the same
//! settings (timeouts, user agent, default pool), read the body and decode it
//! into the same generated `User` type. They are alternated call by call (or
//! batch by batch) so that drift in the machine falls on both alike.

use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use nutrient_workflow::workflow::types::User;
use nutrient_workflow::{Client, ResultExt as _};
use reqwest::header::{ACCEPT, HeaderValue};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::figure::{Figure, Goal, Unit, median, median_secs};
use crate::machine::thread_cpu;
use crate::{CLIENT_RUNTIME, Server};

/// Calls of each contender before timing, to open connections and fill
/// caches.
const WARMUP_CALLS: usize = 1_000;
/// Timed pairs of sequential calls; enough for a median stable to a few
/// tenths of a percent, in about ten seconds on two cores.
const SEQUENTIAL_PAIRS: usize = 30_000;
/// Tasks calling at once for the throughput figure.
const CONCURRENT_TASKS: usize = 64;
/// Calls in one timed batch of the throughput figure: about 50 ms of work,
/// short enough that two batches back to back see the same machine.
const BATCH_CALLS: usize = 2_000;
/// Timed rounds of the throughput figure; each runs one batch of each
/// contender, back to back, in alternating order.
const ROUNDS: usize = 30;

/// Callers that start together on a cold token cache.
const COLD_CALLERS: usize = 1_000;
/// Fresh clients tried for the cold-cache figure.
const COLD_TRIALS: usize = 5;
/// The user agent the crate's client sends, so both requests are the same
/// bytes.
const USER_AGENT: &str = "nutrient-workflow/0.1.0";

#[derive(Clone, Copy, Debug)]
enum Contender {
    Typed,
    Raw,
}

/// The two ways to make the call.
struct Contenders {
    typed: Client,
    raw: RawGet,
}

impl Contenders {
    async fn call(&self, contender: Contender) -> Result<(), String> {
        let user = match contender {
            Contender::Typed => typed_get(&self.typed).await?,
            Contender::Raw => self.raw.get().await?,
        };
        std::hint::black_box(user);
        Ok(())
    }
}

async fn typed_get(client: &Client) -> Result<User, String> {
    client
        .workflow()
        .get_current_user()
        .send()
        .await
        .operation("get_current_user")
        .await
        .map_err(|e| e.full_message())
}

/// The GET as a reqwest user writes it, with a token exchanged by hand.
struct RawGet {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl RawGet {
    async fn connect(base_url: &str, tenant: &str, key: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(nutrient_workflow::DEFAULT_CONNECT_TIMEOUT)
            .read_timeout(nutrient_workflow::DEFAULT_READ_TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| format!("reqwest client: {e}"))?;
        let token = exchange(&http, base_url, tenant, key).await?;
        Ok(Self {
            http,
            base_url: base_url.to_owned(),
            token,
        })
    }

    async fn get(&self) -> Result<User, String> {
        let response = self
            .http
            .get(format!("{}/users/current", self.base_url))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| format!("raw GET: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("raw GET answered {}", response.status()));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("raw GET body: {e}"))?;
        serde_json::from_slice(&body).map_err(|e| format!("raw GET decode: {e}"))
    }
}

/// Exchanges the system key for a token by hand.
pub(crate) async fn exchange(
    http: &reqwest::Client,
    base_url: &str,
    tenant: &str,
    key: &str,
) -> Result<String, String> {
    let answer: serde_json::Value = http
        .post(format!("{base_url}/api/auth/token/api-key"))
        .json(&serde_json::json!({ "tenant": tenant, "apiKey": key }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("token exchange: {e}"))?
        .json()
        .await
        .map_err(|e| format!("token exchange answer: {e}"))?;
    answer["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the token exchange answered no token".to_owned())
}

/// Figure 1: sequential latency and concurrent throughput.
pub(crate) async fn per_call(server: &Server) -> Result<Vec<Figure>, String> {
    let contenders = Arc::new(Contenders {
        typed: server.client()?,
        raw: RawGet::connect(server.base_url(), server.tenant(), server.system_key()).await?,
    });
    contenders
        .typed
        .authenticate()
        .await
        .map_err(|e| e.full_message())?;
    for _ in 0..WARMUP_CALLS {
        contenders.call(Contender::Typed).await?;
        contenders.call(Contender::Raw).await?;
    }

    let mut typed = Vec::with_capacity(SEQUENTIAL_PAIRS);
    let mut raw = Vec::with_capacity(SEQUENTIAL_PAIRS);
    for pair in 0..SEQUENTIAL_PAIRS {
        let order = if pair % 2 == 0 {
            [Contender::Typed, Contender::Raw]
        } else {
            [Contender::Raw, Contender::Typed]
        };
        for contender in order {
            let started = Instant::now();
            contenders.call(contender).await?;
            let took = started.elapsed();
            match contender {
                Contender::Typed => typed.push(took),
                Contender::Raw => raw.push(took),
            }
        }
    }
    let sequential = Figure::new(
        format!("GET latency, sequential (median of {SEQUENTIAL_PAIRS})"),
        Unit::Time,
        median_secs(&typed),
    )
    .baseline(median_secs(&raw))
    .goal(Goal::RatioAtMost(1.02));

    // The first batch of each opens its 64 connections.
    batch(&contenders, Contender::Typed).await?;
    batch(&contenders, Contender::Raw).await?;
    let mut rounds = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let order = if round % 2 == 0 {
            [Contender::Typed, Contender::Raw]
        } else {
            [Contender::Raw, Contender::Typed]
        };
        let mut typed = None;
        let mut raw = None;
        for contender in order {
            let measured = Some(batch(&contenders, contender).await?);
            match contender {
                Contender::Typed => typed = measured,
                Contender::Raw => raw = measured,
            }
        }
        if let (Some(typed), Some(raw)) = (typed, raw) {
            rounds.push((typed, raw));
        }
    }
    let mut figures = vec![sequential, throughput_figure(&rounds)];
    figures.extend(cpu_figure(&rounds));
    Ok(figures)
}

/// What one batch measured.
#[derive(Clone, Copy)]
struct Batch {
    /// Calls a second.
    rate: f64,
    /// CPU time of the client's threads per call, in seconds, where the
    /// kernel says.
    cpu_per_call: Option<f64>,
}

/// The throughput figure: the median rates, and the median of the rounds'
/// ratios as the ratio.
fn throughput_figure(rounds: &[(Batch, Batch)]) -> Figure {
    let mut typed: Vec<f64> = rounds.iter().map(|(t, _)| t.rate).collect();
    let mut raw: Vec<f64> = rounds.iter().map(|(_, r)| r.rate).collect();
    let mut ratios: Vec<f64> = rounds.iter().map(|(t, r)| t.rate / r.rate).collect();
    Figure::new(
        format!(
            "GET throughput, {CONCURRENT_TASKS} tasks ({} paired rounds)",
            rounds.len()
        ),
        Unit::Rate,
        median(&mut typed),
    )
    .baseline(median(&mut raw))
    .paired_ratio(median(&mut ratios))
    .goal(Goal::RatioAtLeast(0.97))
}

/// The client's CPU time per call in the throughput rounds: what the crate
/// adds, without the scheduling noise that wall-clock figures carry. `None`
/// where the kernel does not give threads' CPU time.
fn cpu_figure(rounds: &[(Batch, Batch)]) -> Option<Figure> {
    let pairs: Vec<(f64, f64)> = rounds
        .iter()
        .map(|(t, r)| Some((t.cpu_per_call?, r.cpu_per_call?)))
        .collect::<Option<_>>()?;
    let mut typed: Vec<f64> = pairs.iter().map(|(t, _)| *t).collect();
    let mut raw: Vec<f64> = pairs.iter().map(|(_, r)| *r).collect();
    let mut ratios: Vec<f64> = pairs.iter().map(|(t, r)| t / r).collect();
    Some(
        Figure::new(
            "  client CPU per call in those rounds",
            Unit::Time,
            median(&mut typed),
        )
        .baseline(median(&mut raw))
        .paired_ratio(median(&mut ratios)),
    )
}

/// Makes `BATCH_CALLS` calls from `CONCURRENT_TASKS` tasks.
async fn batch(contenders: &Arc<Contenders>, contender: Contender) -> Result<Batch, String> {
    let left = Arc::new(AtomicIsize::new(BATCH_CALLS as isize));
    let cpu_before = thread_cpu(CLIENT_RUNTIME);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..CONCURRENT_TASKS {
        let contenders = Arc::clone(contenders);
        let left = Arc::clone(&left);
        tasks.spawn(async move {
            while left.fetch_sub(1, Ordering::Relaxed) > 0 {
                contenders.call(contender).await?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| format!("a calling task failed: {e}"))??;
    }
    let took = started.elapsed();
    let cpu_per_call = cpu_before
        .zip(thread_cpu(CLIENT_RUNTIME))
        .map(|(before, after)| after.saturating_sub(before).as_secs_f64() / BATCH_CALLS as f64);
    Ok(Batch {
        rate: BATCH_CALLS as f64 / took.as_secs_f64(),
        cpu_per_call,
    })
}

/// Figure 2: token exchanges for 1000 callers on a cold cache, and their
/// latency against the same callers on the warm cache.
///
/// Each trial is a fresh client whose pool is first filled by 1000 calls to
/// a health check that needs no token, so the cold and the warm round differ
/// only in the token cache.
pub(crate) async fn cold_cache(server: &Server) -> Result<Vec<Figure>, String> {
    let mut exchanges = Vec::with_capacity(COLD_TRIALS);
    let mut cold = Vec::with_capacity(COLD_TRIALS);
    let mut warm = Vec::with_capacity(COLD_TRIALS);
    for _ in 0..COLD_TRIALS {
        let client = Arc::new(server.client()?);
        let before = server.sandbox.token_exchanges();
        together(&client, Call::HealthCheck).await?;
        if server.sandbox.token_exchanges() != before {
            return Err("the health checks exchanged a token".into());
        }
        let cold_latencies = together(&client, Call::Typed).await?;
        exchanges.push(server.sandbox.token_exchanges() - before);
        let warm_latencies = together(&client, Call::Typed).await?;
        cold.push(median_secs(&cold_latencies));
        warm.push(median_secs(&warm_latencies));
    }
    // The trial furthest from one exchange speaks for all.
    let worst = exchanges
        .iter()
        .copied()
        .max_by_key(|n| n.abs_diff(1))
        .unwrap_or(0);
    let count = Figure::new(
        format!("token exchanges, {COLD_CALLERS} concurrent calls, cold cache"),
        Unit::Count,
        worst as f64,
    )
    .goal(Goal::Exactly(1.0));
    let latency = Figure::new(
        format!("  their median latency, cold vs warm cache ({COLD_TRIALS} trials)"),
        Unit::Time,
        median(&mut cold),
    )
    .baseline(median(&mut warm));
    Ok(vec![count, latency])
}

#[derive(Clone, Copy)]
enum Call {
    HealthCheck,
    Typed,
}

/// Starts `COLD_CALLERS` calls at once; how long each took.
async fn together(client: &Arc<Client>, call: Call) -> Result<Vec<Duration>, String> {
    let start = Arc::new(Barrier::new(COLD_CALLERS));
    let mut tasks = JoinSet::new();
    for _ in 0..COLD_CALLERS {
        let client = Arc::clone(client);
        let start = Arc::clone(&start);
        tasks.spawn(async move {
            start.wait().await;
            let started = Instant::now();
            match call {
                Call::HealthCheck => client
                    .auth()
                    .auth_healthcheck()
                    .send()
                    .await
                    .operation("auth_healthcheck")
                    .await
                    .map(drop)
                    .map_err(|e| e.full_message())?,
                Call::Typed => drop(typed_get(&client).await?),
            }
            Ok::<_, String>(started.elapsed())
        });
    }
    let mut latencies = Vec::with_capacity(COLD_CALLERS);
    while let Some(done) = tasks.join_next().await {
        latencies.push(done.map_err(|e| format!("a calling task failed: {e}"))??);
    }
    Ok(latencies)
}
