//! Every generated operation of every section, called through the crate's
//! typed clients against a sandbox tenant on loopback, grouped into the
//! stories a user of the API would walk through.
//!
//! Each test checks the values a user would read off an answer, not only
//! that a call succeeded. The last test reads the operation IDs out of the
//! bundled documents and fails when one of them is called nowhere in this
//! file, so a new operation cannot arrive without a test.

pub mod common;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike as _, TimeZone as _, Utc};
use common::{admin_client, client_with, within};
use futures_util::TryStreamExt as _;
use nutrient_workflow::workflow::types::{
    Approval, ReportFilter, RequestSummary, RunReport, UserInput, UserList, UserPage,
};
use nutrient_workflow::{ByteStream, Client, Credentials, Error, ResultExt as _, Upload};
use nwa_sandbox::{Sandbox, TaskKind};
use reqwest::StatusCode;

/// This file's own text, searched by the coverage test.
const SOURCE: &str = include_str!("workflow.rs");

/// The relative path every data-container endpoint starts with; the task's
/// SID follows it.
const ENDPOINT_PREFIX: &str = "/tasktypes/data-container/instances/tasks/reciptasks/";

async fn sandbox() -> Sandbox {
    nwa_sandbox::spawn().await.expect("sandbox starts")
}

/// Reads a streamed answer to its end.
async fn read_all(stream: ByteStream) -> Vec<u8> {
    let chunks: Vec<bytes::Bytes> = stream
        .into_inner()
        .try_collect()
        .await
        .expect("the stream reads to its end");
    chunks.concat()
}

/// The page of a user list, whichever of its two documented shapes the
/// server answered with.
fn user_page(list: UserList) -> UserPage {
    match list {
        UserList::Array(pages) => pages.into_iter().next().expect("the array holds the page"),
        UserList::UserPage(page) => page,
    }
}

/// The claims of a JWT, without checking its signature (the sandbox's
/// secret is its own business).
fn jwt_claims(token: &str) -> serde_json::Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        parts.len(),
        3,
        "a JWT has three dot-separated parts: {token}"
    );
    let payload = URL_SAFE_NO_PAD
        .decode(parts[1])
        .expect("the payload is base64url");
    serde_json::from_slice(&payload).expect("the payload is JSON")
}

