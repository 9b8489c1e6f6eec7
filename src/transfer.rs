//! File transfers that progenitor cannot generate: multipart uploads, and
//! downloads from the relative links the file lists hand out.
//!
//! They use the client's connection pool and token like every generated call,
//! including the single resend after a 401.

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderMap};
#[cfg(any(feature = "workflow", feature = "files"))]
use reqwest::multipart::{Form, Part};

use crate::auth::Call;
use crate::client::Client;
use crate::error::Error;

/// A file to upload.
#[cfg(any(feature = "workflow", feature = "files"))]
#[derive(Clone, Debug)]
pub struct Upload {
    file_name: String,
    content_type: String,
    bytes: Bytes,
}

#[cfg(any(feature = "workflow", feature = "files"))]
impl Upload {
    /// A file named `file_name` with the given content, typed
    /// `application/octet-stream` unless [`Upload::content_type`] says
    /// otherwise.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: "application/octet-stream".into(),
            bytes: bytes.into(),
        }
    }

    /// Sets the content type, for example `text/plain`.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    fn form(&self, field: &'static str, operation: &str) -> Result<Form, Error> {
        let part = Part::stream(self.bytes.clone())
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
            .map_err(|_| {
                Error::invalid(
                    operation,
                    format!("`{}` is not a content type", self.content_type),
                )
            })?;
        Ok(Form::new().part(field, part))
    }
}

impl Client {
    /// Uploads a file through the legacy route (`POST /files/upload/`) and
    /// returns its key, to post as a data-container field value or put in a
    /// comment.
    #[cfg(feature = "workflow")]
    pub async fn upload_file(
        &self,
        upload: &Upload,
    ) -> Result<crate::workflow::types::UploadedFile, Error> {
        const OPERATION: &str = "upload_file";
        let call = Call {
            section: "workflow",
            operation: OPERATION,
        };
        let uploaded: Vec<crate::workflow::types::UploadedFile> =
            self.post_multipart("/files/upload/", upload, call).await?;
        uploaded
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid(OPERATION, "the server listed no uploaded file"))
    }

    /// Uploads a file to the v8 temporary store
    /// (`POST /api/files/temp/{tenant}/upload`) and returns its key.
    #[cfg(feature = "files")]
    pub async fn upload_temp_file(
        &self,
        upload: &Upload,
    ) -> Result<crate::files::types::TempFile, Error> {
        const OPERATION: &str = "upload_temp_file";
        let call = Call {
            section: "files",
            operation: OPERATION,
        };
        let tenant = self
            .tenant()
            .ok_or_else(|| Error::Config("the v8 upload needs the tenant ID".into()))?;
        let path = format!("/api/files/temp/{tenant}/upload");
        let uploaded: Vec<crate::files::types::TempFile> =
            self.post_multipart(&path, upload, call).await?;
        uploaded
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid(OPERATION, "the server listed no uploaded file"))
    }

    #[cfg(any(feature = "workflow", feature = "files"))]
    async fn post_multipart<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        upload: &Upload,
        call: Call,
    ) -> Result<T, Error> {
        let operation = call.operation;
        let url = self.url(path);
        let build = || -> Result<reqwest::Request, Error> {
            self.http()
                .post(url.clone())
                .multipart(upload.form("file", operation)?)
                .build()
                .map_err(|e| Error::transport(operation, e))
        };
        let response = self.send_authorized(build, call).await?;
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::transport(operation, e))?;
        serde_json::from_slice(&body).map_err(|source| Error::decode(operation, &body, source))
    }

    /// Sends the request `build` makes with the token, through the same
    /// retry and renewal as generated calls, and turns an error status into
    /// [`Error::Api`].
    async fn send_authorized(
        &self,
        build: impl Fn() -> Result<reqwest::Request, Error>,
        call: Call,
    ) -> Result<reqwest::Response, Error> {
        let operation = call.operation;
        let mut request = build()?;
        self.auth_state()
            .authorize(&mut request)
            .await
            .map_err(|e| Error::auth(operation, e))?;
        let response = self
            .auth_state()
            .send(self.http(), request, || build().ok(), call)
            .await
            .map_err(|e| Error::transport(operation, e))?;
        if !response.status().is_success() {
            return Err(Error::from_response(operation, response).await);
        }
        Ok(response)
    }

    /// Starts downloading a file from a link a file list gave: a relative
    /// path such as `StreamEndpoint` or `downloadLink`, or an absolute URL.
    ///
    /// The token is sent only when the link is on the configured site.
    pub async fn download(&self, link: &str) -> Result<Download, Error> {
        const OPERATION: &str = "download";
        let url = if link.starts_with('/') {
            let (path, query) = link.split_once('?').unwrap_or((link, ""));
            let mut url = self.url(path);
            url.set_query((!query.is_empty()).then_some(query));
            url
        } else {
            url::Url::parse(link)
                .map_err(|_| Error::invalid(OPERATION, "the link is neither a path nor a URL"))?
        };
        self.download_from(url, "files", OPERATION).await
    }

    /// Starts downloading `url`, naming the call `section`/`operation`.
    pub(crate) async fn download_from(
        &self,
        url: url::Url,
        section: &'static str,
        operation: &'static str,
    ) -> Result<Download, Error> {
        let call = Call { section, operation };
        let build = || {
            let request = self.http().get(url.clone()).build();
            request.map_err(|e| Error::transport(operation, e))
        };
        let response = self.send_authorized(build, call).await?;
        Ok(Download {
            file_name: file_name(response.headers()),
            content_type: response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            response,
        })
    }
}

