//! `cargo xtask`: the project's own tasks, kept out of the published crate.
//!
//! - `fetch` downloads each section's document from a tenant, normalizes it
//!   and prints what changed in the API.
//! - `normalize [--check]` rebuilds `openapi/<section>.json` from
//!   `openapi/upstream/`, offline.
//! - `diff OLD NEW` compares two folders of normalized documents.
//! - `sandbox [--port N]` runs the stand-in tenant on loopback.
//! - `bench [--build]` measures the client against the sandbox, in release.

mod bench;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use xtask::fetch::{FetchOptions, fetch};
use xtask::sections::{Manifest, bundled_dir};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks of the nutrient-workflow project")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Downloads each section's document from a tenant, normalizes it, and
    /// prints what changed.
    Fetch(FetchArgs),
    /// Rebuilds the normalized documents from `<dir>/upstream/`.
    Normalize {
        /// Writes nothing; fails with a diff if the documents are stale.
        #[arg(long)]
        check: bool,
        /// The folder holding `sections.toml` and `upstream/`.
        #[arg(long, default_value_os_t = bundled_dir())]
        dir: PathBuf,
    },
    /// Prints the API changes between two folders of normalized documents.
    Diff {
        /// The folder of the old documents.
        old: PathBuf,
        /// The folder of the new documents.
        new: PathBuf,
    },
    /// Runs the sandbox tenant on 127.0.0.1 until Ctrl-C.
    Sandbox {
        /// The port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The dialect the section documents are served in:
        /// `openapi-3.0`, `swagger-2.0` or `openapi-3.1`.
        #[arg(long, default_value = "openapi-3.0")]
        dialect: String,
    },
    /// Measures the client against the sandbox (a release build) and prints
    /// one line per figure with its goal.
    Bench {
        /// Also measures build cost: clean and incremental builds, minutes.
        #[arg(long)]
        build: bool,
    },
}

#[derive(Args)]
#[group(id = "site", required = true, multiple = false)]
struct Site {
    /// The site's URL, e.g. `https://yourcompany.integrify.com`.
    #[arg(long, group = "site")]
    base_url: Option<String>,
    /// The site's host name; short for `--base-url https://HOST`.
    #[arg(long, group = "site")]
    host: Option<String>,
}

#[derive(Args)]
struct FetchArgs {
    #[command(flatten)]
    site: Site,
    /// The tenant ID (System Settings, `ID`).
    #[arg(long)]
    tenant: String,
    /// The environment variable that holds a system API key, used if the
    /// documents need a token.
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// Only these sections (comma-separated).
    #[arg(long, value_delimiter = ',')]
    sections: Vec<String>,
    /// The folder to write to (the bundled documents by default).
    #[arg(long, default_value_os_t = bundled_dir())]
    out: PathBuf,
    /// Allows `http://` for a site that is not on loopback.
    #[arg(long)]
    allow_insecure_http: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Fetch(args) => run_fetch(args).await,
        Command::Normalize { check, dir } => run_normalize(&dir, check),
        Command::Diff { old, new } => xtask::diff::diff_dirs(&old, &new).map(|r| print!("{r}")),
        Command::Sandbox { port, dialect } => sandbox(port, &dialect).await,
        Command::Bench { build } => bench::run(build),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run_fetch(args: FetchArgs) -> Result<(), String> {
    let base_url = match (args.site.base_url, args.site.host) {
        (Some(url), _) => url,
        (None, Some(host)) => format!("https://{host}"),
        (None, None) => return Err("give --base-url or --host".into()),
    };
    let api_key = match &args.api_key_env {
        Some(var) => Some(std::env::var(var).map_err(|_| format!("{var} is not set"))?),
        None => None,
    };
    let manifest = Manifest::load(&bundled_dir())?;
    let options = FetchOptions {
        base_url,
        tenant: args.tenant,
        api_key,
        sections: args.sections,
        out: args.out,
        allow_insecure_http: args.allow_insecure_http,
    };
    let report = fetch(&options, &manifest).await?;
    for name in &report.fetched {
        println!("fetched {name}");
    }
    for note in &report.notes {
        println!("note: {note}");
    }
    println!("\n{}", report.changes);
    if report.failed.is_empty() {
        return Ok(());
    }
    let failures: Vec<String> = report
        .failed
        .iter()
        .map(|(name, why)| format!("section `{name}`: {why}"))
        .collect();
    Err(format!(
        "{} section(s) failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    ))
}

fn run_normalize(dir: &std::path::Path, check: bool) -> Result<(), String> {
    let manifest = Manifest::load(dir).or_else(|_| Manifest::load(&bundled_dir()))?;
    let summary = xtask::pipeline::normalize_dir(dir, &manifest.sections, check)?;
    print!("{summary}");
    Ok(())
}

async fn sandbox(port: u16, dialect: &str) -> Result<(), String> {
    let dialect = nwa_sandbox::Dialect::from_name(dialect).ok_or_else(|| {
        let names: Vec<&str> = nwa_sandbox::Dialect::ALL.iter().map(|d| d.name()).collect();
        format!("no dialect `{dialect}`; choose one of {}", names.join(", "))
    })?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let config = nwa_sandbox::Config {
        dialect,
        ..nwa_sandbox::Config::default()
    };
    let sandbox = nwa_sandbox::spawn_on(listener, config)
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let base = sandbox.base_url();
    println!("Sandbox tenant (a test double, not Workflow Automation)");
    println!("  site               {base}");
    println!("  tenant             {}", sandbox.tenant());
    println!("  system API key     {}", sandbox.system_key());
    println!("  user-based API key {}", sandbox.user_key());
    println!("  application key    {}", sandbox.impersonation_key());
    println!(
        "  specs              {base}/openapi/<section>.json ({})",
        dialect.name()
    );
    println!("Try the tour against it:");
    println!(
        "  NWA_HOST={base} NWA_TENANT={} NWA_API_KEY={} cargo run --example tour",
        sandbox.tenant(),
        sandbox.system_key()
    );
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    sandbox.shutdown().await;
    Ok(())
}