fn is_hex_token(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Starts a request of the demo's "Expense Claim" through the query form.
async fn start_expense_claim(client: &Client, sandbox: &Sandbox) -> RequestSummary {
    client
        .workflow()
        .start_request()
        .process_sid(&sandbox.demo().process_sid)
        .send()
        .await
        .operation("start_request")
        .await
        .expect("start_request")
        .request
        .expect("the answer carries the request")
}

/// The SID of the request's active data-container task, as the endpoint
/// list gives it.
async fn data_container_task(client: &Client, request_sid: &str) -> String {
    let endpoints = client
        .workflow()
        .list_data_container_endpoints()
        .instance_sid(request_sid)
        .send()
        .await
        .operation("list_data_container_endpoints")
        .await
        .expect("list_data_container_endpoints");
    assert_eq!(endpoints.endpoints.len(), 1, "{:?}", endpoints.endpoints);
    task_sid_of(&endpoints.endpoints[0])
}

fn task_sid_of(endpoint: &str) -> String {
    let path = endpoint.split('?').next().unwrap_or_default();
    path.strip_prefix(ENDPOINT_PREFIX)
        .unwrap_or_else(|| panic!("not a data-container endpoint: {endpoint}"))
        .to_owned()
}

/// Posts values for every field of the demo's data-container task, with
/// `file_key` as the receipt.
async fn enter_details(client: &Client, task_sid: &str, file_key: &str) {
    let values = serde_json::json!({
        "description": "Team offsite, 3 taxis",
        "amount": 42.5,
        "due_date": "2026-12-31",
        "receipt": file_key,
    });
    let serde_json::Value::Object(values) = values else {
        unreachable!("a JSON object literal");
    };
    client
        .workflow()
        .post_data_container_values()
        .reciptask_sid(task_sid)
        .body(values)
        .send()
        .await
        .operation("post_data_container_values")
        .await
        .expect("post_data_container_values");
}

/// The caller's requests in `status` (`open` or `completed`).
async fn my_requests(
    client: &Client,
    status: &str,
) -> Vec<nutrient_workflow::workflow::types::MyRequest> {
    client
        .workflow()
        .list_my_requests()
        .status(status)
        .send()
        .await
        .operation("list_my_requests")
        .await
        .expect("list_my_requests")
        .items
}

#[tokio::test]
async fn request_moves_from_data_container_to_approval_to_completed() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    within(async {
        let request = start_expense_claim(&client, &sandbox).await;
        let id: i64 = request
            .id
            .parse()
            .expect("the request ID is a number in a string");
        assert!(!request.sid.is_empty());
        assert_eq!(request.name.as_deref(), Some("Expense Claim"));
        assert_eq!(request.lastmilestone.as_deref(), Some("Started"));

        let open = my_requests(&client, "open").await;
        let mine = open
            .iter()
            .find(|r| r.sid == request.sid)
            .expect("the new request is open");
        assert_eq!(mine.id, id);
        assert_eq!(mine.state.as_deref(), Some("Started"));

        // The endpoint list is filtered by the request's SID, or by its
        // number and the task's name, and both find the same task.
        let task_sid = data_container_task(&client, &request.sid).await;
        let by_id = client
            .workflow()
            .list_data_container_endpoints()
            .instance_id(id)
            .task_name("Enter details")
            .send()
            .await
            .operation("list_data_container_endpoints")
            .await
            .expect("endpoints by request number");
        assert_eq!(
            by_id.endpoints,
            [format!(
                "{ENDPOINT_PREFIX}{task_sid}?task_name=Enter%20details"
            )]
        );
        let open_tasks = sandbox.open_tasks(&request.sid);
        assert_eq!(open_tasks.len(), 1, "{open_tasks:?}");
        assert_eq!(open_tasks[0].sid, task_sid);
        assert_eq!(open_tasks[0].kind, TaskKind::DataContainer);

        let fields = client
            .workflow()
            .get_data_container_fields()
            .reciptask_sid(&task_sid)
            .send()
            .await
            .operation("get_data_container_fields")
            .await
            .expect("get_data_container_fields");
        let fields: Vec<(&str, &str)> = fields
            .field_configuration
            .iter()
            .map(|f| (f.key.as_str(), f.value_type.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("description", "string"),
                ("amount", "numeric"),
                ("due_date", "date"),
                ("receipt", "file"),
            ]
        );

        let receipt = Upload::new("receipt.txt", "3 taxis: 42.50 EUR\n").content_type("text/plain");
        let uploaded = client.upload_file(&receipt).await.expect("upload_file");
        assert!(!uploaded.file.is_empty());
        enter_details(&client, &task_sid, &uploaded.file).await;

        // Posting completes the data-container task; the approval is next.
        let left = client
            .workflow()
            .list_data_container_endpoints()
            .instance_sid(&request.sid)
            .send()
            .await
            .operation("list_data_container_endpoints")
            .await
            .expect("endpoints after posting");
        assert!(left.endpoints.is_empty(), "{:?}", left.endpoints);
        let open = my_requests(&client, "open").await;
        let mine = open
            .iter()
            .find(|r| r.sid == request.sid)
            .expect("still open");
        assert_eq!(mine.last_milestone.as_deref(), Some("Details Entered"));
        let open_tasks = sandbox.open_tasks(&request.sid);
        assert_eq!(open_tasks.len(), 1, "{open_tasks:?}");
        assert_eq!(open_tasks[0].kind, TaskKind::Approval);
        assert_eq!(open_tasks[0].name, "Manager approval");

        let approve = Approval {
            approval: "Approve".into(),
            comments: Some("Receipt checked.".into()),
        };
        client
            .workflow()
            .complete_approval()
            .recipient_task_sid(&open_tasks[0].sid)
            .body(approve.clone())
            .send()
            .await
            .operation("complete_approval")
            .await
            .expect("complete_approval");

        let completed = my_requests(&client, "completed").await;
        let mine = completed
            .iter()
            .find(|r| r.sid == request.sid)
            .expect("the request is completed");
        assert_eq!(mine.id, id);
        assert_eq!(mine.state.as_deref(), Some("Completed"));
        assert_eq!(mine.last_milestone.as_deref(), Some("Approved"));
        assert_eq!(mine.process_name.as_deref(), Some("Expense Claim"));
        assert!(sandbox.open_tasks(&request.sid).is_empty());
        assert!(
            my_requests(&client, "open")
                .await
                .iter()
                .all(|r| r.sid != request.sid),
            "a completed request is no longer open"
        );

        // A task that is done cannot be completed twice.
        let again = client
            .workflow()
            .complete_approval()
            .recipient_task_sid(&open_tasks[0].sid)
            .body(approve)
            .send()
            .await
            .operation("complete_approval")
            .await
            .expect_err("the approval is already completed");
        assert_eq!(again.status(), Some(StatusCode::CONFLICT), "{again:?}");
    })
    .await;
}

