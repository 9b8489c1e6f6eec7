//! Checks the generated types against every example payload the public
//! sources document (see `tests/fixtures/README.md` for where each comes
//! from and which values were filled in).
//!
//! Responses must deserialize into the type the spec names for the
//! operation. Request bodies must also serialize back to the same JSON, since
//! a key the typed value drops is a key the server never receives.
//!
//! These tests need no server: they only exercise the serde derives of the
//! generated code.

use std::collections::BTreeSet;

use chrono::{Datelike as _, TimeZone as _, Utc};
use nutrient_workflow::files::types::TempFile;
use nutrient_workflow::instance::types::RequestFile;
use nutrient_workflow::workflow::types::{
    Approval, DataContainerEndpoints, DataContainerFields, DataContainerValues,
    ExchangeTokenResponse, ImpersonateResponse, InstanceFile, MyRequests, ReportFilter,
    RequestTokenResponse, RunReport, StartedRequest, UploadedFile, UserInput, UserList, UserPage,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Every fixture a test below reads. `every_fixture_is_checked_by_a_test`
/// compares this list with the directory, so a new file cannot go unchecked.
const FIXTURES: &[&str] = &[
    "api_files_temp_upload.response.json",
    "api_instance_files.response.json",
    "approval.request.json",
    "data_container_endpoints.response.json",
    "data_container_endpoints_empty.response.json",
    "data_container_fields.response.json",
    "data_container_post.request.json",
    "exchange_token.response.json",
    "files_instancelist.response.json",
    "files_upload.response.json",
    "impersonate.response.json",
    "instances_mine.response.json",
    "instances_start.response.json",
    "instances_start_path_form.response.json",
    "report_filters.response.json",
    "report_run.request.json",
    "request_token.response.json",
    "users_create.request.json",
    "users_create.response.json",
    "users_list.response.json",
    "users_list_object.response.json",
    "users_replace.response.json",
];

/// Deserializes a fixture, naming it in the panic so a failure says which
/// documented payload the generated type rejects.
fn decode<T: DeserializeOwned>(name: &str, json: &str) -> T {
    serde_json::from_str(json)
        .unwrap_or_else(|error| panic!("{name} does not match the generated type: {error}"))
}

/// Asserts that a typed request body serializes to exactly the documented
/// JSON, and names every top-level key that was lost or changed.
fn assert_round_trip<T: Serialize>(name: &str, typed: &T, json: &str) {
    let documented: Value = decode(name, json);
    let sent = serde_json::to_value(typed).expect("a typed body serializes");
    if sent == documented {
        return;
    }

    let (Value::Object(documented), Value::Object(sent)) = (&documented, &sent) else {
        panic!("{name}: serialized as {sent}, documented as {documented}");
    };
    let differences: Vec<String> = documented
        .keys()
        .chain(sent.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        // A generated body cannot send an explicit `null` (progenitor maps
        // optional and nullable to one `Option` that is omitted when `None`),
        // so a documented `null` that is sent as an absent key counts as kept.
        .filter(|key| {
            let (doc, got) = (documented.get(*key), sent.get(*key));
            doc != got && !(doc == Some(&Value::Null) && got.is_none())
        })
        .map(|key| {
            let show =
                |value: Option<&Value>| value.map_or_else(|| "absent".to_owned(), Value::to_string);
            format!(
                "`{key}`: documented {}, serialized {}",
                show(documented.get(key)),
                show(sent.get(key))
            )
        })
        .collect();
    if differences.is_empty() {
        return;
    }
    panic!(
        "{name} does not survive a round trip: {}",
        differences.join("; ")
    );
}

/// The new request's SID, whichever of the two documented start answers
/// the server gave.
fn started_sid(started: &StartedRequest) -> Option<&str> {
    started
        .sid
        .as_deref()
        .or(started.request.as_ref().map(|request| request.sid.as_str()))
}

#[test]
fn impersonate_answer_carries_the_access_token_and_the_key() {
    let name = "impersonate.response.json";
    let answer: ImpersonateResponse =
        decode(name, include_str!("fixtures/impersonate.response.json"));

    assert_eq!(answer.token, "37034275cf2547d9ac755bab65e9d29a");
    assert_eq!(answer.token_type.as_deref(), Some("access"));
    assert_eq!(answer.key.as_deref(), Some("myapikey"));
}

#[test]
fn request_token_answer_gives_the_login_url_to_append_the_token_to() {
    let name = "request_token.response.json";
    let answer: RequestTokenResponse =
        decode(name, include_str!("fixtures/request_token.response.json"));

    assert_eq!(answer.token, "d995f821f18149779af827141576cf3b");
    // The browser is sent to `auth_url` followed by the token, so the URL
    // must end with the empty `token=` parameter.
    assert!(answer.auth_url.ends_with("?token="), "{}", answer.auth_url);
    assert_eq!(
        format!("{}{}", answer.auth_url, answer.token),
        "http://auth.integrify.com/auth/default.aspx?token=d995f821f18149779af827141576cf3b"
    );
}

#[test]
fn exchange_token_answer_carries_the_access_token() {
    let name = "exchange_token.response.json";
    let answer: ExchangeTokenResponse =
        decode(name, include_str!("fixtures/exchange_token.response.json"));

    assert_eq!(answer.token, "2b936d0aa78242649c84be271576cf9d");
}

#[test]
fn instance_start_keeps_the_string_id() {
    let name = "instances_start.response.json";
    let started: StartedRequest =
        decode(name, include_str!("fixtures/instances_start.response.json"));

    let request = started
        .request
        .as_ref()
        .expect("the documented form nests `request`");
    // The start answer gives `id` as a string, unlike `/instances/mine`.
    assert_eq!(request.id, "2993");
    assert_eq!(request.sid, "5b0c6a0e-2f4d-4c1b-9a43-7e2d8f6a1c90");
    assert_eq!(request.name.as_deref(), Some("API Post Test"));
    assert_eq!(request.lastmilestone.as_deref(), Some("Started"));
    assert_eq!(
        request.startdate,
        Some(
            Utc.with_ymd_and_hms(2013, 6, 27, 15, 44, 53).unwrap()
                + chrono::Duration::milliseconds(627)
        )
    );
    assert_eq!(request.lastmilestonedate, request.startdate);
    assert_eq!(started.sid, None);
}

#[test]
fn instance_start_path_form_gives_the_sid_at_the_top_level() {
    let name = "instances_start_path_form.response.json";
    let started: StartedRequest = decode(
        name,
        include_str!("fixtures/instances_start_path_form.response.json"),
    );

    assert_eq!(
        started.sid.as_deref(),
        Some("c3e1f7a2-6b8d-4e0f-a5c9-2d4b7e9f1a36")
    );
    assert_eq!(started.request, None);
}

#[test]
fn new_request_sid_is_found_in_either_start_shape() {
    let documented: StartedRequest = decode(
        "instances_start.response.json",
        include_str!("fixtures/instances_start.response.json"),
    );
    let path_form: StartedRequest = decode(
        "instances_start_path_form.response.json",
        include_str!("fixtures/instances_start_path_form.response.json"),
    );

    assert_eq!(
        started_sid(&documented),
        Some("5b0c6a0e-2f4d-4c1b-9a43-7e2d8f6a1c90")
    );
    assert_eq!(
        started_sid(&path_form),
        Some("c3e1f7a2-6b8d-4e0f-a5c9-2d4b7e9f1a36")
    );
}

#[test]
fn my_requests_keep_the_documented_item_values() {
    let name = "instances_mine.response.json";
    let mine: MyRequests = decode(name, include_str!("fixtures/instances_mine.response.json"));

    assert_eq!(mine.total, 779);
    let [item] = mine.items.as_slice() else {
        panic!("expected one item, got {}", mine.items.len());
    };
    assert_eq!(item.r, Some(1));
    assert_eq!(item.id, 1864);
    assert_eq!(item.sid, "14efaa2a-781d-4f6d-87a4-1be8a03cd04d");
    assert_eq!(item.name, "Capital Expenditure Request (CER)");
    assert_eq!(item.process_id, Some(345));
    assert_eq!(item.publish_status.as_deref(), Some("Development"));
    assert_eq!(item.last_milestone.as_deref(), Some("CER Approved"));
    assert_eq!(item.state.as_deref(), Some("Started"));
    let milestone = item
        .last_milestone_date
        .expect("the milestone date decodes");
    assert_eq!(
        milestone.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "2013-06-27T15:44:53.627Z"
    );
}

#[test]
fn files_upload_answer_gives_the_file_key() {
    let name = "files_upload.response.json";
    let uploaded: Vec<UploadedFile> =
        decode(name, include_str!("fixtures/files_upload.response.json"));

    // Callers read `[0].file` and post it into a comment or data container.
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].file, "7f3b9c1e-4a2d-4e6f-b8a0-5d1c3e7f9b24");
}

