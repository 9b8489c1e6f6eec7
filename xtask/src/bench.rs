//! `cargo xtask bench`: builds the measuring program (`bench/`, crate
//! `nwa-bench`) in release and runs it.
//!
//! The `cargo xtask` alias builds this command in debug, so it measures
//! nothing itself: debug figures would say nothing about what users run.

use std::path::Path;
use std::process::Command;

pub(crate) fn run(build: bool) -> Result<(), String> {
    let mut args = vec!["run", "--release", "--package", "nwa-bench", "--"];
    if build {
        args.push("--build");
    }
    println!("running: cargo {}", args.join(" "));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent folder")?;
    let status = Command::new(cargo)
        .args(&args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmark failed ({status})"))
    }
}
