//! Files: the two upload routes, a request's attachments in the legacy and
//! the v8 shape, the `/files/link` redirect and the download itself.
//!
//! Both upload routes put the bytes, name and content type into one store,
//! so a key from either can go into a data-container `file` field. Files
//! only become a request's attachments through such a field; this module
//! does not attach anything by itself. With `Config::discard_uploads` the
//! bytes are counted and dropped; the synthetic file of
//! `Config::synthetic_file_bytes` is made up as it is downloaded.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::SYNTHETIC_FILE_LINK;
use crate::clock::format_date_time;
use crate::error::{ApiError, Form, Params, PathArgs};
use crate::site::{Caller, Site};
use crate::tenant::{Attachment, Request, StoredFile, Tenant, new_sid};

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/files/upload/", post(upload_file))
        .route("/files/upload", post(upload_file))
        .route("/api/files/temp/{tenant}/upload", post(upload_temp_file))
        .route(
            "/files/instancelist/{instance_sid}",
            get(list_instance_files),
        )
        .route(
            "/api/instance/{instance_sid}/files",
            get(list_request_files),
        )
        .route("/files/link", get(file_link))
        .route("/files/stream/{file_key}", get(stream_file))
}

/// Where an attached file is downloaded, relative to the site root.
fn stream_path(file_key: &str) -> String {
    format!("/files/stream/{file_key}")
}

/// Reads every file part of `form` whose field name is one of `names`,
/// keeping the bytes unless the site discards uploads; a form read whole
/// adds its bytes to the site's count.
async fn read_files(
    site: &Site,
    mut form: Form,
    names: &[&str],
) -> Result<Vec<StoredFile>, ApiError> {
    let mut files = Vec::new();
    let mut received = 0;
    let read_error = |error: axum::extract::multipart::MultipartError| {
        ApiError::new(error.status(), error.body_text())
    };
    while let Some(mut field) = form.0.next_field().await.map_err(read_error)? {
        if !field.name().is_some_and(|name| names.contains(&name)) {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(read_error)? {
            received += chunk.len();
            if !site.config.discard_uploads {
                bytes.extend_from_slice(&chunk);
            }
        }
        files.push(StoredFile {
            name,
            content_type,
            bytes,
        });
    }
    if files.is_empty() {
        return Err(ApiError::bad_request(format!(
            "the form has no `{}` file field",
            names.join("` or `")
        )));
    }
    site.count_upload(received);
    Ok(files)
}

/// Stores `files` and returns each one's new key with its name.
fn store(site: &Site, files: Vec<StoredFile>) -> Vec<(String, String)> {
    let mut tenant = site.tenant();
    files
        .into_iter()
        .map(|file| {
            let key = new_sid();
            let name = file.name.clone();
            tenant.files.insert(key.clone(), file);
            (key, name)
        })
        .collect()
}

async fn upload_file(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    form: Form,
) -> Result<Json<Value>, ApiError> {
    let files = read_files(&site, form, &["file"]).await?;
    let stored = store(&site, files);
    let answer: Vec<Value> = stored
        .into_iter()
        .map(|(key, _)| json!({ "file": key }))
        .collect();
    Ok(Json(Value::Array(answer)))
}

async fn upload_temp_file(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(tenant): PathArgs<String>,
    form: Form,
) -> Result<Json<Value>, ApiError> {
    if tenant != site.config.tenant {
        return Err(ApiError::not_found(format!("no tenant {tenant}")));
    }
    // Client code sends the field as `file` or as `file-upload`.
    let files = read_files(&site, form, &["file", "file-upload"]).await?;
    let stored = store(&site, files);
    let answer: Vec<Value> = stored
        .into_iter()
        .map(|(key, name)| json!({ "sid": key, "originalFilename": name }))
        .collect();
    Ok(Json(Value::Array(answer)))
}

fn request_of<'t>(tenant: &'t Tenant, sid: &str) -> Result<&'t Request, ApiError> {
    tenant
        .request(sid)
        .ok_or_else(|| ApiError::not_found(format!("no request with SID {sid}")))
}

async fn list_instance_files(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(instance_sid): PathArgs<String>,
) -> Result<Json<Value>, ApiError> {
    attached_files(&site, &instance_sid, |file, attachment| {
        json!({
            "FileName": file.name,
            "CreatedDate": format_date_time(attachment.created),
            "StreamEndpoint": stream_path(&attachment.file_key),
            "FileKey": attachment.file_key,
            "AttachmentSID": attachment.sid,
        })
    })
}

async fn list_request_files(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(instance_sid): PathArgs<String>,
) -> Result<Json<Value>, ApiError> {
    attached_files(&site, &instance_sid, |file, attachment| {
        json!({
            "fileName": file.name,
            "createdDate": format_date_time(attachment.created),
            "downloadLink": stream_path(&attachment.file_key),
        })
    })
}

