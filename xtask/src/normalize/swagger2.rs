//! Swagger 2.0 to OpenAPI 3.0.3, which progenitor cannot read otherwise.
//!
//! The conversion is the standard one (definitions become component
//! schemas, body and form parameters a `requestBody`, `produces` and a
//! response `schema` a response `content`, `host`/`basePath`/`schemes` the
//! `servers`), plus the vendor extensions that carry what Swagger 2 cannot
//! say: `x-nullable`, `x-oneOf`, `x-anyOf`, and `x-nwa-http-scheme` on an
//! `apiKey` scheme that stands for an HTTP scheme such as `bearer`. The
//! sandbox's Swagger dialect writes those same extensions, so its documents
//! come back exactly. Everything else (info, tags, security, extensions)
//! is carried over as it is.

use serde_json::{Map, Value, json};

use super::walk::{self, METHODS, base_type};
use super::{NormalizeError, Operation, Run};

/// Parameter fields that OpenAPI 3 moves into the parameter's `schema`.
const SCHEMA_KEYS: [&str; 17] = [
    "type",
    "format",
    "items",
    "enum",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
];

const WHY: &str = "progenitor reads only OpenAPI 3.0.x";

/// What the root says an operation consumes and produces by default.
struct Defaults {
    consumes: Vec<String>,
    produces: Vec<String>,
}

pub(super) fn convert(document: &mut Value, run: &mut Run) -> Result<(), NormalizeError> {
    let Some(root) = document.as_object_mut() else {
        return Err(run.fail(None, "the document is not a JSON object"));
    };
    root.remove("swagger");
    root.insert("openapi".to_owned(), Value::from("3.0.3"));
    run.record("document", "converted Swagger 2.0 to OpenAPI 3.0.3", WHY);
    let defaults = Defaults {
        consumes: media_list(root.remove("consumes"), None, run)?,
        produces: media_list(root.remove("produces"), None, run)?,
    };
    servers(root, run);

    let mut components = match root.remove("components") {
        None => Map::new(),
        Some(Value::Object(components)) => components,
        Some(_) => return Err(run.fail(None, "`components` is not an object")),
    };
    move_definitions(root, &mut components, run)?;
    let shared_bodies = move_parameters(root, &mut components, run)?;
    move_responses(root, &mut components, &defaults, run)?;
    move_security(root, &mut components, run)?;
    if !components.is_empty() {
        root.insert("components".to_owned(), Value::Object(components));
    }

    convert_paths(document, &defaults, &shared_bodies, run)?;
    walk::for_each_schema(document, &mut |location, schema| {
        convert_schema(location, schema, run);
    });
    walk::rewrite_refs(document, &|target| {
        [
            ("#/definitions/", "#/components/schemas/"),
            ("#/parameters/", "#/components/parameters/"),
            ("#/responses/", "#/components/responses/"),
        ]
        .iter()
        .find_map(|(old, new)| target.strip_prefix(old).map(|rest| format!("{new}{rest}")))
    });
    Ok(())
}

/// A `consumes` or `produces` list; `None` when absent.
fn media_list(
    value: Option<Value>,
    operation: Option<&Operation>,
    run: &Run,
) -> Result<Vec<String>, NormalizeError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()),
        Some(_) => Err(run.fail(operation, "`consumes` or `produces` is not an array")),
    }
}

fn servers(root: &mut Map<String, Value>, run: &mut Run) {
    let host = root.remove("host");
    let base_path = root.remove("basePath");
    let schemes = root.remove("schemes");
    let host = host.as_ref().and_then(Value::as_str);
    let base_path = base_path.as_ref().and_then(Value::as_str).unwrap_or("");
    if host.is_none() && base_path.is_empty() {
        return;
    }
    let urls: Vec<String> = match host {
        Some(host) => {
            let mut schemes: Vec<&str> = schemes
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if schemes.is_empty() {
                schemes.push("https");
            }
            schemes
                .iter()
                .map(|scheme| format!("{scheme}://{host}{base_path}"))
                .collect()
        }
        None => vec![base_path.to_owned()],
    };
    if root.contains_key("servers") {
        return;
    }
    let servers = urls.into_iter().map(|url| json!({ "url": url })).collect();
    root.insert("servers".to_owned(), Value::Array(servers));
    run.record(
        "document",
        "`host`, `basePath` and `schemes` became `servers`",
        "progenitor ignores servers, but the base path should not be lost",
    );
}

