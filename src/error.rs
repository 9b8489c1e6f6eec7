//! The one error type users handle.
//!
//! Messages stay short and name the operation; the cause is in
//! [`std::error::Error::source`]. Nothing here ever holds a key or a token:
//! transport errors are stored without their URL, since the legacy token
//! routes carry the key in the query string.

use reqwest::StatusCode;

use crate::auth::AuthError;

/// How much of a response body an error keeps.
const EXCERPT_CHARS: usize = 300;

/// Everything that can go wrong in a call.
///
/// `Display` is one short line that names the operation and what went wrong
/// (for an error status, with the start of what the server said); the cause
/// is in [`source`](std::error::Error::source). [`Error::full_message`]
/// gives the line with every cause, for a log or a command-line tool.
///
/// ```
/// # fn demo(error: nutrient_workflow::Error) {
/// if error.is_auth() {
///     eprintln!("check the API key: {}", error.full_message());
/// } else if error.is_transient() {
///     eprintln!("try again later: {}", error.full_message());
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No usable token could be had, or the server refused the token.
    #[error("{operation}: authentication failed")]
    Auth {
        /// The operation that needed the token.
        operation: String,
        /// What failed.
        #[source]
        source: AuthError,
    },
    /// The server answered with an error status.
    #[error("{operation}: the server answered HTTP {status}{}", said(.body))]
    Api {
        /// The operation that was called.
        operation: String,
        /// The status of the answer.
        status: StatusCode,
        /// The start of the answer's body.
        body: String,
    },
    /// The request did not reach the server, or its answer did not arrive.
    #[error("{operation}: the call did not complete")]
    Transport {
        /// The operation that was called.
        operation: String,
        /// The cause, without the URL.
        #[source]
        source: reqwest::Error,
    },
    /// The answer did not have the documented shape.
    #[error("{operation}: the answer does not have the documented shape at `{path}`")]
    Decode {
        /// The operation that was called.
        operation: String,
        /// Where in the answer decoding stopped, e.g. `$.items[3].id`.
        path: String,
        /// The part of the body where decoding stopped.
        body: String,
        /// What did not match.
        #[source]
        source: serde_json::Error,
    },
    /// The request could not be built from what the caller gave.
    #[error("{operation}: invalid request: {reason}")]
    InvalidRequest {
        /// The operation that was called.
        operation: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A local file could not be read or written.
    #[error("{operation}: cannot use the file {}", path.display())]
    File {
        /// The operation that was under way.
        operation: String,
        /// The file (empty for a writer the caller gave).
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The client was configured with something unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// The message followed by every cause, on one line:
    /// `list_users: authentication failed: the server refused the system API
    /// key (HTTP 401 Unauthorized)`.
    pub fn full_message(&self) -> String {
        let mut line = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(inner) = cause {
            line.push_str(": ");
            line.push_str(&inner.to_string());
            cause = inner.source();
        }
        line
    }

    /// Whether the failure is about credentials or tokens: the exchange
    /// failed, or the server answered 401 or 403.
    pub fn is_auth(&self) -> bool {
        match self {
            Self::Auth { .. } => true,
            Self::Api { status, .. } => {
                *status == StatusCode::UNAUTHORIZED || *status == StatusCode::FORBIDDEN
            }
            _ => false,
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Auth { source, .. } => source.is_transient(),
            Self::Api { status, .. } => matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504),
            Self::Transport { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status the server answered, if it answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Auth {
                source: AuthError::Rejected { status, .. } | AuthError::Exchange { status, .. },
                ..
            } => Some(*status),
            _ => None,
        }
    }

    /// The operation the error is about, if it was a call.
    pub fn operation(&self) -> Option<&str> {
        match self {
            Self::Auth { operation, .. }
            | Self::Api { operation, .. }
            | Self::Transport { operation, .. }
            | Self::Decode { operation, .. }
            | Self::InvalidRequest { operation, .. }
            | Self::File { operation, .. } => Some(operation),
            Self::Config(_) => None,
        }
    }

    pub(crate) fn auth(operation: &str, source: AuthError) -> Self {
        Self::Auth {
            operation: operation.to_owned(),
            source,
        }
    }

    pub(crate) fn transport(operation: &str, source: reqwest::Error) -> Self {
        Self::Transport {
            operation: operation.to_owned(),
            source: source.without_url(),
        }
    }

    pub(crate) fn invalid(operation: &str, reason: impl Into<String>) -> Self {
        Self::InvalidRequest {
            operation: operation.to_owned(),
            reason: reason.into(),
        }
    }

    /// An answer that did not decode, with where it stopped.
    pub(crate) fn decode(operation: &str, body: &[u8], source: serde_json::Error) -> Self {
        Self::Decode {
            operation: operation.to_owned(),
            path: json_path(body, source.line(), source.column()),
            body: excerpt_around(body, source.line(), source.column()),
            source,
        }
    }

    /// Reads an error answer into [`Error::Api`].
    pub(crate) async fn from_response(operation: &str, response: reqwest::Response) -> Self {
        let status = response.status();
        let body = match response.bytes().await {
            Ok(bytes) => excerpt(&bytes),
            Err(_) => String::new(),
        };
        Self::Api {
            operation: operation.to_owned(),
            status,
            body,
        }
    }

    /// Converts the error of a generated call, naming the operation.
    ///
    /// An answer the spec does not declare is read here (up to its end) so the
    /// error can show its start.
    pub async fn from_generated<E>(operation: &str, error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::UnexpectedResponse(response) => {
                Self::from_response(operation, response).await
            }
            other => Self::from_generated_now(operation, other),
        }
    }

    fn from_generated_now<E>(operation: &str, error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(reason) => Self::invalid(operation, reason),
            Generated::CommunicationError(e)
            | Generated::InvalidUpgrade(e)
            | Generated::ResponseBodyError(e) => Self::transport(operation, e),
            Generated::ErrorResponse(response) => Self::Api {
                operation: operation.to_owned(),
                status: response.status(),
                body: String::new(),
            },
            Generated::InvalidResponsePayload(bytes, source) => {
                Self::decode(operation, &bytes, source)
            }
            Generated::UnexpectedResponse(response) => Self::Api {
                operation: operation.to_owned(),
                status: response.status(),
                body: String::new(),
            },
            // The crate's own hooks are the only source of custom errors, and
            // they fail only when no token could be had.
            Generated::Custom(message) => Self::auth(operation, AuthError::Hook(message)),
        }
    }
}

