//! Workflow helpers for tasks: find a request's data-container task, post its
//! values (uploading files first), and complete an approval task.
//!
//! They are a few generated calls each, checked and named; everything they do
//! can also be done with the `workflow` section's client directly.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, ResultExt as _};
use crate::transfer::Upload;
use crate::workflow::types::{Approval, DataContainerField, DataContainerValues};

/// The path every data-container endpoint starts with.
const ENDPOINT_PREFIX: &str = "/tasktypes/data-container/instances/tasks/reciptasks/";

/// A request's active data-container task and the fields it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct DataContainerTask {
    /// The recipient task's SID, as the task-type routes take it.
    pub recipient_task_sid: String,
    /// The task's name, when the endpoint names it.
    pub task_name: Option<String>,
    /// The fields, in the order the server lists them.
    pub fields: Vec<DataContainerField>,
}

impl DataContainerTask {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&DataContainerField> {
        self.fields.iter().find(|field| field.key == key)
    }
}

/// Values for a data-container task, by field key.
///
/// ```no_run
/// # async fn demo(client: nutrient_workflow::Client) -> Result<(), nutrient_workflow::Error> {
/// use nutrient_workflow::{TaskValues, Upload};
///
/// let task = client.data_container_task("request-sid").await?.expect("an active task");
/// let values = TaskValues::new()
///     .text("description", "Team offsite taxis")
///     .number("amount", 42.5)
///     .file("receipt", Upload::new("receipt.pdf", std::fs::read("receipt.pdf").unwrap()));
/// client.post_data_container_values(&task, values).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TaskValues {
    values: Vec<(String, Value)>,
    files: Vec<(String, Upload)>,
}

impl TaskValues {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text (`string`) field.
    #[must_use]
    pub fn text(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.value(key, Value::String(value.into()))
    }

    /// A `numeric` field.
    #[must_use]
    pub fn number(self, key: impl Into<String>, value: f64) -> Self {
        let number = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.value(key, number)
    }

    /// A `date` field, sent as `YYYY-MM-DD`.
    #[must_use]
    pub fn date(self, key: impl Into<String>, value: NaiveDate) -> Self {
        self.value(key, Value::String(value.format("%Y-%m-%d").to_string()))
    }

    /// A file field: the file is uploaded first and its key posted.
    #[must_use]
    pub fn file(mut self, key: impl Into<String>, upload: Upload) -> Self {
        self.files.push((key.into(), upload));
        self
    }

    /// Any JSON value, for field types the helpers above do not cover.
    #[must_use]
    pub fn value(mut self, key: impl Into<String>, value: Value) -> Self {
        self.values.push((key.into(), value));
        self
    }

    /// Every key given, values and files alike.
    fn keys(&self) -> impl Iterator<Item = &str> {
        let values = self.values.iter().map(|(key, _)| key.as_str());
        values.chain(self.files.iter().map(|(key, _)| key.as_str()))
    }
}

impl Client {
    /// Finds the request's active data-container task and reads its fields;
    /// `None` when the request has none active. With several active, the
    /// first the server lists.
    pub async fn data_container_task(
        &self,
        request_sid: &str,
    ) -> Result<Option<DataContainerTask>, Error> {
        let endpoints = self
            .workflow()
            .list_data_container_endpoints()
            .instance_sid(request_sid)
            .send()
            .await
            .operation("list_data_container_endpoints")
            .await?;
        let Some(endpoint) = endpoints.endpoints.first() else {
            return Ok(None);
        };
        let (recipient_task_sid, task_name) = parse_endpoint(endpoint).ok_or_else(|| {
            Error::invalid(
                "list_data_container_endpoints",
                format!("the server listed an endpoint of an unknown form: {endpoint}"),
            )
        })?;
        let fields = self
            .workflow()
            .get_data_container_fields()
            .reciptask_sid(&recipient_task_sid)
            .send()
            .await
            .operation("get_data_container_fields")
            .await?;
        Ok(Some(DataContainerTask {
            recipient_task_sid,
            task_name,
            fields: fields.field_configuration,
        }))
    }