fn move_definitions(
    root: &mut Map<String, Value>,
    components: &mut Map<String, Value>,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let Some(definitions) = root.remove("definitions") else {
        return Ok(());
    };
    let Value::Object(definitions) = definitions else {
        return Err(run.fail(None, "`definitions` is not an object"));
    };
    let schemas = components
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(schemas) = schemas.as_object_mut() else {
        return Err(run.fail(None, "`components.schemas` is not an object"));
    };
    for (name, schema) in definitions {
        schemas.entry(name).or_insert(schema);
    }
    run.record("document", "`definitions` became `components.schemas`", WHY);
    Ok(())
}

/// Moves the root `parameters` to the components, except body and form
/// parameters, which OpenAPI 3 has no parameter for: those are returned, to
/// be inlined where operations refer to them.
fn move_parameters(
    root: &mut Map<String, Value>,
    components: &mut Map<String, Value>,
    run: &mut Run,
) -> Result<Map<String, Value>, NormalizeError> {
    let mut bodies = Map::new();
    let Some(parameters) = root.remove("parameters") else {
        return Ok(bodies);
    };
    let Value::Object(parameters) = parameters else {
        return Err(run.fail(None, "the root `parameters` is not an object"));
    };
    let mut converted = Map::new();
    for (name, parameter) in parameters {
        match parameter.get("in").and_then(Value::as_str) {
            Some("body" | "formData") => {
                bodies.insert(name, parameter);
            }
            _ => {
                let location = format!("#/parameters/{}", walk::escape(&name));
                let parameter = convert_parameter(parameter, &location, None, run)?;
                converted.insert(name, parameter);
            }
        }
    }
    if !converted.is_empty() {
        components.insert("parameters".to_owned(), Value::Object(converted));
    }
    run.record(
        "document",
        "the root `parameters` became `components.parameters`",
        WHY,
    );
    Ok(bodies)
}

fn move_responses(
    root: &mut Map<String, Value>,
    components: &mut Map<String, Value>,
    defaults: &Defaults,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let Some(responses) = root.remove("responses") else {
        return Ok(());
    };
    let Value::Object(mut responses) = responses else {
        return Err(run.fail(None, "the root `responses` is not an object"));
    };
    for response in responses.values_mut() {
        convert_response(response, &defaults.produces);
    }
    components.insert("responses".to_owned(), Value::Object(responses));
    run.record(
        "document",
        "the root `responses` became `components.responses`",
        WHY,
    );
    Ok(())
}

fn move_security(
    root: &mut Map<String, Value>,
    components: &mut Map<String, Value>,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let Some(definitions) = root.remove("securityDefinitions") else {
        return Ok(());
    };
    let Value::Object(definitions) = definitions else {
        return Err(run.fail(None, "`securityDefinitions` is not an object"));
    };
    let schemes: Map<String, Value> = definitions
        .into_iter()
        .map(|(name, scheme)| (name, security_scheme(scheme)))
        .collect();
    components.insert("securitySchemes".to_owned(), Value::Object(schemes));
    run.record(
        "document",
        "`securityDefinitions` became `components.securitySchemes`",
        WHY,
    );
    Ok(())
}

