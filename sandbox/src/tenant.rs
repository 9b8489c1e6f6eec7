//! The tenant's records and the rules that move a request through its
//! process.
//!
//! This is plain data behind the site's lock: users, processes, requests,
//! recipient tasks, stored files, reports and issued opaque tokens. Handlers
//! take the lock, call into here, and let go before anything is awaited.
//! How records look on the wire is the route modules' business, except for
//! users, whose record is written here because three routes share it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::clock::{EMPTY_DATE_TIME, format_date_time, format_display_date};
use crate::error::ApiError;

/// The kind of a recipient task, as far as the sandbox models one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// A data-container task, completed by posting field values.
    DataContainer,
    /// An approval task, completed by posting a choice.
    Approval,
}

impl TaskKind {
    /// The kind as the task-type routes name it: `data-container` or
    /// `approval`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::DataContainer => "data-container",
            TaskKind::Approval => "approval",
        }
    }
}

impl std::fmt::Display for TaskKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for TaskKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TaskKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A field of a data-container task.
#[derive(Debug, Clone)]
pub(crate) struct FieldDefinition {
    pub(crate) key: String,
    /// `string`, `numeric`, `date` or `file`.
    pub(crate) value_type: String,
}

/// One step of a process's flow.
#[derive(Debug, Clone)]
pub(crate) struct TaskDefinition {
    pub(crate) name: String,
    pub(crate) kind: TaskKind,
    pub(crate) fields: Vec<FieldDefinition>,
    /// The milestone a request reaches when this step completes; approval
    /// steps take theirs from the choice instead.
    pub(crate) milestone: String,
}

/// An approval choice and the milestone it leads to.
pub(crate) const APPROVAL_CHOICES: [(&str, &str); 2] =
    [("Approve", "Approved"), ("Reject", "Rejected")];

#[derive(Debug, Clone)]
pub(crate) struct Process {
    pub(crate) sid: String,
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) category: String,
    pub(crate) publish_status: String,
    pub(crate) steps: Vec<TaskDefinition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestState {
    Started,
    Completed,
}

impl RequestState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestState::Started => "Started",
            RequestState::Completed => "Completed",
        }
    }
}

/// A file attached to a request.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub(crate) sid: String,
    pub(crate) file_key: String,
    pub(crate) created: DateTime<Utc>,
}

/// A running or finished process instance; the API calls it a request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) sid: String,
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) process_sid: String,
    pub(crate) requester_sid: String,
    pub(crate) started: DateTime<Utc>,
    pub(crate) last_milestone: String,
    pub(crate) last_milestone_date: DateTime<Utc>,
    pub(crate) state: RequestState,
    pub(crate) values: Map<String, Value>,
    pub(crate) attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskStatus {
    Active,
    Completed,
}

/// One step of one request, assigned to its recipients.
#[derive(Debug, Clone)]
pub(crate) struct RecipientTask {
    pub(crate) sid: String,
    pub(crate) request_sid: String,
    pub(crate) step: usize,
    pub(crate) name: String,
    pub(crate) kind: TaskKind,
    pub(crate) status: TaskStatus,
}

/// Uploaded bytes, as either upload route stored them.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
}

/// A report filter, in the API's own field names.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub(crate) struct ReportFilter {
    #[serde(rename = "MappingVal")]
    pub(crate) mapping_val: String,
    #[serde(rename = "Expose")]
    pub(crate) expose: String,
    #[serde(rename = "Value", default)]
    pub(crate) value: Value,
    #[serde(rename = "Text", default)]
    pub(crate) text: Option<String>,
    #[serde(rename = "Operator", default = "default_operator")]
    pub(crate) operator: String,
    #[serde(rename = "FieldType", default)]
    pub(crate) field_type: String,
    #[serde(rename = "Options", default)]
    pub(crate) options: Value,
}

fn default_operator() -> String {
    "Is".to_owned()
}

#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) sid: String,
    pub(crate) name: String,
    pub(crate) filters: Vec<ReportFilter>,
}