    /// Posts the task's values, uploading any files first and posting their
    /// keys; the workflow then moves on.
    ///
    /// Every key must be one of the task's fields: the server would ignore
    /// an unknown one silently, so a typo is caught here instead. The post
    /// is sent once; it is never repeated, since that could move the
    /// workflow twice.
    pub async fn post_data_container_values(
        &self,
        task: &DataContainerTask,
        values: TaskValues,
    ) -> Result<(), Error> {
        const OPERATION: &str = "post_data_container_values";
        if let Some(unknown) = values.keys().find(|key| task.field(key).is_none()) {
            let known: Vec<&str> = task.fields.iter().map(|f| f.key.as_str()).collect();
            let reason = format!("the task has no field `{unknown}`; its fields are {known:?}");
            return Err(Error::invalid(OPERATION, reason));
        }
        let mut body: Map<String, Value> = values.values.into_iter().collect();
        for (key, upload) in &values.files {
            let uploaded = self.upload_file(upload).await?;
            body.insert(key.clone(), Value::String(uploaded.file));
        }
        self.workflow()
            .post_data_container_values()
            .reciptask_sid(&task.recipient_task_sid)
            .body(DataContainerValues::from(body))
            .send()
            .await
            .operation(OPERATION)
            .await
    }

    /// Completes an approval task with the label of the chosen option (for
    /// example `Approve`) and comments.
    pub async fn complete_approval(
        &self,
        recipient_task_sid: &str,
        choice: &str,
        comments: &str,
    ) -> Result<(), Error> {
        let approval = Approval {
            approval: choice.to_owned(),
            comments: Some(comments.to_owned()).filter(|c| !c.is_empty()),
        };
        self.workflow()
            .complete_approval()
            .recipient_task_sid(recipient_task_sid)
            .body(approval)
            .send()
            .await
            .operation("complete_approval")
            .await
    }
}

/// The recipient task SID and task name out of an endpoint such as
/// `/tasktypes/data-container/instances/tasks/reciptasks/<sid>?task_name=x`.
fn parse_endpoint(endpoint: &str) -> Option<(String, Option<String>)> {
    let (path, query) = endpoint.split_once('?').unwrap_or((endpoint, ""));
    let sid = path.strip_prefix(ENDPOINT_PREFIX)?.trim_end_matches('/');
    if sid.is_empty() || sid.contains('/') {
        return None;
    }
    let task_name = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "task_name")
        .map(|(_, value)| value.into_owned());
    Some((sid.to_owned(), task_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_gives_the_task_sid_and_name() {
        let endpoint = "/tasktypes/data-container/instances/tasks/reciptasks/\
                        d854f1fd-773d-4883-a2b7-0acc8c33d138?task_name=Enter%20details";
        assert_eq!(
            parse_endpoint(endpoint),
            Some((
                "d854f1fd-773d-4883-a2b7-0acc8c33d138".to_owned(),
                Some("Enter details".to_owned())
            ))
        );
    }

    #[test]
    fn endpoint_of_another_form_is_refused() {
        assert_eq!(parse_endpoint("/tasktypes/approval/abc"), None);
        assert_eq!(parse_endpoint(ENDPOINT_PREFIX), None);
    }

    #[test]
    fn values_collect_every_key() {
        let values = TaskValues::new()
            .text("description", "x")
            .number("amount", 1.5)
            .date(
                "due_date",
                NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date"),
            )
            .file("receipt", Upload::new("r.txt", "bytes"));
        let keys: Vec<&str> = values.keys().collect();
        assert_eq!(keys, ["description", "amount", "due_date", "receipt"]);
        assert_eq!(values.values[2].1, Value::String("2026-12-31".into()));
    }
}