fn security_scheme(scheme: Value) -> Value {
    let Value::Object(mut scheme) = scheme else {
        return scheme;
    };
    let kind = scheme
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let http_scheme = scheme.remove("x-nwa-http-scheme");
    match (kind.as_str(), http_scheme) {
        ("basic", _) => {
            scheme.insert("type".to_owned(), Value::from("http"));
            scheme.insert("scheme".to_owned(), Value::from("basic"));
        }
        ("apiKey", Some(http_scheme)) => {
            scheme.remove("name");
            scheme.remove("in");
            scheme.insert("type".to_owned(), Value::from("http"));
            scheme.insert("scheme".to_owned(), http_scheme);
        }
        ("oauth2", _) => {
            let flow = scheme.remove("flow");
            let mut settings = Map::new();
            for key in ["authorizationUrl", "tokenUrl", "scopes"] {
                if let Some(value) = scheme.remove(key) {
                    settings.insert(key.to_owned(), value);
                }
            }
            settings.entry("scopes").or_insert_with(|| json!({}));
            let name = match flow.as_ref().and_then(Value::as_str) {
                Some("password") => "password",
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                _ => "implicit",
            };
            scheme.insert("flows".to_owned(), json!({ name: settings }));
        }
        (_, Some(http_scheme)) => {
            scheme.insert("x-nwa-http-scheme".to_owned(), http_scheme);
        }
        _ => {}
    }
    Value::Object(scheme)
}

fn convert_paths(
    document: &mut Value,
    defaults: &Defaults,
    shared_bodies: &Map<String, Value>,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    for path in walk::sorted_paths(document) {
        let Some(Value::Object(item)) = document
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(&path))
        else {
            continue;
        };
        // Body and form parameters of the path item apply to each of its
        // operations, where they become the request body.
        let mut inherited = Vec::new();
        if let Some(Value::Array(parameters)) = item.get_mut("parameters") {
            let mut regular = Vec::new();
            for parameter in std::mem::take(parameters) {
                let parameter = inline_shared(parameter, shared_bodies);
                match parameter.get("in").and_then(Value::as_str) {
                    Some("body" | "formData") => inherited.push(parameter),
                    _ => regular.push(convert_parameter(parameter, &path, None, run)?),
                }
            }
            *parameters = regular;
        }
        for method in METHODS {
            let Some(Value::Object(operation)) = item.get_mut(method) else {
                continue;
            };
            let label = Operation::new(method, &path, operation);
            convert_operation(operation, &label, &inherited, shared_bodies, defaults, run)?;
        }
    }
    Ok(())
}

/// A `$ref` to a root body or form parameter, replaced by that parameter.
fn inline_shared(parameter: Value, shared_bodies: &Map<String, Value>) -> Value {
    let name = parameter
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| target.strip_prefix("#/parameters/"));
    match name.and_then(|name| shared_bodies.get(name)) {
        Some(shared) => shared.clone(),
        None => parameter,
    }
}

fn convert_operation(
    operation: &mut Map<String, Value>,
    label: &Operation,
    inherited: &[Value],
    shared_bodies: &Map<String, Value>,
    defaults: &Defaults,
    run: &mut Run,
) -> Result<(), NormalizeError> {
    let location = label.location();
    let consumes = match operation.remove("consumes") {
        Some(value) => media_list(Some(value), Some(label), run)?,
        None => defaults.consumes.clone(),
    };
    let produces = match operation.remove("produces") {
        Some(value) => media_list(Some(value), Some(label), run)?,
        None => defaults.produces.clone(),
    };
    let own = match operation.remove("parameters") {
        None => Vec::new(),
        Some(Value::Array(parameters)) => parameters,
        Some(_) => return Err(run.fail(Some(label), "`parameters` is not an array")),
    };

    let mut regular = Vec::new();
    let mut body = None;
    let mut form = Vec::new();
    for parameter in inherited.iter().cloned().chain(own) {
        let parameter = inline_shared(parameter, shared_bodies);
        match parameter.get("in").and_then(Value::as_str) {
            Some("body") => body = Some(parameter),
            Some("formData") => form.push(parameter),
            _ => regular.push(convert_parameter(parameter, &location, Some(label), run)?),
        }
    }
    if !regular.is_empty() {
        operation.insert("parameters".to_owned(), Value::Array(regular));
    }
    let request_body = match (body, form.is_empty()) {
        (Some(_), false) => {
            return Err(run.fail(Some(label), "both a body parameter and form parameters"));
        }
        (Some(body), true) => Some(body_to_request_body(body, &consumes, &location, run)),
        (None, false) => Some(form_to_request_body(form, &consumes, label, run)?),
        (None, true) => None,
    };
    if let Some(request_body) = request_body {
        operation.insert("requestBody".to_owned(), request_body);
    }

    if let Some(Value::Object(responses)) = operation.get_mut("responses") {
        for response in responses.values_mut() {
            convert_response(response, &produces);
        }
    }
    Ok(())
}