#[test]
fn instance_file_list_gives_the_stream_endpoint_to_download() {
    let name = "files_instancelist.response.json";
    let files: Vec<InstanceFile> = decode(
        name,
        include_str!("fixtures/files_instancelist.response.json"),
    );

    let [file] = files.as_slice() else {
        panic!("expected one file, got {}", files.len());
    };
    assert_eq!(file.file_name.as_deref(), Some("quote.pdf"));
    // The endpoint is relative: the client appends it to the base URL.
    let endpoint = file
        .stream_endpoint
        .as_deref()
        .expect("StreamEndpoint decodes");
    assert!(endpoint.starts_with('/'), "{endpoint}");
    assert_eq!(
        file.file_key.as_deref(),
        Some("2f6e8a1c-9b3d-4c7e-a05f-8d1b4e6c2a79")
    );
    assert_eq!(
        file.attachment_sid.as_deref(),
        Some("b4d2f0e8-6c1a-4e9b-8f37-1a5c9e3d7b60")
    );
    assert_eq!(file.created_date.map(|date| date.year()), Some(2013));
}

#[test]
fn temp_upload_answer_gives_the_sid_and_the_original_name() {
    let name = "api_files_temp_upload.response.json";
    let uploaded: Vec<TempFile> = decode(
        name,
        include_str!("fixtures/api_files_temp_upload.response.json"),
    );

    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].sid, "e8a4c2f6-1d3b-4a5e-9c7f-0b2d4f6a8c13");
    assert_eq!(uploaded[0].original_filename.as_deref(), Some("report.csv"));
}