/// The fields of a user that callers set, in the API's names.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UserInput {
    #[serde(rename = "AddressLine1")]
    pub(crate) address_line1: Option<String>,
    #[serde(rename = "AddressLine2")]
    pub(crate) address_line2: Option<String>,
    #[serde(rename = "City")]
    pub(crate) city: Option<String>,
    #[serde(rename = "CostCenter")]
    pub(crate) cost_center: Option<String>,
    #[serde(rename = "Country")]
    pub(crate) country: Option<String>,
    #[serde(rename = "Custom1")]
    pub(crate) custom1: Option<String>,
    #[serde(rename = "Custom2")]
    pub(crate) custom2: Option<String>,
    #[serde(rename = "Department")]
    pub(crate) department: Option<String>,
    #[serde(rename = "Division")]
    pub(crate) division: Option<String>,
    #[serde(rename = "Email")]
    pub(crate) email: Option<String>,
    #[serde(rename = "IsActive")]
    pub(crate) is_active: Option<bool>,
    #[serde(rename = "Locale")]
    pub(crate) locale: Option<String>,
    #[serde(rename = "Location")]
    pub(crate) location: Option<String>,
    #[serde(rename = "ManagerSID")]
    pub(crate) manager_sid: Option<String>,
    #[serde(rename = "NameFirst")]
    pub(crate) name_first: Option<String>,
    #[serde(rename = "NameLast")]
    pub(crate) name_last: Option<String>,
    #[serde(rename = "NameMiddle")]
    pub(crate) name_middle: Option<String>,
    #[serde(rename = "NetworkID")]
    pub(crate) network_id: Option<String>,
    #[serde(rename = "Password")]
    pub(crate) password: Option<String>,
    #[serde(rename = "PasswordConfirm")]
    pub(crate) password_confirm: Option<String>,
    #[serde(rename = "Phone")]
    pub(crate) phone: Option<String>,
    #[serde(rename = "Postal")]
    pub(crate) postal: Option<String>,
    #[serde(rename = "State")]
    pub(crate) state: Option<String>,
    #[serde(rename = "TimeZone")]
    pub(crate) time_zone: Option<String>,
    #[serde(rename = "Title")]
    pub(crate) title: Option<String>,
    #[serde(rename = "UserName")]
    pub(crate) user_name: Option<String>,
}

/// The settable part of a user record. Passwords are accepted on input
/// but never kept, so they cannot leak into a response.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub(crate) address_line1: String,
    pub(crate) address_line2: String,
    pub(crate) city: String,
    pub(crate) cost_center: String,
    pub(crate) country: String,
    pub(crate) custom1: String,
    pub(crate) custom2: String,
    pub(crate) department: String,
    pub(crate) division: String,
    pub(crate) email: String,
    pub(crate) locale: String,
    pub(crate) location: String,
    pub(crate) manager_sid: String,
    pub(crate) name_first: String,
    pub(crate) name_last: String,
    pub(crate) name_middle: String,
    pub(crate) network_id: String,
    pub(crate) phone: String,
    pub(crate) postal: String,
    pub(crate) state: String,
    pub(crate) time_zone: String,
    pub(crate) title: String,
    pub(crate) user_name: String,
}

impl Profile {
    /// Sets every field `input` carries and leaves the others alone.
    fn patch(&mut self, input: UserInput) {
        let UserInput {
            address_line1,
            address_line2,
            city,
            cost_center,
            country,
            custom1,
            custom2,
            department,
            division,
            email,
            is_active: _,
            locale,
            location,
            manager_sid,
            name_first,
            name_last,
            name_middle,
            network_id,
            password: _,
            password_confirm: _,
            phone,
            postal,
            state,
            time_zone,
            title,
            user_name,
        } = input;
        let pairs = [
            (&mut self.address_line1, address_line1),
            (&mut self.address_line2, address_line2),
            (&mut self.city, city),
            (&mut self.cost_center, cost_center),
            (&mut self.country, country),
            (&mut self.custom1, custom1),
            (&mut self.custom2, custom2),
            (&mut self.department, department),
            (&mut self.division, division),
            (&mut self.email, email),
            (&mut self.locale, locale),
            (&mut self.location, location),
            (
                &mut self.manager_sid,
                manager_sid.map(|sid| sid.to_lowercase()),
            ),
            (&mut self.name_first, name_first),
            (&mut self.name_last, name_last),
            (&mut self.name_middle, name_middle),
            (&mut self.network_id, network_id),
            (&mut self.phone, phone),
            (&mut self.postal, postal),
            (&mut self.state, state),
            (&mut self.time_zone, time_zone),
            (&mut self.title, title),
            (&mut self.user_name, user_name),
        ];
        for (field, value) in pairs {
            if let Some(value) = value {
                *field = value;
            }
        }
    }

    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.name_first, self.name_last)
            .trim()
            .to_owned()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) sid: String,
    pub(crate) id: i64,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) deleted: Option<DateTime<Utc>>,
    pub(crate) is_active: bool,
    pub(crate) profile: Profile,
}