fn body_to_request_body(body: Value, consumes: &[String], location: &str, run: &mut Run) -> Value {
    let Value::Object(mut body) = body else {
        return body;
    };
    let schema = body.remove("schema");
    let mut request_body = Map::new();
    let mut content = Map::new();
    for media_type in or_json(consumes) {
        let mut media = Map::new();
        if let Some(schema) = &schema {
            media.insert("schema".to_owned(), schema.clone());
        }
        content.insert(media_type, Value::Object(media));
    }
    request_body.insert("content".to_owned(), Value::Object(content));
    for (key, value) in body {
        if key == "description" || key == "required" || key.starts_with("x-") {
            request_body.insert(key, value);
        }
    }
    run.record(location, "the body parameter became a `requestBody`", WHY);
    Value::Object(request_body)
}

fn form_to_request_body(
    form: Vec<Value>,
    consumes: &[String],
    label: &Operation,
    run: &mut Run,
) -> Result<Value, NormalizeError> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut has_file = false;
    for parameter in form {
        let Value::Object(mut parameter) = parameter else {
            return Err(run.fail(Some(label), "a form parameter is not an object"));
        };
        let Some(Value::String(name)) = parameter.remove("name") else {
            return Err(run.fail(Some(label), "a form parameter has no `name`"));
        };
        has_file |= parameter.get("type").and_then(Value::as_str) == Some("file");
        if parameter.get("required") == Some(&Value::Bool(true)) {
            required.push(Value::String(name.clone()));
        }
        let mut schema = take_schema_keys(&mut parameter);
        if let Some(description) = parameter.remove("description") {
            schema.insert("description".to_owned(), description);
        }
        properties.insert(name, Value::Object(schema));
    }
    let multipart = has_file
        || consumes
            .iter()
            .any(|c| base_type(c) == "multipart/form-data");
    let media_type = if multipart {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut schema = Map::new();
    schema.insert("type".to_owned(), Value::from("object"));
    schema.insert("properties".to_owned(), Value::Object(properties));
    let any_required = !required.is_empty();
    if any_required {
        schema.insert("required".to_owned(), Value::Array(required));
    }
    let mut request_body = Map::new();
    request_body.insert(
        "content".to_owned(),
        json!({ media_type: { "schema": Value::Object(schema) } }),
    );
    if any_required {
        request_body.insert("required".to_owned(), Value::Bool(true));
    }
    run.record(
        label.location(),
        format!("the form parameters became a `{media_type}` request body"),
        WHY,
    );
    Ok(Value::Object(request_body))
}

fn or_json(media_types: &[String]) -> Vec<String> {
    if media_types.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        media_types.to_vec()
    }
}

fn take_schema_keys(parameter: &mut Map<String, Value>) -> Map<String, Value> {
    let mut schema = Map::new();
    for key in SCHEMA_KEYS {
        if let Some(value) = parameter.remove(key) {
            schema.insert(key.to_owned(), value);
        }
    }
    if let Some(Value::Object(items)) = schema.get_mut("items") {
        items.remove("collectionFormat");
    }
    schema
}