#[test]
fn request_files_give_a_relative_download_link() {
    let name = "api_instance_files.response.json";
    let files: Vec<RequestFile> = decode(
        name,
        include_str!("fixtures/api_instance_files.response.json"),
    );

    let [file] = files.as_slice() else {
        panic!("expected one file, got {}", files.len());
    };
    assert_eq!(file.file_name, "quote.pdf");
    assert!(
        file.download_link.starts_with('/'),
        "{}",
        file.download_link
    );
    assert_eq!(file.created_date.map(|date| date.year()), Some(2013));
}

#[test]
fn data_container_endpoints_list_the_recipient_task_url() {
    let name = "data_container_endpoints.response.json";
    let answer: DataContainerEndpoints = decode(
        name,
        include_str!("fixtures/data_container_endpoints.response.json"),
    );

    assert_eq!(
        answer.endpoints,
        ["/tasktypes/data-container/instances/tasks/reciptasks/\
          d854f1fd-773d-4883-a2b7-0acc8c33d138?task_name=myTaskName"]
    );
}

#[test]
fn data_container_without_an_active_task_lists_no_endpoint() {
    let name = "data_container_endpoints_empty.response.json";
    let answer: DataContainerEndpoints = decode(
        name,
        include_str!("fixtures/data_container_endpoints_empty.response.json"),
    );

    assert!(answer.endpoints.is_empty(), "{:?}", answer.endpoints);
}

