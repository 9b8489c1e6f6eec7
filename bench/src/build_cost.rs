//! Figure 4 (`--build` only): what compiling the crate costs against a crate
//! with the same dependencies, features and build dependencies, a build
//! script that does nothing and an empty library (`nwa-build-baseline`,
//! generated under `target/bench-build/baseline-crate`).
//!
//! Everything builds in release under `target/bench-build`, one target
//! folder per crate, so the developer's `target/` is never touched:
//!
//! 1. from an empty target folder: the dependencies and the crate;
//! 2. the crate alone, its dependencies built: `cargo clean -p` of the crate,
//!    then a build (its build script compiled and run, its library
//!    compiled);
//! 3. after touching `src/auth.rs` (the baseline: its `src/lib.rs`): the
//!    library compiled again.
//!
//! Touching means setting the file's modification time; its content is
//! never changed, and the old time is put back afterwards unless someone
//! changed the file meanwhile, so the developer's own builds stay fresh.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::figure::{Figure, Goal, Unit};

/// The longest one cargo command may take before it is stopped; a build
/// from empty takes minutes on two cores.
const CARGO_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The baseline's package name.
const BASELINE: &str = "nwa-build-baseline";

/// What one crate's three builds took.
struct Builds {
    from_empty: Duration,
    own: Duration,
    after_touch: Duration,
}

pub(crate) fn build_cost(root: &Path) -> Result<Vec<Figure>, String> {
    let base = root.join("target").join("bench-build");
    let baseline_dir = base.join("baseline-crate");
    write_baseline(root, &baseline_dir)?;
    let logs = base.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;

    let baseline = Cargo {
        dir: baseline_dir.clone(),
        target: base.join("baseline"),
        package: BASELINE,
        logs: logs.clone(),
    }
    .measure(&baseline_dir.join("src").join("lib.rs"))?;
    let measured = Cargo {
        dir: root.to_owned(),
        target: base.join("crate"),
        package: "nutrient-workflow",
        logs,
    }
    .measure(&root.join("src").join("auth.rs"))?;

    Ok(vec![
        Figure::new(
            "clean build from empty, dependencies included",
            Unit::Time,
            measured.from_empty.as_secs_f64(),
        )
        .baseline(baseline.from_empty.as_secs_f64())
        .goal(Goal::RatioAtMost(1.3)),
        Figure::new(
            "  the crate alone (build script + lib), deps built",
            Unit::Time,
            measured.own.as_secs_f64(),
        )
        .baseline(baseline.own.as_secs_f64()),
        Figure::new(
            "rebuild after touching src/auth.rs (release)",
            Unit::Time,
            measured.after_touch.as_secs_f64(),
        )
        .baseline(baseline.after_touch.as_secs_f64())
        .goal(Goal::AtMost(10.0)),
    ])
}

/// Writes the baseline crate: the `[features]`, `[dependencies]` and
/// `[build-dependencies]` of the workspace's root manifest, the same lock
/// file, a build script that does nothing and an empty library.
fn write_baseline(root: &Path, dir: &Path) -> Result<(), String> {
    let manifest = read(&root.join("Cargo.toml"))?;
    let mut text = format!(
        "# Written by `cargo xtask bench --build`: the dependencies of\n\
         # nutrient-workflow and no code, to compare build times with.\n\
         [package]\n\
         name = \"{BASELINE}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\n\
         [workspace]\n\n"
    );
    for table in ["features", "dependencies", "build-dependencies"] {
        let body = table_of(&manifest, table).ok_or(format!("no [{table}] in Cargo.toml"))?;
        text.push_str(&format!("[{table}]\n{body}\n"));
    }
    let files = [
        ("Cargo.toml", text),
        ("Cargo.lock", read(&root.join("Cargo.lock"))?),
        ("build.rs", "fn main() {}\n".to_owned()),
        (
            "src/lib.rs",
            "//! No code: only the dependencies of nutrient-workflow.\n".to_owned(),
        ),
    ];
    for (name, content) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The lines of `[table]` in `manifest`, up to the next table.
fn table_of(manifest: &str, table: &str) -> Option<String> {
    let header = format!("[{table}]");
    let mut lines = manifest.lines().skip_while(|line| line.trim() != header);
    lines.next()?;
    let body: Vec<&str> = lines
        .take_while(|line| !line.trim_start().starts_with('['))
        .collect();
    Some(body.join("\n"))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// One crate built in its own target folder.
struct Cargo {
    dir: PathBuf,
    target: PathBuf,
    package: &'static str,
    logs: PathBuf,
}

impl Cargo {
    /// The three builds, `touched` being the file whose time is set for the
    /// third.
    fn measure(&self, touched: &Path) -> Result<Builds, String> {
        if self.target.exists() {
            std::fs::remove_dir_all(&self.target)
                .map_err(|e| format!("cannot empty {}: {e}", self.target.display()))?;
        }
        let build = ["build", "--release", "-p", self.package];
        let from_empty = self.run(&build)?;
        self.run(&["clean", "--release", "-p", self.package])?;
        let own = self.run(&build)?;
        let after_touch = {
            let _touch = Touch::new(touched)?;
            self.run(&build)?
        };
        Ok(Builds {
            from_empty,
            own,
            after_touch,
        })
    }

    /// Runs `cargo ARGS`, printing the command; how long it took. Its output
    /// goes to a log file, named when the command fails.
    fn run(&self, args: &[&str]) -> Result<Duration, String> {
        let shown = format!(
            "CARGO_TARGET_DIR={} cargo {}  (in {})",
            self.target.display(),
            args.join(" "),
            self.dir.display()
        );
        println!("  $ {shown}");
        let log_path = self
            .logs
            .join(format!("{}-{}.log", self.package, args.join("-")));
        let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let started = Instant::now();
        let mut child = Command::new(program)
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            // The figure is for the bundled documents.
            .env_remove("NWA_OPENAPI_DIR")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if started.elapsed() > CARGO_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{shown}` took over {CARGO_LIMIT:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        if !status.success() {
            return Err(format!(
                "`{shown}` failed ({status}); see {}",
                log_path.display()
            ));
        }
        println!("    {:.1} s", took.as_secs_f64());
        Ok(took)
    }
}

/// A file's modification time set to now, and put back when dropped unless
/// the file changed meanwhile.
struct Touch {
    path: PathBuf,
    old: SystemTime,
    new: SystemTime,
}

impl Touch {
    // Setting a file's time to now needs the wall clock; nothing here is
    // judged by it.
    #[allow(clippy::disallowed_methods)]
    fn new(path: &Path) -> Result<Self, String> {
        let error = |e: std::io::Error| format!("cannot touch {}: {e}", path.display());
        let file = File::options().append(true).open(path).map_err(error)?;
        let old = file.metadata().and_then(|m| m.modified()).map_err(error)?;
        let new = SystemTime::now();
        file.set_modified(new).map_err(error)?;
        Ok(Self {
            path: path.to_owned(),
            old,
            new,
        })
    }
}

impl Drop for Touch {
    fn drop(&mut self) {
        let Ok(file) = File::options().append(true).open(&self.path) else {
            return;
        };
        let unchanged = file
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|at| at == self.new);
        if unchanged {
            let _ = file.set_modified(self.old);
        }
    }
}
