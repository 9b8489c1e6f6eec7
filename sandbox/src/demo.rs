//! The demo tenant: the records every sandbox starts with.
//!
//! The SIDs are fixed so that examples, docs and snapshots can name them;
//! records created while the sandbox runs get fresh random SIDs. This module
//! only seeds: it does not decide how the records behave.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::tenant::{
    FieldDefinition, Process, Profile, RecipientTask, Report, ReportFilter, Request, RequestState,
    TaskDefinition, TaskKind, TaskStatus, Tenant, User,
};

/// A seeded user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    /// The user's SID (a lowercase GUID).
    pub sid: String,
    /// The user's numeric ID.
    pub id: i64,
    /// The user name that `/access/impersonate` takes.
    pub user_name: String,
}

/// The seeded records of the demo tenant, for tests and examples to refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demo {
    /// "Expense Claim", in Production: a data-container task "Enter details"
    /// (fields `description`, `amount`, `due_date`, `receipt`), then an
    /// approval task "Manager approval".
    pub process_sid: String,
    /// The name of that process.
    pub process_name: String,
    /// The name of its data-container task.
    pub data_container_task: String,
    /// The name of its approval task.
    pub approval_task: String,
    /// "Travel Request", Inactive: starting it is refused.
    pub inactive_process_sid: String,
    /// "Requests by process", with an `ID` and a `Process` filter.
    pub report_sid: String,
    /// `admin`, the user a system API key acts as.
    pub admin: DemoUser,
    /// `jdoe`, the user the user-based API key acts as; reports to `msmith`.
    pub jdoe: DemoUser,
    /// `msmith`, a manager.
    pub msmith: DemoUser,
    /// `akhan`, a user with no special role.
    pub akhan: DemoUser,
}

const PROCESS_SID: &str = "3f2b8c1e-6d4a-4e2f-9b7c-1a2d3e4f5a60";
const INACTIVE_PROCESS_SID: &str = "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f";
const REPORT_SID: &str = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const ADMIN_SID: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const JDOE_SID: &str = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e";
const MSMITH_SID: &str = "2c3d4e5f-6a7b-4c8d-ae9f-1a2b3c4d5e6f";
const AKHAN_SID: &str = "3d4e5f6a-7b8c-4d9e-bf0a-2b3c4d5e6f7a";

const DATA_CONTAINER_TASK: &str = "Enter details";
const APPROVAL_TASK: &str = "Manager approval";

/// Request numbers of the seeded requests; new ones follow on.
const FIRST_REQUEST_ID: i64 = 1001;
const LAST_USER_ID: i64 = 104;

impl Demo {
    pub(crate) fn new() -> Self {
        let user = |sid: &str, id, user_name: &str| DemoUser {
            sid: sid.to_owned(),
            id,
            user_name: user_name.to_owned(),
        };
        Demo {
            process_sid: PROCESS_SID.to_owned(),
            process_name: "Expense Claim".to_owned(),
            data_container_task: DATA_CONTAINER_TASK.to_owned(),
            approval_task: APPROVAL_TASK.to_owned(),
            inactive_process_sid: INACTIVE_PROCESS_SID.to_owned(),
            report_sid: REPORT_SID.to_owned(),
            admin: user(ADMIN_SID, 101, "admin"),
            jdoe: user(JDOE_SID, 102, "jdoe"),
            msmith: user(MSMITH_SID, 103, "msmith"),
            akhan: user(AKHAN_SID, 104, "akhan"),
        }
    }
}

/// The demo tenant's records, dated relative to `now`.
pub(crate) fn seed(demo: &Demo, now: DateTime<Utc>) -> Tenant {
    let mut tenant = Tenant {
        users: users(demo),
        processes: processes(),
        reports: vec![report()],
        next_request_id: FIRST_REQUEST_ID - 1,
        next_user_id: LAST_USER_ID,
        ..Tenant::default()
    };
    seed_requests(&mut tenant, demo, now);
    tenant
}