#[test]
fn data_container_fields_name_their_value_types() {
    let name = "data_container_fields.response.json";
    let answer: DataContainerFields = decode(
        name,
        include_str!("fixtures/data_container_fields.response.json"),
    );

    let fields: Vec<(&str, &str)> = answer
        .field_configuration
        .iter()
        .map(|field| (field.key.as_str(), field.value_type.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("client_name", "string"),
            ("client_number", "numeric"),
            ("contract_date", "date"),
        ]
    );
}

#[test]
fn data_container_post_body_keeps_numbers_as_numbers() {
    let name = "data_container_post.request.json";
    let json = include_str!("fixtures/data_container_post.request.json");
    let body: DataContainerValues = decode(name, json);

    assert_eq!(body.get("client_name"), Some(&Value::from("John Doe")));
    assert_eq!(body.get("client_number"), Some(&Value::from(5)));
    assert_round_trip(name, &body, json);
}

#[test]
fn approval_body_survives_a_round_trip() {
    let name = "approval.request.json";
    let json = include_str!("fixtures/approval.request.json");
    let body: Approval = decode(name, json);

    assert_eq!(body.approval, "Approve");
    assert_eq!(body.comments.as_deref(), Some("Budget checked, approved."));
    assert_round_trip(name, &body, json);
}

#[test]
fn report_filter_with_null_value_decodes_to_none() {
    let name = "report_filters.response.json";
    let filters: Vec<ReportFilter> =
        decode(name, include_str!("fixtures/report_filters.response.json"));

    let [filter] = filters.as_slice() else {
        panic!("expected one filter, got {}", filters.len());
    };
    assert_eq!(filter.mapping_val, "Request|ID");
    assert_eq!(filter.expose, "ID");
    assert_eq!(filter.operator.as_deref(), Some("Is"));
    assert_eq!(filter.field_type.as_deref(), Some("textfield"));
    // A filter comes back unset; callers fill `Value` keyed by `Expose`.
    assert_eq!(filter.value, None);
    assert_eq!(filter.text, None);
    assert_eq!(filter.options, None);
}

#[test]
fn report_run_body_survives_a_round_trip() {
    let name = "report_run.request.json";
    let json = include_str!("fixtures/report_run.request.json");
    let body: RunReport = decode(name, json);

    assert_eq!(body.start, Some(0));
    assert!(body.filters.is_empty());
    assert_eq!(body.persist, Some(true));
    assert_eq!(body.page, Some(1));
    assert_eq!(body.limit, Some(10));
    assert_round_trip(name, &body, json);
}

#[test]
fn users_create_body_survives_a_round_trip() {
    let name = "users_create.request.json";
    let json = include_str!("fixtures/users_create.request.json");
    let body: UserInput = decode(name, json);

    assert_eq!(body.email.as_deref(), Some("jdoe@integrify.com"));
    assert_eq!(body.locale.as_deref(), Some("en-GB"));
    assert_eq!(body.time_zone.as_deref(), Some("Pacific Standard Time"));
    assert_eq!(body.user_name.as_deref(), Some("jdoe"));
    assert_eq!(body.password, None);
    assert_eq!(body.password_confirm, None);
    assert_round_trip(name, &body, json);
}

#[test]
fn users_create_answer_is_the_bare_sid() {
    let name = "users_create.response.json";
    let sid: String = decode(name, include_str!("fixtures/users_create.response.json"));

    assert_eq!(sid, "84070795-bbbc-414e-aaf1-683d6769cd93");
}

#[test]
fn users_replace_answer_is_a_bool() {
    let name = "users_replace.response.json";
    let replaced: bool = decode(name, include_str!("fixtures/users_replace.response.json"));

    assert!(replaced);
}

