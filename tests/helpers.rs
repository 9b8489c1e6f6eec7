//! The workflow helpers and paged lists against the sandbox on loopback:
//! what a user writes in a few lines instead of a sequence of raw calls.

pub mod common;

use common::start_request;
use common::{Scratch, admin_client as client, within};
use futures_util::{StreamExt as _, TryStreamExt as _};
use nutrient_workflow::{
    Client, Credentials, DataContainerTask, Error, Paginate as _, ResultExt as _, TaskValues,
    Upload,
};
use nwa_sandbox::{Sandbox, TaskKind};

/// Starts a request of the demo process; returns its SID and its active
/// data-container task.
async fn new_task(client: &Client, sandbox: &Sandbox) -> (String, DataContainerTask) {
    let (request_sid, _) = start_request(client, sandbox)
        .await
        .expect("request started");
    let task = client
        .data_container_task(&request_sid)
        .await
        .expect("lookup")
        .expect("an active data-container task");
    (request_sid, task)
}

#[tokio::test]
async fn my_requests_stream_across_several_pages() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    within(async {
        let mut started = Vec::new();
        for _ in 0..5 {
            started.push(
                start_request(&client, &sandbox)
                    .await
                    .expect("request started")
                    .0,
            );
        }
        let listed: Vec<String> = client
            .workflow()
            .list_my_requests()
            .status("open")
            .items_in_pages_of(2)
            .map_ok(|request| request.sid)
            .try_collect()
            .await
            .expect("every page");
        let mut expected = started.clone();
        expected.sort();
        let mut got = listed.clone();
        got.sort();
        assert_eq!(got, expected, "each open request once");
    })
    .await;
}

#[tokio::test]
async fn users_stream_reads_the_array_wrapped_pages() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    let names: Vec<String> = within(
        client
            .workflow()
            .list_users()
            .items_in_pages_of(3)
            .map_ok(|user| user.user_name.unwrap_or_default())
            .try_collect(),
    )
    .await
    .expect("every page");
    assert_eq!(names.len(), 4, "{names:?}");
    for name in ["admin", "jdoe", "msmith", "akhan"] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn processes_stream_stops_at_the_total() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    let processes: Vec<_> = within(client.workflow().list_processes().items().collect()).await;
    assert_eq!(processes.len(), 2);
    assert!(processes.iter().all(Result::is_ok));
}

#[tokio::test]
async fn data_container_task_is_found_filled_with_a_file_and_moves_on() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    within(async {
        let (request_sid, _) = start_request(&client, &sandbox)
            .await
            .expect("request started");
        let task = client
            .data_container_task(&request_sid)
            .await
            .expect("lookup")
            .expect("an active task");
        assert_eq!(task.task_name.as_deref(), Some("Enter details"));
        let keys: Vec<&str> = task.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["description", "amount", "due_date", "receipt"]);

        let values = TaskValues::new()
            .text("description", "Train tickets")
            .number("amount", 120.0)
            .date(
                "due_date",
                chrono::NaiveDate::from_ymd_opt(2027, 1, 15).expect("date"),
            )
            .file(
                "receipt",
                Upload::new("tickets.pdf", "%PDF-1.4 tickets").content_type("application/pdf"),
            );
        client
            .post_data_container_values(&task, values)
            .await
            .expect("values posted");

        assert_eq!(
            client
                .data_container_task(&request_sid)
                .await
                .expect("lookup"),
            None
        );
        let files = client
            .workflow()
            .list_instance_files()
            .instance_sid(&request_sid)
            .send()
            .await
            .operation("list_instance_files")
            .await
            .expect("files");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].file_name.as_deref(), Some("tickets.pdf"));
    })
    .await;
}

#[tokio::test]
async fn unknown_field_key_is_refused_before_anything_is_sent() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    within(async {
        let (request_sid, task) = new_task(&client, &sandbox).await;
        let values = TaskValues::new().text("descripton", "typo in the key");
        let error = client
            .post_data_container_values(&task, values)
            .await
            .expect_err("unknown key");
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
        assert!(
            error.to_string().contains("no field `descripton`"),
            "{error}"
        );
        let still_open = client
            .data_container_task(&request_sid)
            .await
            .expect("lookup");
        assert!(still_open.is_some(), "nothing was posted");
    })
    .await;
}

#[tokio::test]
async fn approval_completes_the_request() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    within(async {
        let (request_sid, task) = new_task(&client, &sandbox).await;
        let values = TaskValues::new().text("description", "Lunch");
        client
            .post_data_container_values(&task, values)
            .await
            .expect("posted");

        let approval = sandbox
            .open_tasks(&request_sid)
            .into_iter()
            .find(|task| task.kind == TaskKind::Approval)
            .expect("the approval task is open");
        client
            .complete_approval(&approval.sid, "Approve", "Fine by me")
            .await
            .expect("approved");

        let done = client
            .workflow()
            .list_my_requests()
            .status("completed")
            .items()
            .try_filter(|request| std::future::ready(request.sid == request_sid))
            .try_collect::<Vec<_>>()
            .await
            .expect("listed");
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].last_milestone.as_deref(), Some("Approved"));
    })
    .await;
}