#[tokio::test]
async fn path_form_start_answers_the_sid() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    within(async {
        let started = client
            .workflow()
            .start_request_for_process()
            .process_sid(&sandbox.demo().process_sid)
            .send()
            .await
            .operation("start_request_for_process")
            .await
            .expect("start_request_for_process");
        let sid = started.sid.expect("the path form answers a top-level SID");
        assert!(!sid.is_empty());

        // The SID is the new request's: its data-container task is open.
        let open_tasks = sandbox.open_tasks(&sid);
        assert_eq!(open_tasks.len(), 1, "{open_tasks:?}");
        assert_eq!(open_tasks[0].kind, TaskKind::DataContainer);
    })
    .await;
}

#[tokio::test]
async fn starting_an_inactive_or_unknown_process_is_a_clear_api_error() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    let inactive = sandbox.demo().inactive_process_sid.clone();
    let unknown = "00000000-0000-4000-8000-000000000000";
    within(async {
        let error = client
            .workflow()
            .start_request()
            .process_sid(&inactive)
            .send()
            .await
            .operation("start_request")
            .await
            .expect_err("an inactive process cannot be started");
        let Error::Api { status, body, .. } = &error else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(*status, StatusCode::CONFLICT);
        assert!(body.contains("Inactive"), "{body}");
        assert!(error.to_string().contains("start_request"), "{error}");
        assert_eq!(error.operation(), Some("start_request"));
        assert!(!error.is_auth() && !error.is_transient(), "{error:?}");

        let error = client
            .workflow()
            .start_request_for_process()
            .process_sid(&inactive)
            .send()
            .await
            .operation("start_request_for_process")
            .await
            .expect_err("the path form refuses it too");
        assert_eq!(error.status(), Some(StatusCode::CONFLICT), "{error:?}");
        assert!(error.to_string().contains("start_request_for_process"));

        let error = client
            .workflow()
            .start_request()
            .process_sid(unknown)
            .send()
            .await
            .operation("start_request")
            .await
            .expect_err("an unknown process cannot be started");
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND), "{error:?}");
        assert!(!error.is_auth(), "{error:?}");

        let error = client
            .workflow()
            .get_process()
            .process_sid(unknown)
            .send()
            .await
            .operation("get_process")
            .await
            .expect_err("an unknown process has no record");
        assert_eq!(error.status(), Some(StatusCode::NOT_FOUND), "{error:?}");
        assert!(!error.is_auth(), "{error:?}");
    })
    .await;
}