/// The permission bits the documented example shows for a user.
const OBJECT_PERMISSIONS: i64 = 79;

impl User {
    /// The full record, in the API's PascalCase field names.
    pub(crate) fn record(&self) -> Value {
        let p = &self.profile;
        let (deleted, deleted_f) = match self.deleted {
            Some(at) => (format_date_time(at), format_display_date(at)),
            None => (EMPTY_DATE_TIME.to_owned(), String::new()),
        };
        // Pairs rather than one `json!` object: the macro runs out of
        // recursion depth on a record this long.
        let fields = [
            ("SID", json!(self.sid)),
            ("ID", json!(self.id)),
            ("ContactID", json!(self.id)),
            ("CreatedDate", json!(format_date_time(self.created))),
            ("CreatedDateF", json!(format_display_date(self.created))),
            ("ModifiedDate", json!(format_date_time(self.modified))),
            ("ModifiedDateF", json!(format_display_date(self.modified))),
            ("DeletedDate", json!(deleted)),
            ("DeletedDateF", json!(deleted_f)),
            ("ObjectPermissions", json!(OBJECT_PERMISSIONS)),
            ("IsActive", json!(self.is_active)),
            ("AddressLine1", json!(p.address_line1)),
            ("AddressLine2", json!(p.address_line2)),
            ("City", json!(p.city)),
            ("CostCenter", json!(p.cost_center)),
            ("Country", json!(p.country)),
            ("Custom1", json!(p.custom1)),
            ("Custom2", json!(p.custom2)),
            ("DelegateName", json!("")),
            ("DelegateSid", json!("")),
            ("DelegationEnd", json!(EMPTY_DATE_TIME)),
            ("DelegationEndF", json!("0001-01-01")),
            ("DelegationEndTime", json!("00:00")),
            ("DelegationProcesses", Value::Null),
            ("DelegationProcessesNames", json!("")),
            ("DelegationStart", json!(EMPTY_DATE_TIME)),
            ("DelegationStartF", json!("0001-01-01")),
            ("DelegationStartTime", json!("00:00")),
            ("Department", json!(p.department)),
            ("Division", json!(p.division)),
            ("Email", json!(p.email)),
            ("Locale", json!(p.locale)),
            ("Location", json!(p.location)),
            ("ManagerSID", json!(p.manager_sid)),
            ("NameFirst", json!(p.name_first)),
            ("NameLast", json!(p.name_last)),
            ("NameMiddle", json!(p.name_middle)),
            ("NetworkID", json!(p.network_id)),
            ("Phone", json!(p.phone)),
            ("Postal", json!(p.postal)),
            ("State", json!(p.state)),
            ("TimeZone", json!(p.time_zone)),
            ("Title", json!(p.title)),
            ("UserName", json!(p.user_name)),
        ];
        let record: Map<String, Value> = fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        Value::Object(record)
    }
}

/// An opaque access token from `/access`, with the user it acts as.
#[derive(Debug, Clone)]
pub(crate) struct OpaqueToken {
    pub(crate) user_sid: String,
    pub(crate) expires: DateTime<Utc>,
}

/// A request token of the interactive flow, and who signed in with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestToken {
    pub(crate) signed_in_as: Option<String>,
}