/// The files attached to a request, each in the shape one route shows
/// (the legacy and v8 file lists name the same facts differently).
fn attached_files(
    site: &Site,
    instance_sid: &str,
    shape: impl Fn(&StoredFile, &Attachment) -> Value,
) -> Result<Json<Value>, ApiError> {
    let tenant = site.tenant();
    let request = request_of(&tenant, instance_sid)?;
    let files: Vec<Value> = request
        .attachments
        .iter()
        .filter_map(|attachment| {
            let file = tenant.files.get(&attachment.file_key)?;
            Some(shape(file, attachment))
        })
        .collect();
    Ok(Json(Value::Array(files)))
}

#[derive(Deserialize)]
struct LinkParams {
    owner_type: String,
    owner_sid: String,
    file_id: Option<String>,
    object_type: Option<String>,
    object_sid: Option<String>,
}

/// Redirects to an attached file. Files hang off requests only, so an
/// `instance` owner is the request and a `task` owner is its request; a
/// process owns no files here.
async fn file_link(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    Params(params): Params<LinkParams>,
) -> Result<Response, ApiError> {
    if let Some(object_type) = params.object_type.as_deref() {
        let known = object_type
            .split(',')
            .all(|kind| matches!(kind.trim(), "comment" | "data"));
        if !known {
            return Err(ApiError::bad_request(format!(
                "object_type must list comment and/or data, not {object_type}"
            )));
        }
    }
    let tenant = site.tenant();
    let request_sid = match params.owner_type.as_str() {
        "instance" => params.owner_sid.clone(),
        "task" => tenant
            .task(&params.owner_sid)
            .map(|task| task.request_sid.clone())
            .ok_or_else(|| ApiError::not_found(format!("no task with SID {}", params.owner_sid)))?,
        "process" => return Err(ApiError::not_found("no file with that id")),
        other => {
            return Err(ApiError::bad_request(format!(
                "owner_type must be instance, process or task, not {other}"
            )));
        }
    };
    let request = request_of(&tenant, &request_sid)?;
    let attachment = match (params.file_id.as_deref(), params.object_sid.as_deref()) {
        (Some(file_id), _) => request.attachments.iter().find(|a| a.file_key == file_id),
        (None, Some(object_sid)) => request
            .attachments
            .iter()
            .find(|a| a.sid.eq_ignore_ascii_case(object_sid)),
        (None, None) => {
            return Err(ApiError::bad_request("give file_id or object_sid"));
        }
    }
    .ok_or_else(|| ApiError::not_found("no file with that id"))?;

    let location = HeaderValue::from_str(&stream_path(&attachment.file_key))
        .map_err(|_| ApiError::internal("file key is not a valid header value"))?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

async fn stream_file(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(file_key): PathArgs<String>,
) -> Result<Response, ApiError> {
    if let Some(len) = site.config.synthetic_file_bytes
        && stream_path(&file_key) == SYNTHETIC_FILE_LINK
    {
        return Ok(synthetic_file(len));
    }
    let file = site
        .tenant()
        .files
        .get(&file_key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no file with key {file_key}")))?;
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(&file.name))
        .map_err(|_| ApiError::internal("file name is not a valid header value"))?;
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, file.bytes).into_response())
}

/// How much of the synthetic file goes out at a time.
const SYNTHETIC_CHUNK_BYTES: usize = 64 * 1024;

/// A file of `len` bytes of a repeating pattern, made up as it is sent: every
/// chunk shares one buffer, so its size costs no memory.
fn synthetic_file(len: u64) -> Response {
    let pattern: Vec<u8> = (0..SYNTHETIC_CHUNK_BYTES).map(|i| i as u8).collect();
    let pattern = Bytes::from(pattern);
    let chunk = SYNTHETIC_CHUNK_BYTES as u64;
    let chunks = (0..len.div_ceil(chunk)).map(move |index| {
        let size = (len - index * chunk).min(chunk) as usize;
        Ok::<_, std::convert::Infallible>(pattern.slice(..size))
    });
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"synthetic.bin\""),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(len)),
    ];
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    (headers, body).into_response()
}

/// `attachment; filename="..."`, plus the RFC 6266 `filename*` form when the
/// name is not plain ASCII, so that any client gets a usable name.
fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '_',
        })
        .collect();
    if fallback == name {
        return format!("attachment; filename=\"{fallback}\"");
    }
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        percent_encode(name)
    )
}

/// Percent-encodes everything but RFC 5987 `attr-char`.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if keep {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_names_get_a_plain_filename() {
        assert_eq!(
            content_disposition("receipt.pdf"),
            "attachment; filename=\"receipt.pdf\""
        );
    }

    #[test]
    fn other_names_also_get_an_encoded_filename() {
        assert_eq!(
            content_disposition("reçu 1.pdf"),
            "attachment; filename=\"re_u 1.pdf\"; filename*=UTF-8''re%C3%A7u%201.pdf"
        );
    }

    #[test]
    fn quotes_never_break_out_of_the_filename() {
        assert_eq!(
            content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }
}