#[tokio::test]
async fn request_files_download_with_their_name_type_and_bytes() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    // A name outside ASCII travels in the RFC 6266 `filename*` form both
    // ways, which is where a client or server most often loses it.
    let name = "Quittung für März.txt";
    let content = "Taxi zum Flughafen: 38,20 EUR\n";
    within(async {
        let request = start_expense_claim(&client, &sandbox).await;
        let task_sid = data_container_task(&client, &request.sid).await;
        let upload = Upload::new(name, content).content_type("text/plain");
        let uploaded = client.upload_file(&upload).await.expect("upload_file");
        enter_details(&client, &task_sid, &uploaded.file).await;

        let legacy = client
            .workflow()
            .list_instance_files()
            .instance_sid(&request.sid)
            .send()
            .await
            .operation("list_instance_files")
            .await
            .expect("list_instance_files");
        assert_eq!(legacy.len(), 1, "{legacy:?}");
        let file = &legacy[0];
        assert_eq!(file.file_name.as_deref(), Some(name));
        assert_eq!(file.file_key.as_deref(), Some(uploaded.file.as_str()));
        assert!(file.created_date.is_some(), "{file:?}");
        let attachment_sid = file.attachment_sid.clone().expect("an attachment SID");
        let stream_endpoint = file.stream_endpoint.clone().expect("a stream endpoint");

        let v8 = client
            .instance()
            .list_request_files()
            .instance_sid(&request.sid)
            .send()
            .await
            .operation("list_request_files")
            .await
            .expect("list_request_files");
        assert_eq!(v8.len(), 1, "{v8:?}");
        assert_eq!(v8[0].file_name, name);

        for link in [&stream_endpoint, &v8[0].download_link] {
            let download = client.download(link).await.expect("download");
            assert_eq!(download.file_name(), Some(name), "from {link}");
            assert_eq!(download.content_type(), Some("text/plain"), "from {link}");
            let bytes = download.bytes().await.expect("the body");
            assert_eq!(bytes, content.as_bytes(), "from {link}");
        }

        // The link answers 302 to the stream on the same host, which the
        // generated call follows, so its body is the file itself.
        let by_key = client
            .workflow()
            .get_file_link()
            .owner_type("instance")
            .owner_sid(&request.sid)
            .file_id(&uploaded.file)
            .send()
            .await
            .operation("get_file_link")
            .await
            .expect("get_file_link by file key");
        assert_eq!(read_all(by_key).await, content.as_bytes());
        let by_attachment = client
            .workflow()
            .get_file_link()
            .owner_type("task")
            .owner_sid(&task_sid)
            .object_type("data")
            .object_sid(&attachment_sid)
            .send()
            .await
            .operation("get_file_link")
            .await
            .expect("get_file_link by attachment");
        assert_eq!(read_all(by_attachment).await, content.as_bytes());

        let temp = client
            .upload_temp_file(&Upload::new(name, content).content_type("text/plain"))
            .await
            .expect("upload_temp_file");
        assert!(!temp.sid.is_empty());
        assert_eq!(temp.original_filename.as_deref(), Some(name));
    })
    .await;
}

