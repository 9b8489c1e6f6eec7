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

/// How large an upload may be unless the client is told otherwise: the
/// vendor's ingress refuses request bodies above 25 MiB, so a larger file is
/// refused here before its bytes are sent.
pub const DEFAULT_MAX_UPLOAD_SIZE: u64 = 25 * 1024 * 1024;

/// A file to upload: bytes in memory, a file on disk, or any `AsyncRead`.
///
/// Files and readers are streamed, never read into memory whole. The content
/// type is guessed from the file name unless [`Upload::content_type`] sets
/// it.
#[cfg(any(feature = "workflow", feature = "files"))]
#[derive(Clone, Debug)]
pub struct Upload {
    file_name: String,
    content_type: Option<String>,
    source: Source,
}

#[cfg(any(feature = "workflow", feature = "files"))]
#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    File {
        path: std::path::PathBuf,
        len: u64,
    },
    /// A reader can be sent once; a resend after a 401 finds it taken.
    Reader {
        reader: std::sync::Arc<std::sync::Mutex<Option<BoxedReader>>>,
        len: Option<u64>,
    },
}

#[cfg(any(feature = "workflow", feature = "files"))]
type BoxedReader = Box<dyn tokio::io::AsyncRead + Send + Unpin>;

#[cfg(any(feature = "workflow", feature = "files"))]
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Self::File { path, len } => write!(f, "File({}, {len} bytes)", path.display()),
            Self::Reader { len, .. } => write!(f, "Reader({len:?} bytes)"),
        }
    }
}

#[cfg(any(feature = "workflow", feature = "files"))]
impl Upload {
    /// A file named `file_name` with the given content.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: None,
            source: Source::Bytes(bytes.into()),
        }
    }

    /// The file at `path`, named after it, streamed from disk when sent (and
    /// read again if the call has to be resent).
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let metadata = std::fs::metadata(path).map_err(|source| Error::File {
            operation: "upload".into(),
            path: path.to_owned(),
            source,
        })?;
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload".to_owned());
        Ok(Self {
            file_name,
            content_type: None,
            source: Source::File {
                path: path.to_owned(),
                len: metadata.len(),
            },
        })
    }

    /// A file named `file_name` read from `reader` as it is sent. Give `len`
    /// when it is known: an oversized file is then refused before sending,
    /// and the server learns the size up front. A reader is read once, so
    /// such an upload is not resent after a 401.
    pub fn from_reader(
        file_name: impl Into<String>,
        reader: impl tokio::io::AsyncRead + Send + Unpin + 'static,
        len: Option<u64>,
    ) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: None,
            source: Source::Reader {
                reader: std::sync::Arc::new(std::sync::Mutex::new(Some(Box::new(reader)))),
                len,
            },
        }
    }

    /// Sets the content type, for example `text/plain`.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The size in bytes, when known before sending.
    pub fn len(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(bytes) => Some(bytes.len() as u64),
            Source::File { len, .. } => Some(*len),
            Source::Reader { len, .. } => *len,
        }
    }

    /// Whether the upload is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    fn mime(&self) -> String {
        self.content_type.clone().unwrap_or_else(|| {
            mime_guess::from_path(&self.file_name)
                .first_or_octet_stream()
                .essence_str()
                .to_owned()
        })
    }

    /// The multipart form with the file under `field`; `None` when a reader
    /// was already sent.
    fn form(&self, field: &'static str, operation: &str) -> Result<Option<Form>, Error> {
        let body = match &self.source {
            Source::Bytes(bytes) => Part::stream_with_length(bytes.clone(), bytes.len() as u64),
            Source::File { path, len } => {
                let file = std::fs::File::open(path).map_err(|source| Error::File {
                    operation: operation.to_owned(),
                    path: path.clone(),
                    source,
                })?;
                let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
                Part::stream_with_length(reqwest::Body::wrap_stream(stream), *len)
            }
            Source::Reader { reader, len } => {
                let taken = reader.lock().map(|mut slot| slot.take()).unwrap_or(None);
                let Some(reader) = taken else {
                    return Ok(None);
                };
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(reader));
                match len {
                    Some(len) => Part::stream_with_length(body, *len),
                    None => Part::stream(body),
                }
            }
        };
        let mime = self.mime();
        let part = body
            .file_name(self.file_name.clone())
            .mime_str(&mime)
            .map_err(|_| Error::invalid(operation, format!("`{mime}` is not a content type")))?;
        Ok(Some(Form::new().part(field, part)))
    }
}

impl Client {
    /// Uploads a file through the legacy route (`POST /files/upload/`) and
    /// returns its key, to post as a data-container field value or put in a
    /// comment.
    ///
    /// The key alone does not download the file: once the file is attached
    /// to a request (posted as a field value), the request's file list
    /// (`list_instance_files`, or `list_request_files` of the `instance`
    /// section) gives its link for [`Client::download`].
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
        if let Some(len) = upload.len().filter(|len| *len > self.max_upload_size()) {
            let reason = format!(
                "`{}` is {len} bytes; the site accepts at most {} bytes",
                upload.file_name,
                self.max_upload_size()
            );
            return Err(Error::invalid(operation, reason));
        }
        let url = self.url(path);
        let build = || -> Result<reqwest::Request, Error> {
            let form = upload
                .form("file", operation)?
                .ok_or_else(|| Error::invalid(operation, "the reader was already sent"))?;
            self.http()
                .post(url.clone())
                .multipart(form)
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

    /// Writes the file to `writer` as it arrives; returns the bytes written.
    pub async fn write_to<W>(self, writer: &mut W) -> Result<u64, Error>
    where
        W: tokio::io::AsyncWrite + Unpin,
    {
        use futures_util::StreamExt as _;
        use tokio::io::AsyncWriteExt as _;
        let mut written = 0;
        let mut chunks = std::pin::pin!(self.into_stream());
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            writer.write_all(&chunk).await.map_err(write_error)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(write_error)?;
        Ok(written)
    }

    /// Saves the file at `path` as it arrives; returns the bytes written.
    ///
    /// The bytes go to `<path>.partial` first, which is renamed to `path`
    /// only when the whole file has arrived, so a failed download never
    /// leaves a truncated file where the complete one is expected.
    pub async fn save(self, path: impl AsRef<std::path::Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let file_error = |at: &std::path::Path| {
            let at = at.to_owned();
            move |source| Error::File {
                operation: "download".into(),
                path: at,
                source,
            }
        };
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(file_error(&partial))?;
        let written = match self.write_to(&mut file).await {
            Ok(written) => written,
            Err(error) => {
                drop(file);
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(error);
            }
        };
        file.sync_all().await.map_err(file_error(&partial))?;
        drop(file);
        tokio::fs::rename(&partial, path)
            .await
            .map_err(file_error(path))?;
        Ok(written)
    }

    /// The file as a stream of chunks, read as they arrive.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> {
        use futures_util::StreamExt as _;
        self.response
            .bytes_stream()
            .map(|chunk| chunk.map_err(|e| Error::transport("download", e)))
    }
}

fn write_error(source: std::io::Error) -> Error {
    Error::File {
        operation: "download".into(),
        path: std::path::PathBuf::new(),
        source,
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