#[test]
fn users_list_array_form_decodes_every_documented_field() {
    let name = "users_list.response.json";
    let list: UserList = decode(name, include_str!("fixtures/users_list.response.json"));

    let UserList::Array(pages) = list else {
        panic!("the documented array wrapper decoded as {list:?}");
    };
    let [page] = pages.as_slice() else {
        panic!("expected one page, got {}", pages.len());
    };
    assert_eq!(page.total_item_cnt, 1);
    let [user] = page.items.as_slice() else {
        panic!("expected one user, got {}", page.items.len());
    };
    assert_eq!(user.user_name.as_deref(), Some("jdoe"));
    assert_eq!(user.sid, "6e2a8c4f-0d1b-4f7a-9e3c-5b8d2f4a6c17");
    assert_eq!(user.id, Some(108));
    assert_eq!(user.contact_id, Some(108));
    assert_eq!(user.object_permissions, Some(79));
    assert_eq!(
        user.created_date_f.as_deref(),
        Some("12/14/2010 6:31:06 AM")
    );
    assert_eq!(
        user.created_date,
        Some(Utc.with_ymd_and_hms(2010, 12, 14, 6, 31, 6).unwrap())
    );
    // The API writes "no date" as year 1, not as null.
    assert_eq!(user.deleted_date.map(|date| date.year()), Some(1));
    assert_eq!(user.deleted_date_f.as_deref(), Some(""));
    assert_eq!(user.delegation_end.map(|date| date.year()), Some(1));
    assert_eq!(user.delegation_end_f.as_deref(), Some("0001-01-01"));
    assert_eq!(user.delegation_end_time.as_deref(), Some("00:00"));
    assert_eq!(user.delegation_processes, None);
    assert_eq!(user.delegation_processes_names.as_deref(), Some(""));
    assert_eq!(user.delegation_start.map(|date| date.year()), Some(1));
    assert_eq!(user.delegation_start_f.as_deref(), Some("0001-01-01"));
    assert_eq!(user.delegation_start_time.as_deref(), Some("00:00"));
    assert_eq!(user.department.as_deref(), Some("Finance"));
}

#[test]
fn users_list_object_form_decodes_as_the_saml_code_reads_it() {
    let name = "users_list_object.response.json";
    let list: UserList = decode(
        name,
        include_str!("fixtures/users_list_object.response.json"),
    );

    // The SAML module reads `users.Items[0].SID` with no array around it.
    let UserList::UserPage(UserPage {
        total_item_cnt,
        items,
    }) = list
    else {
        panic!("the bare object decoded as {list:?}");
    };
    assert_eq!(total_item_cnt, 1);
    assert_eq!(items[0].sid, "6e2a8c4f-0d1b-4f7a-9e3c-5b8d2f4a6c17");
    assert_eq!(items[0].deleted_date_f.as_deref(), Some(""));
}

#[test]
fn every_fixture_is_checked_by_a_test() {
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let on_disk: BTreeSet<String> = std::fs::read_dir(directory)
        .expect("the fixtures directory is readable")
        .map(|entry| entry.expect("a directory entry").file_name())
        .filter_map(|file| file.into_string().ok())
        .filter(|file| file.ends_with(".json"))
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|&name| name.to_owned()).collect();

    let unchecked: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unchecked.is_empty(),
        "fixtures no test reads: {unchecked:?}"
    );
    assert!(
        missing.is_empty(),
        "listed fixtures not on disk: {missing:?}"
    );

    // The list alone could name a file no test reads, so each name must
    // also appear in an `include_str!` of this file.
    let source = include_str!("fixtures.rs");
    let unread: Vec<_> = FIXTURES
        .iter()
        .filter(|name| !source.contains(&format!("include_str!(\"fixtures/{name}\")")))
        .collect();
    assert!(
        unread.is_empty(),
        "listed fixtures no test includes: {unread:?}"
    );
}