#[tokio::test]
async fn report_exports_narrow_to_the_filtered_request() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    let report_sid = sandbox.demo().report_sid.clone();
    within(async {
        let request = start_expense_claim(&client, &sandbox).await;

        let mut filters = client
            .workflow()
            .get_report_filters()
            .report_sid(&report_sid)
            .send()
            .await
            .operation("get_report_filters")
            .await
            .expect("get_report_filters");
        let exposed: Vec<(&str, &str)> = filters
            .iter()
            .map(|f| (f.expose.as_str(), f.mapping_val.as_str()))
            .collect();
        assert_eq!(exposed, [("ID", "Request|ID"), ("Process", "Process|Name")]);
        for filter in &mut filters {
            if filter.expose == "ID" {
                filter.value = Some(serde_json::Value::String(request.id.clone()));
            }
        }

        let legacy = client
            .workflow()
            .export_report_csv()
            .report_sid(&report_sid)
            .filters(serde_json::to_string(&filters).expect("filters as JSON"))
            .send()
            .await
            .operation("export_report_csv")
            .await
            .expect("export_report_csv");
        let legacy = String::from_utf8(read_all(legacy).await).expect("UTF-8 CSV");
        assert_only_row(&legacy, &request.id);

        let core_filters = serde_json::json!([{
            "field": "Request|ID",
            "data": {"type": "string", "value": request.id, "comparison": "Is"},
        }]);
        let core = client
            .core_service()
            .export_report_csv_utf8()
            .report_sid(&report_sid)
            .filters(core_filters.to_string())
            .send()
            .await
            .operation("export_report_csv_utf8")
            .await
            .expect("export_report_csv_utf8");
        let core = String::from_utf8(read_all(core).await).expect("UTF-8 CSV");
        assert_only_row(&core, &request.id);

        let run = client
            .workflow()
            .run_report()
            .report_sid(&report_sid)
            .body(RunReport {
                filters: filters.clone(),
                limit: None,
                page: None,
                persist: None,
                start: None,
            })
            .send()
            .await
            .operation("run_report")
            .await
            .expect("run_report");
        assert_eq!(run.get("total"), Some(&serde_json::json!(1)), "{run:?}");
        let rows = run["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 1, "{run:?}");
        assert_eq!(rows[0]["ID"], request.id.as_str());

        // Without a value, no filter narrows: the two seeded requests and
        // the new one are all there.
        let unfiltered: Vec<ReportFilter> = filters
            .into_iter()
            .map(|filter| ReportFilter {
                value: None,
                ..filter
            })
            .collect();
        let run = client
            .workflow()
            .run_report()
            .report_sid(&report_sid)
            .body(RunReport {
                filters: unfiltered,
                limit: None,
                page: None,
                persist: None,
                start: None,
            })
            .send()
            .await
            .operation("run_report")
            .await
            .expect("run_report without values");
        assert_eq!(run.get("total"), Some(&serde_json::json!(3)), "{run:?}");
    })
    .await;
}

/// Asserts that `csv` has its header and exactly one row, the request
/// numbered `id`.
fn assert_only_row(csv: &str, id: &str) {
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert_eq!(lines[0], "ID,Name,Process,State,Started");
    assert!(
        lines[1].starts_with(&format!("{id},Expense Claim,Expense Claim,Started,")),
        "{csv}"
    );
}