/// A path, query or header parameter: its type fields become its `schema`
/// and its `collectionFormat` a style.
fn convert_parameter(
    parameter: Value,
    location: &str,
    operation: Option<&Operation>,
    run: &mut Run,
) -> Result<Value, NormalizeError> {
    let Value::Object(mut parameter) = parameter else {
        return Ok(parameter);
    };
    if parameter.contains_key("$ref") {
        return Ok(Value::Object(parameter));
    }
    let schema = take_schema_keys(&mut parameter);
    if !schema.is_empty() && !parameter.contains_key("schema") {
        parameter.insert("schema".to_owned(), Value::Object(schema));
    }
    let place = parameter
        .get("in")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let name = parameter
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if let Some(format) = parameter.remove("collectionFormat") {
        let style = match (format.as_str(), place.as_str()) {
            (Some("csv"), "query") => Some(("form", false)),
            (Some("csv"), _) | (Some("multi"), "query") => None,
            (Some("ssv"), _) => Some(("spaceDelimited", false)),
            (Some("pipes"), _) => Some(("pipeDelimited", false)),
            _ => {
                return Err(run.fail(
                    operation,
                    format!("parameter `{name}` has `collectionFormat: {format}`, which OpenAPI 3 cannot say"),
                ));
            }
        };
        if let Some((style, explode)) = style {
            parameter.insert("style".to_owned(), Value::from(style));
            parameter.insert("explode".to_owned(), Value::Bool(explode));
        }
        run.record(
            location,
            format!("`collectionFormat: {format}` of parameter `{name}` became a style"),
            WHY,
        );
    }
    Ok(Value::Object(parameter))
}

/// A response's `schema` becomes one `content` entry per produced type.
fn convert_response(response: &mut Value, produces: &[String]) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    if response.contains_key("$ref") {
        return;
    }
    let examples = response.remove("examples");
    if let Some(schema) = response.remove("schema") {
        let mut content = Map::new();
        for media_type in or_json(produces) {
            let mut media = Map::new();
            media.insert("schema".to_owned(), schema.clone());
            if let Some(example) = examples.as_ref().and_then(|e| e.get(&media_type)) {
                media.insert("example".to_owned(), example.clone());
            }
            content.insert(media_type, Value::Object(media));
        }
        response.insert("content".to_owned(), Value::Object(content));
    }
    if let Some(Value::Object(headers)) = response.get_mut("headers") {
        for header in headers.values_mut() {
            if let Some(header) = header.as_object_mut() {
                let schema = take_schema_keys(header);
                if !schema.is_empty() && !header.contains_key("schema") {
                    header.insert("schema".to_owned(), Value::Object(schema));
                }
            }
        }
    }
}

/// The schema keywords Swagger 2 lacks, written as vendor extensions.
fn convert_schema(location: &str, schema: &mut Map<String, Value>, run: &mut Run) {
    if let Some(nullable) = schema.remove("x-nullable") {
        if nullable == Value::Bool(true) {
            schema.insert("nullable".to_owned(), nullable);
        }
        run.record(location, "`x-nullable` became `nullable`", WHY);
    }
    for (extension, keyword) in [("x-oneOf", "oneOf"), ("x-anyOf", "anyOf")] {
        if schema.contains_key(extension)
            && !schema.contains_key(keyword)
            && let Some(members) = schema.remove(extension)
        {
            schema.insert(keyword.to_owned(), members);
            run.record(location, format!("`{extension}` became `{keyword}`"), WHY);
        }
    }
    if schema.get("type").and_then(Value::as_str) == Some("file") {
        schema.insert("type".to_owned(), Value::from("string"));
        schema.insert("format".to_owned(), Value::from("binary"));
        run.record(location, "`type: file` became a binary string", WHY);
    }
    if let Some(Value::String(property)) = schema.get("discriminator") {
        let discriminator = json!({ "propertyName": property });
        schema.insert("discriminator".to_owned(), discriminator);
        run.record(location, "`discriminator` became an object", WHY);
    }
}
