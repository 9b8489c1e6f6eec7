//! Figure 3: peak resident memory while 1 GiB streams down and 1 GiB up.
//!
//! The client runs in a child process (this program again, with
//! [`CHILD_COMMAND`]) so that its peak (`VmHWM`) counts nothing of the
//! sandbox, which stays in the parent, discards what it receives and makes
//! up what it sends. The child downloads the sandbox's synthetic file into
//! `tokio::io::sink()` and uploads a generated reader of the same size,
//! first through the crate, then, in a second child, through reqwest by hand.

use std::io::{BufRead as _, BufReader};
use std::pin::Pin;
use std::process::{Command, ExitCode, Stdio};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use nutrient_workflow::{Client, Credentials, Upload};
use nwa_sandbox::SYNTHETIC_FILE_LINK;
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncRead, ReadBuf};

use crate::figure::{Figure, Goal, Unit};
use crate::{MIB, Server};

/// The first argument that makes this program the measured child.
pub(crate) const CHILD_COMMAND: &str = "stream-child";

/// How much goes each way.
pub(crate) const TRANSFER_BYTES: u64 = 1024 * MIB;

/// How long a child may take for both transfers before it is stopped.
const CHILD_LIMIT: Duration = Duration::from_secs(300);

/// What one child measured.
struct ChildReport {
    /// The peak before the transfers, once the client held a token.
    ready_kib: u64,
    /// The peak at the end.
    peak_kib: u64,
    down: Duration,
    up: Duration,
}

/// Figure 3, with a note on each child.
pub(crate) fn peak_rss(server: &Server) -> Result<(Figure, Vec<String>), String> {
    let typed = run_child(server, "crate")?;
    let raw = run_child(server, "reqwest")?;
    let figure = Figure::new(
        "peak RSS, 1 GiB down then 1 GiB up (child process)",
        Unit::MiB,
        typed.peak_kib as f64 / 1024.0,
    )
    .baseline(raw.peak_kib as f64 / 1024.0)
    .goal(Goal::AtMost(32.0));
    let note = |who: &str, report: &ChildReport| {
        let rate = |took: Duration| TRANSFER_BYTES as f64 / MIB as f64 / took.as_secs_f64();
        format!(
            "{who}: {:.1} MiB before the transfers; down {:.1} s ({:.0} MiB/s), \
             up {:.1} s ({:.0} MiB/s)",
            report.ready_kib as f64 / 1024.0,
            report.down.as_secs_f64(),
            rate(report.down),
            report.up.as_secs_f64(),
            rate(report.up),
        )
    };
    Ok((figure, vec![note("crate", &typed), note("reqwest", &raw)]))
}