#[tokio::test]
async fn users_are_listed_created_changed_and_deactivated() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    let demo = sandbox.demo().clone();
    within(async {
        let everyone = client
            .workflow()
            .list_users()
            .send()
            .await
            .operation("list_users")
            .await
            .map(user_page)
            .expect("list_users");
        assert_eq!(everyone.total_item_cnt, 4);
        assert_eq!(everyone.items.len(), 4);

        let jdoe = client
            .workflow()
            .list_users()
            .username("jdoe")
            .send()
            .await
            .operation("list_users")
            .await
            .map(user_page)
            .expect("list_users by username");
        assert_eq!(jdoe.total_item_cnt, 1);
        assert_eq!(jdoe.items[0].sid, demo.jdoe.sid);
        assert_eq!(jdoe.items[0].id, Some(demo.jdoe.id));
        assert_eq!(
            jdoe.items[0].manager_sid.as_deref(),
            Some(demo.msmith.sid.as_str())
        );

        // Seeded users share a creation date, so the default order falls
        // back to their IDs: the second page of two is msmith and akhan.
        let second_page = client
            .workflow()
            .list_users()
            .start(2)
            .count(2)
            .send()
            .await
            .operation("list_users")
            .await
            .map(user_page)
            .expect("list_users paged");
        assert_eq!(second_page.total_item_cnt, 4);
        let names: Vec<_> = second_page
            .items
            .iter()
            .map(|u| u.user_name.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(names, ["msmith", "akhan"]);

        let input = UserInput {
            user_name: Some("lnguyen".into()),
            name_first: Some("Linh".into()),
            name_last: Some("Nguyen".into()),
            email: Some("lnguyen@example.com".into()),
            title: Some("Analyst".into()),
            manager_sid: Some(demo.msmith.sid.clone()),
            ..UserInput::default()
        };
        let sid = client
            .workflow()
            .create_user()
            .body(input)
            .send()
            .await
            .operation("create_user")
            .await
            .expect("create_user");
        assert_eq!(sid.len(), 36, "a GUID: {sid}");
        let created = get_user(&client, &sid).await;
        assert_eq!(created.sid, sid);
        assert_eq!(created.user_name.as_deref(), Some("lnguyen"));
        assert_eq!(created.email.as_deref(), Some("lnguyen@example.com"));
        assert_eq!(created.is_active, Some(true));
        let found = client
            .workflow()
            .list_users()
            .username("lnguyen")
            .send()
            .await
            .operation("list_users")
            .await
            .map(user_page)
            .expect("list_users finds the new user");
        assert_eq!(found.items.len(), 1);
        assert_eq!(found.items[0].sid, sid);

        // PUT changes only the fields it carries.
        let changed = client
            .workflow()
            .update_user()
            .sid(&sid)
            .body(UserInput {
                title: Some("Senior analyst".into()),
                ..UserInput::default()
            })
            .send()
            .await
            .operation("update_user")
            .await
            .expect("update_user");
        assert!(changed);
        let updated = get_user(&client, &sid).await;
        assert_eq!(updated.title.as_deref(), Some("Senior analyst"));
        assert_eq!(updated.email.as_deref(), Some("lnguyen@example.com"));

        // POST replaces the record, so a field it leaves out is cleared.
        let replaced = client
            .workflow()
            .replace_user()
            .sid(&sid)
            .body(UserInput {
                user_name: Some("lnguyen".into()),
                email: Some("linh.nguyen@example.com".into()),
                ..UserInput::default()
            })
            .send()
            .await
            .operation("replace_user")
            .await
            .expect("replace_user");
        assert!(replaced);
        let after = get_user(&client, &sid).await;
        assert_eq!(after.email.as_deref(), Some("linh.nguyen@example.com"));
        assert_eq!(after.title.as_deref().unwrap_or_default(), "");

        // The API never removes a user: deactivating keeps the record,
        // inactive and dated.
        client
            .workflow()
            .deactivate_user()
            .sid(&sid)
            .send()
            .await
            .operation("deactivate_user")
            .await
            .expect("deactivate_user");
        let gone = get_user(&client, &sid).await;
        assert_eq!(gone.is_active, Some(false));
        let deleted = gone.deleted_date.expect("a deletion date");
        assert!(deleted.year() > 2000, "{deleted}");
    })
    .await;
}

async fn get_user(client: &Client, sid: &str) -> nutrient_workflow::workflow::types::User {
    client
        .workflow()
        .get_user()
        .sid(sid)
        .send()
        .await
        .operation("get_user")
        .await
        .expect("get_user")
}

