//! Walks a real workflow end to end through the typed clients.
//!
//! With no configuration it starts the sandbox tenant in-process and runs the
//! whole tour: exchange an API key, list processes, start a request, find its
//! data-container task, upload a file, post the task's values, list and
//! download the request's files, and export a report as CSV.
//!
//! With `NWA_HOST`, `NWA_TENANT` and `NWA_API_KEY` set it runs the read-only
//! part against that tenant instead (`NWA_USER` switches to impersonating that
//! user; `NWA_REPORT_SID` adds the report export).
//!
//! `NWA_SANDBOX_FAULTS` gives the sandbox faults to show how the client copes,
//! for example `NWA_SANDBOX_FAULTS=lose-post-answers,fail-next=2x503`: answers
//! to POSTs are lost after they took effect, and the next two calls fail.
//!
//! Run it with `cargo run --example tour`.

use std::fmt;
use std::process::ExitCode;

use std::collections::HashSet;

use chrono::NaiveDate;
use futures_util::TryStreamExt as _;
use nutrient_workflow::workflow::types::{DataContainerField, MyRequest};
use nutrient_workflow::{
    Client, Credentials, Error, Paginate as _, ResultExt as _, TaskValues, Upload, repeat_safe,
};
use nwa_sandbox::FaultPlan;