impl<E> From<progenitor_client::Error<E>> for Error {
    /// Converts the error of a generated call without naming it; prefer
    /// [`Error::from_generated`] or [`ResultExt::operation`], which do.
    fn from(error: progenitor_client::Error<E>) -> Self {
        Self::from_generated_now("(unnamed call)", error)
    }
}

/// Names the operation of a generated call's result and turns its error into
/// [`Error`].
///
/// ```no_run
/// # async fn demo(client: nutrient_workflow::Client) -> Result<(), nutrient_workflow::Error> {
/// use nutrient_workflow::ResultExt as _;
///
/// let me = client.workflow().get_current_user().send().await.operation("get_current_user").await?;
/// println!("{:?}", me.user_name);
/// # Ok(())
/// # }
/// ```
pub trait ResultExt<T> {
    /// Unwraps the answer's value, or converts the error, naming `operation`.
    fn operation(self, operation: &str) -> impl Future<Output = Result<T, Error>> + Send;
}

impl<T, E> ResultExt<T> for Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>
where
    T: Send,
    E: Send,
{
    async fn operation(self, operation: &str) -> Result<T, Error> {
        match self {
            Ok(value) => Ok(value.into_inner()),
            Err(error) => Err(Error::from_generated(operation, error).await),
        }
    }
}

/// What the server said, for the message of an error status: the first line
/// of the body, shortened; nothing when the body is empty.
fn said(body: &str) -> String {
    const SHOWN: usize = 160;
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.is_empty() {
        return String::new();
    }
    let mut shown: String = line.chars().take(SHOWN).collect();
    if line.chars().count() > SHOWN {
        shown.push('…');
    }
    format!(": {shown}")
}