#[tokio::test]
async fn current_user_and_user_records_decode_the_documented_fields() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    let demo = sandbox.demo().clone();
    within(async {
        let me = client
            .workflow()
            .get_current_user()
            .send()
            .await
            .operation("get_current_user")
            .await
            .expect("get_current_user");
        assert_eq!(me.sid, demo.admin.sid);
        assert_eq!(me.id, Some(demo.admin.id));
        assert_eq!(me.user_name.as_deref(), Some("admin"));
        assert_eq!(me.email.as_deref(), Some("admin@example.com"));
        assert_eq!(me.name_first.as_deref(), Some("Ada"));
        assert_eq!(me.is_active, Some(true));
        let seeded = Utc
            .with_ymd_and_hms(2010, 12, 14, 6, 31, 6)
            .single()
            .expect("a valid date");
        assert_eq!(me.created_date, Some(seeded));
        assert_eq!(me.created_date_f.as_deref(), Some("12/14/2010 6:31:06 AM"));

        let jdoe = get_user(&client, &demo.jdoe.sid).await;
        assert_eq!(jdoe.user_name.as_deref(), Some("jdoe"));
        assert_eq!(jdoe.email.as_deref(), Some("jdoe@example.com"));
        assert_eq!(jdoe.name_last.as_deref(), Some("Doe"));
        assert_eq!(jdoe.title.as_deref(), Some("Analyst"));
        assert_eq!(jdoe.created_date, Some(seeded));
        assert_eq!(jdoe.manager_sid.as_deref(), Some(demo.msmith.sid.as_str()));
    })
    .await;
}

#[tokio::test]
async fn processes_list_and_read_the_demo_process() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    let demo = sandbox.demo().clone();
    within(async {
        let processes = client
            .workflow()
            .list_processes()
            .send()
            .await
            .operation("list_processes")
            .await
            .expect("list_processes");
        assert_eq!(processes.total, 2);
        let listed: Vec<(&str, Option<&str>)> = processes
            .items
            .iter()
            .map(|p| (p.name.as_str(), p.publish_status.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                ("Expense Claim", Some("Production")),
                ("Travel Request", Some("Inactive")),
            ]
        );

        let process = client
            .workflow()
            .get_process()
            .process_sid(&demo.process_sid)
            .send()
            .await
            .operation("get_process")
            .await
            .expect("get_process");
        assert_eq!(process.sid, demo.process_sid);
        assert_eq!(process.name, "Expense Claim");
        assert_eq!(process.publish_status.as_deref(), Some("Production"));
        assert_eq!(process.category.as_deref(), Some("Finance"));
    })
    .await;
}

#[tokio::test]
async fn access_routes_issue_tokens_without_sending_one() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    let key = sandbox.impersonation_key().to_owned();
    within(async {
        let issued = client
            .workflow()
            .impersonate()
            .key(&key)
            .user("msmith")
            .send()
            .await
            .operation("impersonate")
            .await
            .expect("impersonate");
        assert!(is_hex_token(&issued.token), "{}", issued.token);
        assert_eq!(issued.token_type.as_deref(), Some("access"));
        // The client's own key was never exchanged: the one token issued
        // is the impersonation token itself.
        assert_eq!(sandbox.token_exchanges(), 1);
        let as_msmith = client_with(&sandbox, Credentials::bearer(issued.token));
        assert_eq!(user_name_of(&as_msmith).await, "msmith");

        let pending = client
            .workflow()
            .request_token()
            .key(&key)
            .send()
            .await
            .operation("request_token")
            .await
            .expect("request_token");
        assert!(is_hex_token(&pending.token), "{}", pending.token);
        let login = format!("{}{}&user=jdoe", pending.auth_url, pending.token);
        assert!(
            login.starts_with(&format!("{}/sandbox/login?token=", sandbox.base_url())),
            "{login}"
        );
        let signed_in = reqwest::get(&login).await.expect("the login page answers");
        assert_eq!(signed_in.status(), StatusCode::OK);

        let exchanged = client
            .workflow()
            .exchange_token()
            .key(&key)
            .token(&pending.token)
            .send()
            .await
            .operation("exchange_token")
            .await
            .expect("exchange_token");
        assert!(is_hex_token(&exchanged.token), "{}", exchanged.token);
        assert_eq!(sandbox.token_exchanges(), 2);
        let as_jdoe = client_with(&sandbox, Credentials::bearer(exchanged.token));
        assert_eq!(user_name_of(&as_jdoe).await, "jdoe");

        // A request token is good for one exchange only.
        let again = client
            .workflow()
            .exchange_token()
            .key(&key)
            .token(&pending.token)
            .send()
            .await
            .operation("exchange_token")
            .await
            .expect_err("the request token is used up");
        assert!(again.is_auth(), "{again:?}");
    })
    .await;
}