#[tokio::main]
async fn main() -> ExitCode {
    let mut tour = Tour::default();
    let outcome = if tenant_from_env() {
        tour.read_only().await
    } else {
        tour.full().await
    };
    match outcome {
        Ok(summary) => {
            println!("\nDone: {summary}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("\nerror: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Whether the environment names a tenant to tour instead of the sandbox.
fn tenant_from_env() -> bool {
    ["NWA_HOST", "NWA_TENANT", "NWA_API_KEY"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
}

/// A step that failed, with its name.
struct Failure {
    step: String,
    error: String,
}

impl Failure {
    fn setup(message: &str) -> Self {
        Self {
            step: "configuration".into(),
            error: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step \"{}\" failed: {}", self.step, self.error)
    }
}

#[derive(Default)]
struct Tour {
    steps: usize,
}

impl Tour {
    /// Runs one step, printing its title, and names it if it fails.
    async fn step<T>(
        &mut self,
        title: &str,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Failure> {
        self.steps += 1;
        println!("{}. {title}", self.steps);
        work.await.map_err(|error| Failure {
            step: title.to_owned(),
            error: error.full_message(),
        })
    }

    /// The whole tour against a sandbox started here.
    async fn full(&mut self) -> Result<String, Failure> {
        let faults: FaultPlan = std::env::var("NWA_SANDBOX_FAULTS")
            .unwrap_or_default()
            .parse()
            .map_err(|e| Failure::setup(&format!("NWA_SANDBOX_FAULTS: {e}")))?;
        let config = nwa_sandbox::Config {
            faults: faults.clone(),
            ..nwa_sandbox::Config::default()
        };
        let sandbox = nwa_sandbox::spawn_with(config).await.map_err(|e| Failure {
            step: "start the sandbox".into(),
            error: e.to_string(),
        })?;
        println!(
            "Sandbox tenant `{}` at {}",
            sandbox.tenant(),
            sandbox.base_url()
        );
        if faults != FaultPlan::default() {
            println!("Sandbox faults: {faults}");
        }
        println!();
        let requests_before = sandbox.requests_started();
        let client = Client::builder(sandbox.base_url())
            .tenant(sandbox.tenant())
            .credentials(Credentials::system_key(sandbox.system_key()))
            .build()
            .map_err(|e| Failure::setup(&e.full_message()))?;
        let report_sid = sandbox.demo().report_sid.clone();

        self.step("Exchange the API key for a token", client.authenticate())
            .await?;
        let me = self
            .step("Read the current user", async {
                client
                    .workflow()
                    .get_current_user()
                    .send()
                    .await
                    .operation("get_current_user")
                    .await
            })
            .await?;
        println!(
            "   signed in as {}",
            me.user_name.as_deref().unwrap_or("(unnamed)")
        );

        let processes = self.list_processes(&client).await?;
        let process = processes
            .items
            .iter()
            .find(|p| p.publish_status.as_deref() == Some("Production"))
            .ok_or_else(|| Failure::setup("the tenant has no process in Production"))?;

        let request = self
            .step(
                &format!("Start a request of \"{}\"", process.name),
                start_once(&client, &process.sid),
            )
            .await?;
        println!("   request #{} ({})", request.id, request.sid);
        if request.recovered {
            println!("   (the answer was lost; the request it started was found)");
        }

        let task = self
            .step(
                "Find the request's data-container task",
                client.data_container_task(&request.sid),
            )
            .await?
            .ok_or_else(|| Failure {
                step: "Find the request's data-container task".into(),
                error: "the request has no active data-container task".into(),
            })?;
        let name = task.task_name.as_deref().unwrap_or("(unnamed)");
        println!("   \"{name}\" ({}), fields:", task.recipient_task_sid);
        for field in &task.fields {
            println!("   {} ({})", field.key, field.value_type);
        }

        let receipt = Upload::new("receipt.txt", "Team offsite, 3 taxis: 42.50 EUR\n")
            .content_type("text/plain");
        // Uploading again after a lost answer only leaves an unused file
        // behind, so the upload may be repeated.
        let uploaded = self
            .step(
                "Upload a receipt",
                repeat_safe(client.upload_file(&receipt)),
            )
            .await?;
        println!("   file key {}", uploaded.file);

        let values = task_values(&task.fields, &uploaded.file);
        self.step("Post the task's values", async {
            match client.post_data_container_values(&task, values).await {
                // Posting twice would move the workflow twice: when the answer
                // is lost, look whether the task moved on before anything else.
                Err(error @ Error::Transport { .. }) => {
                    let open = client.data_container_task(&request.sid).await?;
                    let moved_on =
                        open.is_none_or(|t| t.recipient_task_sid != task.recipient_task_sid);
                    if moved_on { Ok(()) } else { Err(error) }
                }
                other => other,
            }
        })
        .await?;

        let (files, downloaded) = self.list_and_download(&client, &request.sid).await?;
        let rows = self
            .export_report(&client, &report_sid, Some(&request.id))
            .await?;

        let started = sandbox.requests_started() - requests_before;
        Ok(format!(
            "{} steps; started request #{}, posted {} values, downloaded {files} file(s) \
             ({downloaded} bytes), exported {rows} report row(s); the sandbox saw \
             {started} request(s) started.",
            self.steps,
            request.id,
            task.fields.len(),
        ))
    }

    /// The read-only part of the tour against a real tenant.
    async fn read_only(&mut self) -> Result<String, Failure> {
        let client = Client::from_env().map_err(|e| Failure::setup(&e.full_message()))?;
        let tenant = client.tenant().unwrap_or_default();
        println!("Tenant `{tenant}` at {} (read-only)\n", client.site());
        let report_sid = std::env::var("NWA_REPORT_SID")
            .ok()
            .filter(|v| !v.is_empty());

        self.step("Exchange the API key for a token", client.authenticate())
            .await?;
        let processes = self.list_processes(&client).await?;
        let mine = self
            .step("List my requests", async {
                client
                    .workflow()
                    .list_my_requests()
                    .send()
                    .await
                    .operation("list_my_requests")
                    .await
            })
            .await?;
        println!("   {} request(s)", mine.total);

        let mut downloaded = (0, 0);
        if let Some(newest) = mine.items.first() {
            downloaded = self.list_and_download(&client, &newest.sid).await?;
        }
        let (files, bytes) = downloaded;
        let mut rows = 0;
        if let Some(report_sid) = &report_sid {
            rows = self.export_report(&client, report_sid, None).await?;
        }
        Ok(format!(
            "{} steps; {} process(es), {} request(s), {files} file(s) ({bytes} bytes) \
             downloaded, {rows} report row(s).",
            self.steps, processes.total, mine.total
        ))
    }

    async fn list_processes(
        &mut self,
        client: &Client,
    ) -> Result<nutrient_workflow::workflow::types::ProcessList, Failure> {
        let processes = self
            .step("List processes", async {
                client
                    .workflow()
                    .list_processes()
                    .send()
                    .await
                    .operation("list_processes")
                    .await
            })
            .await?;
        for process in &processes.items {
            let status = process.publish_status.as_deref().unwrap_or("?");
            println!("   {} [{status}]", process.name);
        }
        Ok(processes)
    }

    /// Lists a request's files and downloads each; returns how many files and
    /// bytes were read.
    async fn list_and_download(
        &mut self,
        client: &Client,
        request_sid: &str,
    ) -> Result<(usize, usize), Failure> {
        let files = self
            .step("List the request's files", async {
                client
                    .workflow()
                    .list_instance_files()
                    .instance_sid(request_sid)
                    .send()
                    .await
                    .operation("list_instance_files")
                    .await
            })
            .await?;
        let (mut count, mut total) = (0, 0);
        for file in &files {
            let name = file.file_name.as_deref().unwrap_or("(unnamed)");
            let Some(link) = &file.stream_endpoint else {
                println!("   {name}: no download link");
                continue;
            };
            let bytes = self
                .step(&format!("Download \"{name}\""), async {
                    client.download(link).await?.bytes().await
                })
                .await?;
            println!(
                "   {} bytes: {:?}",
                bytes.len(),
                String::from_utf8_lossy(&bytes).trim_end()
            );
            count += 1;
            total += bytes.len();
        }
        Ok((count, total))
    }

    /// Fetches a report's filters, fills the ID filter, and exports it as
    /// CSV; returns the number of data rows.
    async fn export_report(
        &mut self,
        client: &Client,
        report_sid: &str,
        request_id: Option<&str>,
    ) -> Result<usize, Failure> {
        let mut filters = self
            .step(
                "Fetch the report's filters",
                client.report_filters(report_sid),
            )
            .await?;
        for filter in filters.as_slice() {
            let operator = filter.operator.as_deref().unwrap_or("?");
            println!("   {} {operator} ({})", filter.expose, filter.mapping_val);
        }
        let csv = self
            .step("Export the report as CSV", async {
                if let Some(id) = request_id {
                    filters.set("ID", id)?;
                }
                client
                    .export_report_csv(report_sid, &filters)
                    .await?
                    .bytes()
                    .await
            })
            .await?;
        let csv = String::from_utf8_lossy(&csv);
        for line in csv.lines() {
            println!("   {line}");
        }
        Ok(csv.lines().count().saturating_sub(1))
    }
}

/// A request the tour started.
struct Started {
    sid: String,
    id: String,
    /// Whether the answer was lost and the request found afterwards.
    recovered: bool,
}

/// Starts a request of the process once.
///
/// A start is a POST and is never sent twice by the client: if its answer is
/// lost, the request may or may not have started. So this looks at the
/// caller's open requests of the process before and after, and takes a new
/// one as the request it started; only when there is none is the error
/// returned (and starting again would be safe).
async fn start_once(client: &Client, process_sid: &str) -> Result<Started, Error> {
    let before: HashSet<String> = open_requests(client, process_sid)
        .await?
        .into_iter()
        .map(|r| r.sid)
        .collect();
    let answer = client
        .workflow()
        .start_request()
        .process_sid(process_sid)
        .send()
        .await
        .operation("start_request")
        .await;
    match answer {
        Ok(started) => {
            let request = started
                .request
                .ok_or_else(|| Error::Config("the start answer carries no request".into()))?;
            Ok(Started {
                sid: request.sid,
                id: request.id,
                recovered: false,
            })
        }
        Err(error @ Error::Transport { .. }) => {
            let after = open_requests(client, process_sid).await?;
            match after.into_iter().find(|r| !before.contains(&r.sid)) {
                Some(found) => Ok(Started {
                    sid: found.sid,
                    id: found.id.to_string(),
                    recovered: true,
                }),
                None => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}

/// The caller's open requests of a process, every page.
async fn open_requests(client: &Client, process_sid: &str) -> Result<Vec<MyRequest>, Error> {
    client
        .workflow()
        .list_my_requests()
        .status("open")
        .process_sid(process_sid)
        .items()
        .try_collect()
        .await
}

/// A value for every field, by its type; a file field gets the uploaded key.
fn task_values(fields: &[DataContainerField], file_key: &str) -> TaskValues {
    fields.iter().fold(TaskValues::new(), |values, field| {
        let key = field.key.clone();
        match field.value_type.as_str() {
            "numeric" => values.number(key, 42.5),
            "date" => values.date(
                key,
                NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
            ),
            "file" => values.text(key, file_key),
            _ => values.text(key, "Team offsite taxis"),
        }
    })
}