fn users(demo: &Demo) -> Vec<User> {
    // A fixed past date, so that seeded users sort before any created ones.
    let created = Utc
        .with_ymd_and_hms(2010, 12, 14, 6, 31, 6)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let person = |who: &DemoUser, first: &str, last: &str, title: &str, manager: &str| User {
        sid: who.sid.clone(),
        id: who.id,
        created,
        modified: created,
        deleted: None,
        is_active: true,
        profile: Profile {
            address_line1: "1 Main Street".to_owned(),
            city: "Springfield".to_owned(),
            cost_center: "CC-100".to_owned(),
            country: "US".to_owned(),
            department: "Finance".to_owned(),
            division: "Operations".to_owned(),
            email: format!("{}@example.com", who.user_name),
            locale: "en-US".to_owned(),
            location: "Head office".to_owned(),
            manager_sid: manager.to_owned(),
            name_first: first.to_owned(),
            name_last: last.to_owned(),
            network_id: format!("EXAMPLE\\{}", who.user_name),
            phone: "555-0100".to_owned(),
            postal: "12345".to_owned(),
            state: "IL".to_owned(),
            time_zone: "Central Standard Time".to_owned(),
            title: title.to_owned(),
            user_name: who.user_name.clone(),
            ..Profile::default()
        },
    };
    vec![
        person(&demo.admin, "Ada", "Admin", "System administrator", ""),
        person(&demo.jdoe, "John", "Doe", "Analyst", MSMITH_SID),
        person(&demo.msmith, "Maria", "Smith", "Finance manager", ""),
        person(&demo.akhan, "Amir", "Khan", "Engineer", MSMITH_SID),
    ]
}

fn field(key: &str, value_type: &str) -> FieldDefinition {
    FieldDefinition {
        key: key.to_owned(),
        value_type: value_type.to_owned(),
    }
}

fn approval_step() -> TaskDefinition {
    TaskDefinition {
        name: APPROVAL_TASK.to_owned(),
        kind: TaskKind::Approval,
        fields: Vec::new(),
        milestone: String::new(),
    }
}

fn processes() -> Vec<Process> {
    vec![
        Process {
            sid: PROCESS_SID.to_owned(),
            id: 345,
            name: "Expense Claim".to_owned(),
            description: "Claim back an expense, with a receipt, for a manager to approve."
                .to_owned(),
            category: "Finance".to_owned(),
            publish_status: "Production".to_owned(),
            steps: vec![
                TaskDefinition {
                    name: DATA_CONTAINER_TASK.to_owned(),
                    kind: TaskKind::DataContainer,
                    fields: vec![
                        field("description", "string"),
                        field("amount", "numeric"),
                        field("due_date", "date"),
                        field("receipt", "file"),
                    ],
                    milestone: "Details Entered".to_owned(),
                },
                approval_step(),
            ],
        },
        Process {
            sid: INACTIVE_PROCESS_SID.to_owned(),
            id: 346,
            name: "Travel Request".to_owned(),
            description: "Ask for approval before booking travel (retired).".to_owned(),
            category: "Travel".to_owned(),
            publish_status: "Inactive".to_owned(),
            steps: vec![approval_step()],
        },
    ]
}

fn report() -> Report {
    let filter = |mapping_val: &str, expose: &str| ReportFilter {
        mapping_val: mapping_val.to_owned(),
        expose: expose.to_owned(),
        value: Value::Null,
        text: None,
        operator: "Is".to_owned(),
        field_type: "textfield".to_owned(),
        options: Value::Null,
    };
    Report {
        sid: REPORT_SID.to_owned(),
        name: "Requests by process".to_owned(),
        filters: vec![
            filter("Request|ID", "ID"),
            filter("Process|Name", "Process"),
        ],
    }
}

/// Two finished requests, so that `/instances/mine` and the report have
/// rows before anything is started.
fn seed_requests(tenant: &mut Tenant, demo: &Demo, now: DateTime<Utc>) {
    let finished = [
        (&demo.admin, "Approved", chrono::Duration::days(7)),
        (&demo.jdoe, "Rejected", chrono::Duration::days(3)),
    ];
    for (requester, milestone, age) in finished {
        tenant.next_request_id += 1;
        let started = now - age;
        let request = Request {
            sid: crate::tenant::new_sid(),
            id: tenant.next_request_id,
            name: "Expense Claim".to_owned(),
            process_sid: PROCESS_SID.to_owned(),
            requester_sid: requester.sid.clone(),
            started,
            last_milestone: milestone.to_owned(),
            last_milestone_date: started + chrono::Duration::hours(4),
            state: RequestState::Completed,
            values: serde_json::Map::new(),
            attachments: Vec::new(),
        };
        for (step, (name, kind)) in [
            (DATA_CONTAINER_TASK, TaskKind::DataContainer),
            (APPROVAL_TASK, TaskKind::Approval),
        ]
        .into_iter()
        .enumerate()
        {
            tenant.tasks.push(RecipientTask {
                sid: crate::tenant::new_sid(),
                request_sid: request.sid.clone(),
                step,
                name: name.to_owned(),
                kind,
                status: TaskStatus::Completed,
            });
        }
        tenant.requests.push(request);
    }
}