/// Everything the tenant holds.
#[derive(Debug, Default)]
pub(crate) struct Tenant {
    pub(crate) users: Vec<User>,
    pub(crate) processes: Vec<Process>,
    pub(crate) requests: Vec<Request>,
    pub(crate) tasks: Vec<RecipientTask>,
    pub(crate) files: HashMap<String, StoredFile>,
    pub(crate) reports: Vec<Report>,
    pub(crate) opaque_tokens: HashMap<String, OpaqueToken>,
    pub(crate) request_tokens: HashMap<String, RequestToken>,
    pub(crate) next_request_id: i64,
    pub(crate) next_user_id: i64,
}

/// A new lowercase GUID, the form every SID takes.
pub(crate) fn new_sid() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Tenant {
    pub(crate) fn user(&self, sid: &str) -> Option<&User> {
        let sid = sid.to_lowercase();
        self.users.iter().find(|user| user.sid == sid)
    }

    pub(crate) fn user_by_name(&self, user_name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|user| user.profile.user_name.eq_ignore_ascii_case(user_name))
    }

    /// The SID of the active user with this name; a 401 naming the user when
    /// there is none, since every caller is signing someone in.
    pub(crate) fn active_user_sid(&self, user_name: &str) -> Result<String, ApiError> {
        self.user_by_name(user_name)
            .filter(|user| user.is_active)
            .map(|user| user.sid.clone())
            .ok_or_else(|| ApiError::unauthorized(format!("no active user {user_name}")))
    }

    pub(crate) fn process(&self, sid: &str) -> Option<&Process> {
        let sid = sid.to_lowercase();
        self.processes.iter().find(|process| process.sid == sid)
    }

    pub(crate) fn request(&self, sid: &str) -> Option<&Request> {
        let sid = sid.to_lowercase();
        self.requests.iter().find(|request| request.sid == sid)
    }

    pub(crate) fn task(&self, sid: &str) -> Option<&RecipientTask> {
        let sid = sid.to_lowercase();
        self.tasks.iter().find(|task| task.sid == sid)
    }

    pub(crate) fn report(&self, sid: &str) -> Option<&Report> {
        let sid = sid.to_lowercase();
        self.reports.iter().find(|report| report.sid == sid)
    }

    /// Creates a user from `input`; the user name is required and unique.
    pub(crate) fn create_user(
        &mut self,
        input: UserInput,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        check_password(&input)?;
        let user_name = input.user_name.clone().unwrap_or_default();
        if user_name.trim().is_empty() {
            return Err(ApiError::bad_request("UserName is required"));
        }
        if self.user_by_name(&user_name).is_some() {
            return Err(ApiError::conflict(format!(
                "a user named {user_name} already exists"
            )));
        }
        self.check_manager(input.manager_sid.as_deref())?;

        let mut profile = Profile::default();
        let is_active = input.is_active.unwrap_or(true);
        profile.patch(input);
        let sid = new_sid();
        self.next_user_id += 1;
        self.users.push(User {
            sid: sid.clone(),
            id: self.next_user_id,
            created: now,
            modified: now,
            deleted: None,
            is_active,
            profile,
        });
        Ok(sid)
    }

    /// Replaces a user's record (`replace`) or only the given fields.
    pub(crate) fn change_user(
        &mut self,
        sid: &str,
        input: UserInput,
        replace: bool,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        check_password(&input)?;
        self.check_manager(input.manager_sid.as_deref())?;
        let index = self.user_index(sid)?;
        if let Some(name) = input.user_name.as_deref() {
            let taken = self.user_by_name(name).map(|other| other.sid.clone());
            if name.trim().is_empty() {
                return Err(ApiError::bad_request("UserName must not be empty"));
            }
            if taken.is_some_and(|other| other != self.users[index].sid) {
                return Err(ApiError::conflict(format!(
                    "a user named {name} already exists"
                )));
            }
        } else if replace {
            return Err(ApiError::bad_request(
                "UserName is required when replacing a user",
            ));
        }

        let user = &mut self.users[index];
        if let Some(is_active) = input.is_active {
            user.is_active = is_active;
        }
        if replace {
            user.profile = Profile::default();
        }
        user.profile.patch(input);
        user.modified = now;
        Ok(())
    }

    /// Marks a user inactive and deleted; the API never removes a user.
    pub(crate) fn deactivate_user(
        &mut self,
        sid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let index = self.user_index(sid)?;
        let user = &mut self.users[index];
        user.is_active = false;
        user.deleted = Some(now);
        user.modified = now;
        Ok(())
    }

    fn user_index(&self, sid: &str) -> Result<usize, ApiError> {
        let sid = sid.to_lowercase();
        self.users
            .iter()
            .position(|user| user.sid == sid)
            .ok_or_else(|| ApiError::not_found(format!("no user with SID {sid}")))
    }

    fn check_manager(&self, manager_sid: Option<&str>) -> Result<(), ApiError> {
        match manager_sid {
            Some(sid) if !sid.is_empty() && self.user(sid).is_none() => Err(ApiError::bad_request(
                format!("ManagerSID {sid} is not a user"),
            )),
            _ => Ok(()),
        }
    }

    /// Starts a request of a process for `requester_sid`; its first task
    /// becomes active.
    pub(crate) fn start_request(
        &mut self,
        process_sid: &str,
        requester_sid: &str,
        now: DateTime<Utc>,
    ) -> Result<&Request, ApiError> {
        let process = self
            .process(process_sid)
            .ok_or_else(|| ApiError::not_found(format!("no process with SID {process_sid}")))?;
        if process.publish_status == "Inactive" {
            return Err(ApiError::conflict(format!(
                "process {} is Inactive and cannot be started",
                process.name
            )));
        }
        let (process_sid, name) = (process.sid.clone(), process.name.clone());

        self.next_request_id += 1;
        let request = Request {
            sid: new_sid(),
            id: self.next_request_id,
            name,
            process_sid,
            requester_sid: requester_sid.to_lowercase(),
            started: now,
            last_milestone: "Started".to_owned(),
            last_milestone_date: now,
            state: RequestState::Started,
            values: Map::new(),
            attachments: Vec::new(),
        };
        let request_sid = request.sid.clone();
        self.requests.push(request);
        self.activate_step(&request_sid, 0, now);
        self.request(&request_sid)
            .ok_or_else(|| ApiError::internal("the new request vanished"))
    }

    /// Makes step `step` of the request's process active, or completes the
    /// request when the flow has no such step.
    fn activate_step(&mut self, request_sid: &str, step: usize, now: DateTime<Utc>) {
        let Some(request) = self.requests.iter_mut().find(|r| r.sid == request_sid) else {
            return;
        };
        let definition = self
            .processes
            .iter()
            .find(|process| process.sid == request.process_sid)
            .and_then(|process| process.steps.get(step));
        match definition {
            Some(definition) => self.tasks.push(RecipientTask {
                sid: new_sid(),
                request_sid: request.sid.clone(),
                step,
                name: definition.name.clone(),
                kind: definition.kind,
                status: TaskStatus::Active,
            }),
            None => {
                request.state = RequestState::Completed;
                request.last_milestone_date = now;
            }
        }
    }

    /// The active task `sid` of the given kind, or why it cannot be posted to.
    fn active_task(&self, sid: &str, kind: TaskKind) -> Result<(usize, &TaskDefinition), ApiError> {
        let sid = sid.to_lowercase();
        let index = self
            .tasks
            .iter()
            .position(|task| task.sid == sid && task.kind == kind)
            .ok_or_else(|| ApiError::not_found(format!("no {kind} task with SID {sid}")))?;
        let task = &self.tasks[index];
        if task.status != TaskStatus::Active {
            return Err(ApiError::conflict(format!(
                "task {} ({}) is already completed",
                task.name, task.sid
            )));
        }
        let definition = self
            .request(&task.request_sid)
            .and_then(|request| self.process(&request.process_sid))
            .and_then(|process| process.steps.get(task.step))
            .ok_or_else(|| ApiError::internal("the task's process step is missing"))?;
        Ok((index, definition))
    }

    /// The fields of a data-container task, active or not.
    pub(crate) fn data_container_fields(&self, sid: &str) -> Result<&[FieldDefinition], ApiError> {
        let task = self
            .task(sid)
            .filter(|task| task.kind == TaskKind::DataContainer)
            .ok_or_else(|| ApiError::not_found(format!("no data-container task with SID {sid}")))?;
        self.request(&task.request_sid)
            .and_then(|request| self.process(&request.process_sid))
            .and_then(|process| process.steps.get(task.step))
            .map(|definition| definition.fields.as_slice())
            .ok_or_else(|| ApiError::internal("the task's process step is missing"))
    }

    /// Stores a data-container task's values, attaches the files they name,
    /// completes the task and moves the request on.
    ///
    /// Unknown keys are ignored and no field is required, as the docs say.
    /// A value of the wrong type is refused, so a test notices a date or a
    /// file key sent in the wrong form.
    pub(crate) fn post_data_container_values(
        &mut self,
        sid: &str,
        values: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let (index, definition) = self.active_task(sid, TaskKind::DataContainer)?;
        let milestone = definition.milestone.clone();
        let mut accepted = Vec::new();
        let mut files = Vec::new();
        for field in &definition.fields {
            let Some(value) = values.get(&field.key) else {
                continue;
            };
            self.check_value(field, value)?;
            if let (Some(key), "file") = (value.as_str(), field.value_type.as_str()) {
                files.push(key.to_owned());
            }
            accepted.push((field.key.clone(), value.clone()));
        }

        let task = &mut self.tasks[index];
        task.status = TaskStatus::Completed;
        let (request_sid, step) = (task.request_sid.clone(), task.step);
        let request = self
            .requests
            .iter_mut()
            .find(|request| request.sid == request_sid)
            .ok_or_else(|| ApiError::internal("the task's request is missing"))?;
        request.values.extend(accepted);
        for file_key in files {
            request.attachments.push(Attachment {
                sid: new_sid(),
                file_key,
                created: now,
            });
        }
        request.last_milestone = milestone;
        request.last_milestone_date = now;
        self.activate_step(&request_sid, step + 1, now);
        Ok(())
    }

    fn check_value(&self, field: &FieldDefinition, value: &Value) -> Result<(), ApiError> {
        let ok = match (field.value_type.as_str(), value) {
            (_, Value::Null) => true,
            ("numeric", Value::Number(_)) => true,
            ("numeric", Value::String(text)) => text.trim().parse::<f64>().is_ok(),
            ("date", Value::String(text)) => crate::clock::parse_date(text).is_some(),
            ("file", Value::String(key)) => self.files.contains_key(key),
            ("string", Value::String(_) | Value::Number(_) | Value::Bool(_)) => true,
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let expected = match field.value_type.as_str() {
            "numeric" => "a number",
            "date" => "a date such as 2024-05-01",
            "file" => "a file key returned by /files/upload/",
            _ => "a string",
        };
        Err(ApiError::bad_request(format!(
            "field {} takes {expected}, not {value}",
            field.key
        )))
    }

    /// Completes an approval task with one of [`APPROVAL_CHOICES`], which
    /// completes the request.
    pub(crate) fn complete_approval(
        &mut self,
        sid: &str,
        choice: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let (index, _) = self.active_task(sid, TaskKind::Approval)?;
        let milestone = APPROVAL_CHOICES
            .iter()
            .find(|(label, _)| label.eq_ignore_ascii_case(choice))
            .map(|(_, milestone)| (*milestone).to_owned())
            .ok_or_else(|| {
                let labels: Vec<&str> = APPROVAL_CHOICES.iter().map(|(label, _)| *label).collect();
                ApiError::bad_request(format!(
                    "Approval must be one of {}, not {choice:?}",
                    labels.join(", ")
                ))
            })?;

        let task = &mut self.tasks[index];
        task.status = TaskStatus::Completed;
        let request_sid = task.request_sid.clone();
        if let Some(request) = self.requests.iter_mut().find(|r| r.sid == request_sid) {
            request.last_milestone = milestone;
            request.last_milestone_date = now;
            request.state = RequestState::Completed;
        }
        Ok(())
    }
}

fn check_password(input: &UserInput) -> Result<(), ApiError> {
    match (&input.password, &input.password_confirm) {
        (Some(password), Some(confirm)) if password != confirm => {
            Err(ApiError::bad_request("Password and PasswordConfirm differ"))
        }
        _ => Ok(()),
    }
}