/// Runs one child (`mode` is `crate` or `reqwest`) and checks that the
/// sandbox received the whole upload.
fn run_child(server: &Server, mode: &str) -> Result<ChildReport, String> {
    let program = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let uploaded_before = server.sandbox.uploaded_bytes();
    let mut child = Command::new(program)
        .args([
            CHILD_COMMAND,
            mode,
            server.base_url(),
            server.tenant(),
            server.system_key(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the {mode} child: {e}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > CHILD_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the {mode} child took over {CHILD_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = child.stdout.take().ok_or("the child's output is gone")?;
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .last()
        .unwrap_or_default();
    if !status.success() {
        return Err(format!("the {mode} child failed ({status}): {line}"));
    }
    let uploaded = server.sandbox.uploaded_bytes() - uploaded_before;
    if uploaded != TRANSFER_BYTES {
        return Err(format!(
            "the sandbox received {uploaded} bytes from the {mode} child"
        ));
    }
    parse_report(&line).ok_or_else(|| format!("the {mode} child said `{line}`"))
}

fn parse_report(line: &str) -> Option<ChildReport> {
    let mut fields = line.split_whitespace().map(str::parse::<u64>);
    let mut next = || fields.next()?.ok();
    Some(ChildReport {
        ready_kib: next()?,
        peak_kib: next()?,
        down: Duration::from_micros(next()?),
        up: Duration::from_micros(next()?),
    })
}

/// The child: `stream-child MODE BASE_URL TENANT KEY`. Prints one line:
/// the peak before and after in KiB, and each transfer's microseconds.
pub(crate) fn child_main(args: &[String]) -> ExitCode {
    let [mode, base_url, tenant, key] = args else {
        eprintln!("usage: {CHILD_COMMAND} crate|reqwest BASE_URL TENANT KEY");
        return ExitCode::FAILURE;
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match mode.as_str() {
            "crate" => through_crate(base_url, tenant, key).await,
            "reqwest" => through_reqwest(base_url, tenant, key).await,
            other => Err(format!("no mode `{other}`")),
        }
    });
    match result {
        Ok(report) => {
            println!(
                "{} {} {} {}",
                report.ready_kib,
                report.peak_kib,
                report.down.as_micros(),
                report.up.as_micros()
            );
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("{why}");
            ExitCode::FAILURE
        }
    }
}

async fn through_crate(base_url: &str, tenant: &str, key: &str) -> Result<ChildReport, String> {
    let client = Client::builder(base_url)
        .tenant(tenant)
        .credentials(Credentials::system_key(key))
        .max_upload_size(TRANSFER_BYTES)
        .build()
        .map_err(|e| e.full_message())?;
    client.authenticate().await.map_err(|e| e.full_message())?;
    let ready_kib = peak_kib()?;

    let started = Instant::now();
    let download = client
        .download(SYNTHETIC_FILE_LINK)
        .await
        .map_err(|e| e.full_message())?;
    let received = download
        .write_to(&mut tokio::io::sink())
        .await
        .map_err(|e| e.full_message())?;
    let down = started.elapsed();
    check_received(received)?;

    let upload = Upload::from_reader(
        "synthetic.bin",
        Pattern::new(TRANSFER_BYTES),
        Some(TRANSFER_BYTES),
    );
    let started = Instant::now();
    client
        .upload_file(&upload)
        .await
        .map_err(|e| e.full_message())?;
    let up = started.elapsed();
    Ok(ChildReport {
        ready_kib,
        peak_kib: peak_kib()?,
        down,
        up,
    })
}

async fn through_reqwest(base_url: &str, tenant: &str, key: &str) -> Result<ChildReport, String> {
    let http = reqwest::Client::builder()
        .connect_timeout(nutrient_workflow::DEFAULT_CONNECT_TIMEOUT)
        .read_timeout(nutrient_workflow::DEFAULT_READ_TIMEOUT)
        .build()
        .map_err(|e| format!("reqwest client: {e}"))?;
    let token = crate::calls::exchange(&http, base_url, tenant, key).await?;
    let ready_kib = peak_kib()?;

    let started = Instant::now();
    let mut response = http
        .get(format!("{base_url}{SYNTHETIC_FILE_LINK}"))
        .bearer_auth(&token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("download: {e}"))?;
    let mut received = 0;
    let mut sink = tokio::io::sink();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        tokio::io::AsyncWriteExt::write_all(&mut sink, &chunk)
            .await
            .map_err(|e| e.to_string())?;
        received += chunk.len() as u64;
    }
    let down = started.elapsed();
    check_received(received)?;

    let stream = tokio_util::io::ReaderStream::new(Pattern::new(TRANSFER_BYTES));
    let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), TRANSFER_BYTES)
        .file_name("synthetic.bin")
        .mime_str("application/octet-stream")
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    http.post(format!("{base_url}/files/upload/"))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("upload: {e}"))?
        .bytes()
        .await
        .map_err(|e| format!("upload answer: {e}"))?;
    let up = started.elapsed();
    Ok(ChildReport {
        ready_kib,
        peak_kib: peak_kib()?,
        down,
        up,
    })
}

fn check_received(received: u64) -> Result<(), String> {
    if received == TRANSFER_BYTES {
        Ok(())
    } else {
        Err(format!("downloaded {received} of {TRANSFER_BYTES} bytes"))
    }
}

/// This process's peak resident set so far (`VmHWM`), in KiB.
fn peak_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".to_owned())
}

/// `len` bytes of a repeating pattern, made up as they are read.
struct Pattern {
    left: u64,
}

impl Pattern {
    fn new(len: u64) -> Self {
        Self { left: len }
    }
}

/// The bytes `Pattern` repeats.
static PATTERN: [u8; 256] = {
    let mut bytes = [0; 256];
    let mut index = 0;
    while index < bytes.len() {
        bytes[index] = index as u8;
        index += 1;
    }
    bytes
};

impl AsyncRead for Pattern {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        while self.left > 0 && buf.remaining() > 0 {
            let len = PATTERN.len().min(buf.remaining());
            let len = len.min(usize::try_from(self.left).unwrap_or(usize::MAX));
            buf.put_slice(&PATTERN[..len]);
            self.left -= len as u64;
        }
        Poll::Ready(Ok(()))
    }
}