async fn user_name_of(client: &Client) -> String {
    client
        .workflow()
        .get_current_user()
        .send()
        .await
        .operation("get_current_user")
        .await
        .expect("get_current_user")
        .user_name
        .unwrap_or_default()
}

#[tokio::test]
async fn auth_section_exchanges_keys_for_jwts_and_answers_health_checks() {
    let sandbox = sandbox().await;
    let client = admin_client(&sandbox);
    within(async {
        client
            .auth()
            .auth_healthcheck()
            .send()
            .await
            .operation("auth_healthcheck")
            .await
            .expect("auth_healthcheck");
        client
            .instance()
            .instance_healthcheck()
            .send()
            .await
            .operation("instance_healthcheck")
            .await
            .expect("instance_healthcheck");
        assert_eq!(
            sandbox.token_exchanges(),
            0,
            "health checks are sent without a token"
        );

        let system = client
            .auth()
            .exchange_api_key()
            .body(nutrient_workflow::sections::auth::types::ApiKeyExchange {
                tenant: sandbox.tenant().to_owned(),
                api_key: sandbox.system_key().to_owned(),
            })
            .send()
            .await
            .operation("exchange_api_key")
            .await
            .expect("exchange_api_key");
        assert_eq!(jwt_claims(&system.token)["userName"], "admin");
        assert_eq!(system.token_type.as_deref(), Some("Bearer"));
        assert_eq!(system.expires_in, Some(3600));

        let user = client
            .auth()
            .exchange_user_api_key()
            .body(nutrient_workflow::sections::auth::types::ApiKeyExchange {
                tenant: sandbox.tenant().to_owned(),
                api_key: sandbox.user_key().to_owned(),
            })
            .send()
            .await
            .operation("exchange_user_api_key")
            .await
            .expect("exchange_user_api_key");
        assert_eq!(jwt_claims(&user.token)["userName"], "jdoe");
        assert_eq!(sandbox.token_exchanges(), 2);

        let refused = client
            .auth()
            .exchange_api_key()
            .body(nutrient_workflow::sections::auth::types::ApiKeyExchange {
                tenant: sandbox.tenant().to_owned(),
                api_key: "not-the-key".to_owned(),
            })
            .send()
            .await
            .operation("exchange_api_key")
            .await
            .expect_err("a wrong key is refused");
        assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(refused.is_auth(), "{refused:?}");
    })
    .await;
}

/// The operation IDs of the bundled documents, each with whether the crate
/// implements it by hand.
fn operation_ids() -> Vec<(String, bool)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi");
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the openapi folder") {
        let path = entry.expect("a folder entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a readable document");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("a JSON document");
        let paths = doc["paths"].as_object().expect("the document has paths");
        for item in paths.values() {
            let operations = item.as_object().expect("a path item");
            for operation in operations.values() {
                let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) else {
                    continue;
                };
                let handwritten = operation.get("x-nwa-handwritten").is_some();
                ids.push((id.to_owned(), handwritten));
            }
        }
    }
    ids
}

#[test]
fn every_operation_is_called_by_a_test_in_this_file() {
    let ids = operation_ids();
    assert!(ids.len() > 20, "too few operations found: {ids:?}");
    // Generated operations are builder methods called without arguments;
    // the hand-written ones are `Client` methods that take the upload.
    let missing: Vec<&str> = ids
        .iter()
        .filter(|(id, handwritten)| {
            let call = if *handwritten {
                format!(".{id}(&")
            } else {
                format!(".{id}()")
            };
            !SOURCE.contains(&call)
        })
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a test in tests/workflow.rs: {missing:?}"
    );
}
