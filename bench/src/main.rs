//! The measuring program behind `cargo xtask bench`, which builds it in
//! release and runs it; see the README's Performance section for what the
//! figures mean and what they were on one machine.
//!
//! It starts the sandbox on loopback in its own runtime (one worker thread)
//! and measures the client from another runtime (one worker thread), so the
//! two sides never share a thread. It prints the machine, then one line per
//! figure: the crate's value, the baseline's, their ratio, the goal and
//! whether it was met. Every loop has a fixed count and every child process
//! a time limit. A missed goal is printed, not an error; a figure that could
//! not be measured is.
//!
//! `nwa-bench [--build]`; `--build` adds the build-cost figures, which take
//! minutes. `nwa-bench stream-child ...` is the measured child of figure 3,
//! started by the program itself.

mod build_cost;
mod calls;
mod fetch;
mod figure;
mod machine;
mod streaming;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use nutrient_workflow::{Client, Credentials};
use nwa_sandbox::{Config, Sandbox};
use tokio::runtime::Runtime;

use figure::Figure;

pub(crate) const MIB: u64 = 1024 * 1024;
/// The name of the client runtime's threads, whose CPU time figure 1
/// measures.
pub(crate) const CLIENT_RUNTIME: &str = "client";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(streaming::CHILD_COMMAND) {
        return streaming::child_main(&args[1..]);
    }
    let build = match args.as_slice() {
        [] => false,
        [flag] if flag == "--build" => true,
        _ => {
            eprintln!("usage: nwa-bench [--build]");
            return ExitCode::FAILURE;
        }
    };
    match run(build) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run(build: bool) -> Result<(), String> {
    let started = Instant::now();
    println!("{}", machine::describe());
    println!(
        "sandbox and client each on their own tokio runtime with 1 worker thread, \
         on 127.0.0.1; release build"
    );
    let server = Server::start()?;
    let client = runtime(CLIENT_RUNTIME, 1)?;
    let scratch = Scratch::new()?;
    let mut table = Table::default();

    for figure in client.block_on(calls::per_call(&server))? {
        table.add(figure);
    }
    for figure in client.block_on(calls::cold_cache(&server))? {
        table.add(figure);
    }
    let (rss, notes) = streaming::peak_rss(&server)?;
    table.add(rss);
    for note in notes {
        table.note(&note);
    }
    table.add(client.block_on(fetch::fetch_and_normalize(&server, &scratch.0))?);
    if build {
        table.note("build cost (target/bench-build; output in target/bench-build/logs):");
        for figure in build_cost::build_cost(&workspace_root())? {
            table.add(figure);
        }
    } else {
        table.note("build cost: run with --build (takes minutes)");
    }

    server.stop();
    let (met, goals) = table.score();
    println!(
        "{met} of {goals} goals met; {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The figures printed so far; the header goes before the first.
#[derive(Default)]
struct Table {
    figures: Vec<Figure>,
}

impl Table {
    fn add(&mut self, figure: Figure) {
        if self.figures.is_empty() {
            println!("{}", figure::header());
        }
        println!("{}", figure.line());
        self.figures.push(figure);
    }

    fn note(&self, note: &str) {
        println!("    {note}");
    }

    /// How many goals were met, of how many.
    fn score(&self) -> (usize, usize) {
        let results: Vec<bool> = self.figures.iter().filter_map(Figure::met).collect();
        let met = results.iter().filter(|met| **met).count();
        (met, results.len())
    }
}

/// The sandbox on its own runtime.
pub(crate) struct Server {
    runtime: Runtime,
    pub(crate) sandbox: Sandbox,
}

impl Server {
    /// The demo tenant, taking uploads of any size without keeping them and
    /// serving a synthetic file for figure 3.
    fn start() -> Result<Self, String> {
        let runtime = runtime("sandbox", 1)?;
        let config = Config {
            max_body_bytes: usize::try_from(2 * streaming::TRANSFER_BYTES).unwrap_or(usize::MAX),
            discard_uploads: true,
            synthetic_file_bytes: Some(streaming::TRANSFER_BYTES),
            ..Config::default()
        };
        let sandbox = runtime
            .block_on(nwa_sandbox::spawn_with(config))
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        Ok(Self { runtime, sandbox })
    }

    fn stop(self) {
        let Server { runtime, sandbox } = self;
        runtime.block_on(sandbox.shutdown());
    }

    pub(crate) fn base_url(&self) -> &str {
        self.sandbox.base_url()
    }

    pub(crate) fn tenant(&self) -> &str {
        self.sandbox.tenant()
    }

    pub(crate) fn system_key(&self) -> &str {
        self.sandbox.system_key()
    }

    /// A new client of the crate, with a cold token cache and no
    /// connections.
    pub(crate) fn client(&self) -> Result<Client, String> {
        Client::builder(self.base_url())
            .tenant(self.tenant())
            .credentials(Credentials::system_key(self.system_key()))
            .build()
            .map_err(|e| e.full_message())
    }
}

/// A runtime whose threads are named `name`, so a profiler tells them apart.
fn runtime(name: &str, workers: usize) -> Result<Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

/// A scratch folder for the fetch figure, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("nwa-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
