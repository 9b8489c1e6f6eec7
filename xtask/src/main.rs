//! `cargo xtask`: the project's own tasks, kept out of the published crate.
//!
//! - `cargo xtask sandbox [--port N]` runs the stand-in tenant on loopback
//!   until interrupted, and prints how to reach it.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks of the nutrient-workflow project")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the sandbox tenant on 127.0.0.1 until Ctrl-C.
    Sandbox {
        /// The port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox { port } => sandbox(port).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn sandbox(port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let config = nwa_sandbox::Config::default();
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
    println!("  specs              {base}/openapi/<section>.json");
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