/// The start of a body, as text, for an error message.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// The JSON path (`$.items[3].id`) of the value serde was reading at
/// `line` and `column` (both counted from one, the column in bytes).
fn json_path(body: &[u8], line: usize, column: usize) -> String {
    enum Frame {
        Object { key: Option<String> },
        Array { index: usize },
    }
    let line_start = body
        .split_inclusive(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(<[u8]>::len)
        .sum::<usize>();
    let end = (line_start + column).min(body.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut expecting_key = false;
    let mut position = 0;
    while position < end {
        match body[position] {
            b'{' => {
                stack.push(Frame::Object { key: None });
                expecting_key = true;
            }
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
                expecting_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key }) => {
                    *key = None;
                    expecting_key = true;
                }
                None => {}
            },
            b'"' => {
                let start = position + 1;
                position = start;
                while position < body.len() && body[position] != b'"' {
                    position += if body[position] == b'\\' { 2 } else { 1 };
                }
                if expecting_key && let Some(Frame::Object { key }) = stack.last_mut() {
                    let raw = &body[start..position.min(body.len())];
                    *key = Some(String::from_utf8_lossy(raw).into_owned());
                    expecting_key = false;
                }
            }
            _ => {}
        }
        position += 1;
    }
    let mut path = String::from("$");
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key) } => {
                path.push('.');
                path.push_str(key);
            }
            Frame::Object { key: None } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The part of a JSON body around where serde stopped.
fn excerpt_around(bytes: &[u8], line: usize, column: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let Some(row) = text.lines().nth(line.saturating_sub(1)) else {
        return excerpt(bytes);
    };
    let chars: Vec<char> = row.chars().collect();
    let end = column.min(chars.len());
    let start = end.saturating_sub(EXCERPT_CHARS / 2);
    let stop = (end + EXCERPT_CHARS / 2).min(chars.len());
    chars[start..stop].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded() {
        let long = "x".repeat(10_000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn excerpt_around_shows_the_failing_part() {
        let body = format!("{{\"pad\":\"{}\",\"id\":\"oops\"}}", "a".repeat(400));
        let error = serde_json::from_str::<serde_json::Value>(&body.replace("\"oops\"", "oops"))
            .expect_err("invalid JSON");
        let shown = excerpt_around(
            body.replace("\"oops\"", "oops").as_bytes(),
            error.line(),
            error.column(),
        );
        assert!(shown.contains("oops"), "{shown}");
        assert!(shown.chars().count() <= EXCERPT_CHARS);
    }

    fn path_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> String {
        let error = serde_json::from_str::<T>(body).expect_err("does not decode");
        json_path(body.as_bytes(), error.line(), error.column())
    }

    #[test]
    fn json_path_names_the_field_that_failed() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            sid: String,
            id: i64,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Page {
            total: i64,
            items: Vec<Item>,
        }
        let body = r#"{"total": 2, "items": [{"sid": "a", "id": 1}, {"sid": "b", "id": "two"}]}"#;
        assert_eq!(path_of::<Page>(body), "$.items[1].id");
        assert_eq!(
            path_of::<Page>(r#"{"total": "many", "items": []}"#),
            "$.total"
        );
        let pretty = "{\n  \"total\": 1,\n  \"items\": [\n    {\"sid\": 5}\n  ]\n}";
        assert_eq!(path_of::<Page>(pretty), "$.items[0].sid");
    }

    #[test]
    fn a_401_answer_is_an_auth_error() {
        let error = Error::Api {
            operation: "list_users".into(),
            status: StatusCode::UNAUTHORIZED,
            body: String::new(),
        };
        assert!(error.is_auth());
        assert!(!error.is_transient());
        assert_eq!(
            error.to_string(),
            "list_users: the server answered HTTP 401 Unauthorized"
        );
    }

    #[test]
    fn an_error_status_shows_what_the_server_said() {
        let error = Error::Api {
            operation: "start_request".into(),
            status: StatusCode::CONFLICT,
            body: "{\"error\":\"process Travel Request is Inactive\"}\n".into(),
        };
        assert_eq!(
            error.to_string(),
            "start_request: the server answered HTTP 409 Conflict: \
             {\"error\":\"process Travel Request is Inactive\"}"
        );
    }
}