#[tokio::test]
async fn report_export_streams_the_filtered_csv() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    within(async {
        let (_, request_id) = start_request(&client, &sandbox)
            .await
            .expect("request started");
        let report_sid = &sandbox.demo().report_sid;
        let mut filters = client.report_filters(report_sid).await.expect("filters");
        let error = filters.set("Nope", "x").expect_err("unknown filter");
        assert!(
            error.to_string().contains("\"ID\""),
            "the known filters are listed: {error}"
        );
        filters
            .set("ID", request_id.as_str())
            .expect("known filter");

        let download = client
            .export_report_csv(report_sid, &filters)
            .await
            .expect("export");
        let chunks: Vec<bytes::Bytes> = download.into_stream().try_collect().await.expect("body");
        let csv = String::from_utf8(chunks.concat()).expect("UTF-8");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[0].starts_with("ID,"), "{csv}");
        assert!(lines[1].starts_with(&format!("{request_id},")), "{csv}");
    })
    .await;
}

/// Uploads `upload` to a new request (legacy route, posted as the receipt)
/// and returns the request's file list entry.
async fn attach(
    client: &Client,
    sandbox: &Sandbox,
    upload: Upload,
) -> nutrient_workflow::workflow::types::InstanceFile {
    let (request_sid, task) = new_task(client, sandbox).await;
    let values = TaskValues::new().file("receipt", upload);
    client
        .post_data_container_values(&task, values)
        .await
        .expect("posted");
    let files = client
        .workflow()
        .list_instance_files()
        .instance_sid(&request_sid)
        .send()
        .await
        .operation("list_instance_files")
        .await
        .expect("files");
    files.into_iter().next().expect("the attached file")
}

#[tokio::test]
async fn file_on_disk_goes_up_and_comes_back_to_disk_whole() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    let scratch = Scratch::new("files-disk");
    let content: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
    let source = scratch.0.join("ledger.csv");
    std::fs::write(&source, &content).expect("source file");

    within(async {
        let upload = Upload::from_path(&source).expect("readable");
        assert_eq!(upload.len(), Some(content.len() as u64));
        let file = attach(&client, &sandbox, upload).await;
        assert_eq!(file.file_name.as_deref(), Some("ledger.csv"));

        let link = file.stream_endpoint.expect("a download link");
        let download = client.download(&link).await.expect("download starts");
        assert_eq!(
            download.content_type(),
            Some("text/csv"),
            "guessed from the name"
        );
        let target = scratch.0.join("copy.csv");
        let written = download.save(&target).await.expect("saved");
        assert_eq!(written, content.len() as u64);
        assert_eq!(std::fs::read(&target).expect("saved file"), content);
        assert!(!scratch.0.join("copy.csv.partial").exists());
    })
    .await;
}

#[tokio::test]
async fn reader_of_unknown_length_is_streamed_up() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    within(async {
        let reader = std::io::Cursor::new(b"streamed without a known length".to_vec());
        let upload = Upload::from_reader("note.txt", reader, None);
        let file = attach(&client, &sandbox, upload).await;
        let link = file.stream_endpoint.expect("a download link");
        let mut copy = Vec::new();
        let written = client
            .download(&link)
            .await
            .expect("download starts")
            .write_to(&mut copy)
            .await
            .expect("written");
        assert_eq!(written, 31);
        assert_eq!(copy, b"streamed without a known length");
    })
    .await;
}

#[tokio::test]
async fn oversized_upload_is_refused_before_anything_is_sent() {
    // A closed port: had the client sent anything, the error would be a
    // transport error, not a refusal.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let site = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let client = Client::builder(site)
        .credentials(Credentials::bearer("37034275cf2547d9ac755bab65e9d29a"))
        .max_upload_size(10)
        .build()
        .expect("valid configuration");
    let error = within(client.upload_file(&Upload::new("big.bin", vec![0u8; 11])))
        .await
        .expect_err("too large");
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("at most 10 bytes"), "{error}");
}

#[tokio::test]
async fn failed_save_leaves_no_file_behind() {
    let sandbox = nwa_sandbox::spawn().await.expect("sandbox");
    let client = client(&sandbox);
    let scratch = Scratch::new("files-fail");
    within(async {
        let file = attach(&client, &sandbox, Upload::new("a.txt", "x")).await;
        let link = file.stream_endpoint.expect("a download link");
        let missing_folder = scratch.0.join("no-such-folder").join("a.txt");
        let error = client
            .download(&link)
            .await
            .expect("download starts")
            .save(&missing_folder)
            .await
            .expect_err("the folder does not exist");
        assert!(matches!(error, Error::File { .. }), "{error:?}");
        assert!(!missing_folder.exists());
    })
    .await;
}