/// A download under way: its metadata is known, its body not yet read.
#[derive(Debug)]
pub struct Download {
    file_name: Option<String>,
    content_type: Option<String>,
    response: reqwest::Response,
}

impl Download {
    /// The file name from `Content-Disposition`, if the server sent one.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The content type the server declared.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The length the server declared, if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// Reads the whole file into memory.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        self.response
            .bytes()
            .await
            .map_err(|e| Error::transport("download", e))
    }

    /// The file as a stream of chunks, read as they arrive.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> {
        use futures_util::StreamExt as _;
        self.response
            .bytes_stream()
            .map(|chunk| chunk.map_err(|e| Error::transport("download", e)))
    }
}

/// Reads the file name out of `Content-Disposition`, preferring the RFC 6266
/// `filename*` form (which carries non-ASCII names) over `filename`.
fn file_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_DISPOSITION)?.to_str().ok()?;
    let mut plain = None;
    let mut extended = None;
    for param in value.split(';').skip(1) {
        let Some((key, val)) = param.trim().split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => extended = decode_extended(val.trim()),
            "filename" => plain = Some(val.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    extended.or(plain).filter(|name| !name.is_empty())
}

/// Decodes `UTF-8''<percent-encoded>`; other charsets are not in use.
fn decode_extended(value: &str) -> Option<String> {
    let (charset, rest) = value.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut input = encoded.bytes();
    while let Some(b) = input.next() {
        if b == b'%' {
            let hex = [input.next()?, input.next()?];
            let hex = std::str::from_utf8(&hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn disposition(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_DISPOSITION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn file_name_reads_the_quoted_form() {
        let headers = disposition(r#"attachment; filename="receipt.pdf""#);
        assert_eq!(file_name(&headers).as_deref(), Some("receipt.pdf"));
    }

    #[test]
    fn file_name_prefers_the_extended_form() {
        let headers = disposition(
            r#"attachment; filename="Quittung.pdf"; filename*=UTF-8''Quittung%20f%C3%BCr%20M%C3%A4rz.pdf"#,
        );
        assert_eq!(
            file_name(&headers).as_deref(),
            Some("Quittung für März.pdf")
        );
    }

    #[test]
    fn file_name_is_absent_without_the_header() {
        assert_eq!(file_name(&HeaderMap::new()), None);
    }
}
