//! The bundled OpenAPI 3.0.3 documents rewritten as Swagger 2.0 or OpenAPI
//! 3.1, so that `cargo xtask fetch` and the normalizer can be tried against
//! each dialect a real tenant might serve.
//!
//! Each conversion is the inverse of the normalizer's: what the target
//! dialect cannot say goes into the vendor extensions the normalizer reads
//! back (`x-nullable`, `x-oneOf`, `x-anyOf`, `x-nwa-http-scheme`), so that
//! normalizing a converted document gives back the bundled one byte for
//! byte. It handles the constructs the bundled documents use and the common
//! ones around them; it is not a general-purpose converter, and it never
//! fails: what it does not know it copies.

use serde_json::{Map, Value, json};

/// The dialect the sandbox serves its API documents in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// OpenAPI 3.0.3, the bundled documents as they are.
    #[default]
    OpenApi30,
    /// Swagger 2.0, as older tenants' in-app docs are written.
    Swagger20,
    /// OpenAPI 3.1.0.
    OpenApi31,
}

impl Dialect {
    /// Every dialect, in the order the `?dialect=` names list them.
    pub const ALL: [Dialect; 3] = [Dialect::Swagger20, Dialect::OpenApi30, Dialect::OpenApi31];

    /// The name the `?dialect=` query parameter takes: `swagger-2.0`,
    /// `openapi-3.0` or `openapi-3.1`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Swagger20 => "swagger-2.0",
            Dialect::OpenApi30 => "openapi-3.0",
            Dialect::OpenApi31 => "openapi-3.1",
        }
    }

    /// The dialect of a `?dialect=` value.
    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL
            .into_iter()
            .find(|dialect| dialect.name() == name)
    }
}

/// `document`, an OpenAPI 3.0 document, in `dialect`.
pub fn convert(document: &Value, dialect: Dialect) -> Value {
    match dialect {
        Dialect::OpenApi30 => document.clone(),
        Dialect::Swagger20 => to_swagger(document),
        Dialect::OpenApi31 => to_openapi31(document),
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Schema fields a Swagger 2 parameter carries itself instead of in a
/// `schema`.
const PARAMETER_SCHEMA_KEYS: [&str; 16] = [
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
];

fn to_swagger(document: &Value) -> Value {
    let Some(source) = document.as_object() else {
        return document.clone();
    };
    let mut root = Map::new();
    root.insert("swagger".to_owned(), Value::from("2.0"));
    for (key, value) in source {
        match key.as_str() {
            "openapi" | "components" | "paths" => {}
            "servers" => servers_to_host(value, &mut root),
            _ => {
                root.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(Value::Object(components)) = source.get("components") {
        for (kind, target) in [
            ("schemas", "definitions"),
            ("parameters", "parameters"),
            ("responses", "responses"),
            ("securitySchemes", "securityDefinitions"),
        ] {
            let Some(Value::Object(entries)) = components.get(kind) else {
                continue;
            };
            let converted = entries
                .iter()
                .map(|(name, entry)| {
                    let entry = match kind {
                        "schemas" => swagger_schema(entry),
                        "parameters" => swagger_parameter(entry),
                        "responses" => swagger_response(entry).0,
                        _ => swagger_security(entry),
                    };
                    (name.clone(), entry)
                })
                .collect();
            root.insert(target.to_owned(), Value::Object(converted));
        }
    }
    if let Some(Value::Object(paths)) = source.get("paths") {
        let converted = paths
            .iter()
            .map(|(path, item)| (path.clone(), swagger_path_item(item, source)))
            .collect();
        root.insert("paths".to_owned(), Value::Object(converted));
    }
    let mut document = Value::Object(root);
    rewrite_refs(&mut document, &|target| {
        [
            ("#/components/schemas/", "#/definitions/"),
            ("#/components/parameters/", "#/parameters/"),
            ("#/components/responses/", "#/responses/"),
        ]
        .iter()
        .find_map(|(old, new)| target.strip_prefix(old).map(|rest| format!("{new}{rest}")))
    });
    document
}

fn servers_to_host(servers: &Value, root: &mut Map<String, Value>) {
    let Some(url) = servers.pointer("/0/url").and_then(Value::as_str) else {
        return;
    };
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, base_path) = match rest.find('/') {
                Some(slash) => rest.split_at(slash),
                None => (rest, ""),
            };
            root.insert("host".to_owned(), Value::from(host));
            root.insert("schemes".to_owned(), json!([scheme]));
            if !base_path.is_empty() {
                root.insert("basePath".to_owned(), Value::from(base_path));
            }
        }
        None => {
            root.insert("basePath".to_owned(), Value::from(url));
        }
    }
}

fn swagger_security(scheme: &Value) -> Value {
    let Some(source) = scheme.as_object() else {
        return scheme.clone();
    };
    let mut out = source.clone();
    match (
        source.get("type").and_then(Value::as_str),
        source.get("scheme").and_then(Value::as_str),
    ) {
        (Some("http"), Some("basic")) => {
            out.remove("scheme");
            out.insert("type".to_owned(), Value::from("basic"));
        }
        (Some("http"), Some(scheme)) => {
            // Swagger 2 has no bearer scheme: it is an API key in the
            // Authorization header, marked so the normalizer restores it.
            out.remove("scheme");
            out.insert("type".to_owned(), Value::from("apiKey"));
            out.insert("in".to_owned(), Value::from("header"));
            out.insert("name".to_owned(), Value::from("Authorization"));
            out.insert("x-nwa-http-scheme".to_owned(), Value::from(scheme));
        }
        (Some("oauth2"), _) => {
            if let Some(Value::Object(flows)) = out.remove("flows")
                && let Some((name, flow)) = flows.into_iter().next()
            {
                let flow_name = match name.as_str() {
                    "password" => "password",
                    "clientCredentials" => "application",
                    "authorizationCode" => "accessCode",
                    _ => "implicit",
                };
                out.insert("flow".to_owned(), Value::from(flow_name));
                if let Value::Object(flow) = flow {
                    out.extend(flow);
                }
            }
        }
        _ => {}
    }
    Value::Object(out)
}

fn swagger_path_item(item: &Value, document: &Map<String, Value>) -> Value {
    let Some(source) = item.as_object() else {
        return item.clone();
    };
    let mut out = Map::new();
    for (key, value) in source {
        let converted = if key == "parameters" {
            swagger_parameters(value)
        } else if METHODS.contains(&key.as_str()) {
            swagger_operation(value, document)
        } else {
            value.clone()
        };
        out.insert(key.clone(), converted);
    }
    Value::Object(out)
}

fn swagger_parameters(list: &Value) -> Value {
    match list.as_array() {
        Some(parameters) => Value::Array(parameters.iter().map(swagger_parameter).collect()),
        None => list.clone(),
    }
}

/// A path, query or header parameter with its schema's fields on itself.
fn swagger_parameter(parameter: &Value) -> Value {
    let Some(source) = parameter.as_object() else {
        return parameter.clone();
    };
    let mut out = source.clone();
    let place = source.get("in").and_then(Value::as_str).unwrap_or("");
    let style = out.remove("style");
    let explode = out.remove("explode");
    if let Some(Value::Object(schema)) = out.remove("schema") {
        let schema = swagger_schema(&Value::Object(schema));
        if let Value::Object(schema) = schema {
            for (key, value) in schema {
                if PARAMETER_SCHEMA_KEYS.contains(&key.as_str()) || key == "x-nullable" {
                    out.insert(key, value);
                }
            }
        }
    }
    let is_array = out.get("type").and_then(Value::as_str) == Some("array");
    let format = match (style.as_ref().and_then(Value::as_str), explode.as_ref()) {
        (Some("spaceDelimited"), _) => Some("ssv"),
        (Some("pipeDelimited"), _) => Some("pipes"),
        (Some("form") | None, Some(Value::Bool(false))) if place == "query" => Some("csv"),
        _ if is_array && place == "query" => Some("multi"),
        _ => None,
    };
    if let Some(format) = format {
        out.insert("collectionFormat".to_owned(), Value::from(format));
    }
    Value::Object(out)
}

fn swagger_operation(operation: &Value, document: &Map<String, Value>) -> Value {
    let Some(source) = operation.as_object() else {
        return operation.clone();
    };
    let mut out = Map::new();
    let mut parameters: Vec<Value> = source
        .get("parameters")
        .and_then(Value::as_array)
        .map(|list| list.iter().map(swagger_parameter).collect())
        .unwrap_or_default();
    let mut consumes = Vec::new();
    if let Some(body) = source.get("requestBody") {
        let body = resolve(body, document);
        consumes = content_types(body);
        parameters.extend(swagger_body(body));
    }
    let mut produces: Vec<String> = Vec::new();
    for (key, value) in source {
        match key.as_str() {
            "parameters" | "requestBody" => {}
            "responses" => {
                let mut responses = Map::new();
                for (code, response) in value.as_object().into_iter().flatten() {
                    let (response, types) = swagger_response(response);
                    for media_type in types {
                        if !produces.contains(&media_type) {
                            produces.push(media_type);
                        }
                    }
                    responses.insert(code.clone(), response);
                }
                out.insert(key.clone(), Value::Object(responses));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if !parameters.is_empty() {
        out.insert("parameters".to_owned(), Value::Array(parameters));
    }
    if !consumes.is_empty() {
        out.insert("consumes".to_owned(), json!(consumes));
    }
    if !produces.is_empty() {
        out.insert("produces".to_owned(), json!(produces));
    }
    Value::Object(out)
}

/// A local `$ref` followed once, for the request bodies Swagger 2 cannot
/// share.
fn resolve<'a>(value: &'a Value, document: &'a Map<String, Value>) -> &'a Value {
    let Some(target) = value.get("$ref").and_then(Value::as_str) else {
        return value;
    };
    let mut current = document.get("components");
    for segment in target.trim_start_matches("#/components/").split('/') {
        current = current.and_then(|value| value.get(segment));
    }
    current.unwrap_or(value)
}

fn content_types(holder: &Value) -> Vec<String> {
    holder
        .get("content")
        .and_then(Value::as_object)
        .map(|content| content.keys().cloned().collect())
        .unwrap_or_default()
}

/// The parameters a request body becomes: one `in: body`, or one `in:
/// formData` per property of a form.
fn swagger_body(body: &Value) -> Vec<Value> {
    let Some(Value::Object(content)) = body.get("content") else {
        return Vec::new();
    };
    let form = content.iter().find(|(name, _)| {
        name.starts_with("multipart/form-data")
            || name.starts_with("application/x-www-form-urlencoded")
    });
    if let Some((_, media)) = form {
        let schema = media.get("schema").cloned().unwrap_or(Value::Null);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties = schema.get("properties").and_then(Value::as_object);
        return properties
            .into_iter()
            .flatten()
            .map(|(name, property)| {
                let mut parameter = Map::new();
                parameter.insert("name".to_owned(), Value::from(name.as_str()));
                parameter.insert("in".to_owned(), Value::from("formData"));
                parameter.insert(
                    "required".to_owned(),
                    Value::Bool(required.contains(&name.as_str())),
                );
                if let Value::Object(property) = swagger_schema(property) {
                    for (key, value) in property {
                        parameter.insert(key, value);
                    }
                }
                if parameter.get("format").and_then(Value::as_str) == Some("binary") {
                    parameter.remove("format");
                    parameter.insert("type".to_owned(), Value::from("file"));
                }
                Value::Object(parameter)
            })
            .collect();
    }
    let schema = content
        .get("application/json")
        .or_else(|| content.values().next())
        .and_then(|media| media.get("schema"));
    let mut parameter = Map::new();
    parameter.insert("name".to_owned(), Value::from("body"));
    parameter.insert("in".to_owned(), Value::from("body"));
    if let Some(schema) = schema {
        parameter.insert("schema".to_owned(), swagger_schema(schema));
    }
    for (key, value) in body.as_object().into_iter().flatten() {
        if key == "description" || key == "required" || key.starts_with("x-") {
            parameter.insert(key.clone(), value.clone());
        }
    }
    vec![Value::Object(parameter)]
}

/// A response with its content's schema on itself, and the content types
/// it had (they become the operation's `produces`).
fn swagger_response(response: &Value) -> (Value, Vec<String>) {
    let Some(source) = response.as_object() else {
        return (response.clone(), Vec::new());
    };
    let mut out = source.clone();
    let types = content_types(response);
    if let Some(Value::Object(content)) = out.remove("content") {
        let media = content
            .get("application/json")
            .or_else(|| content.values().next());
        if let Some(schema) = media.and_then(|media| media.get("schema")) {
            out.insert("schema".to_owned(), swagger_schema(schema));
        }
    }
    if let Some(Value::Object(headers)) = out.get_mut("headers") {
        for header in headers.values_mut() {
            *header = swagger_parameter(header);
        }
    }
    (Value::Object(out), types)
}

/// A schema with the keywords Swagger 2 lacks moved into vendor
/// extensions.
fn swagger_schema(schema: &Value) -> Value {
    map_schema(schema, &|schema| {
        if let Some(nullable) = schema.remove("nullable") {
            schema.insert("x-nullable".to_owned(), nullable);
        }
        for (keyword, extension) in [("oneOf", "x-oneOf"), ("anyOf", "x-anyOf")] {
            if let Some(members) = schema.remove(keyword) {
                schema.insert(extension.to_owned(), members);
            }
        }
        if let Some(Value::Object(discriminator)) = schema.get("discriminator")
            && let Some(property) = discriminator.get("propertyName").cloned()
        {
            schema.insert("discriminator".to_owned(), property);
        }
    })
}

/// A copy of `schema` with `rewrite` applied to it and each subschema,
/// children first, so that the subschema keywords are still the OpenAPI 3
/// ones when they are walked.
fn map_schema(schema: &Value, rewrite: &dyn Fn(&mut Map<String, Value>)) -> Value {
    let Some(source) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in source {
        let converted = match (key.as_str(), value) {
            ("items" | "additionalProperties" | "not", _) => map_schema(value, rewrite),
            ("allOf" | "oneOf" | "anyOf", Value::Array(members)) => Value::Array(
                members
                    .iter()
                    .map(|member| map_schema(member, rewrite))
                    .collect(),
            ),
            ("properties", Value::Object(properties)) => Value::Object(
                properties
                    .iter()
                    .map(|(name, property)| (name.clone(), map_schema(property, rewrite)))
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    rewrite(&mut out);
    Value::Object(out)
}

fn rewrite_refs(value: &mut Value, rewrite: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(new) = child.as_str().and_then(rewrite) {
                        *child = Value::String(new);
                    }
                } else if !["example", "examples", "default", "enum"].contains(&key.as_str()) {
                    rewrite_refs(child, rewrite);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, rewrite);
            }
        }
        _ => {}
    }
}

fn to_openapi31(document: &Value) -> Value {
    let mut document = document.clone();
    if let Some(root) = document.as_object_mut() {
        root.insert("openapi".to_owned(), Value::from("3.1.0"));
    }
    for_each_schema_slot(&mut document, &mut |schema| {
        *schema = map_schema(schema, &openapi31_schema);
    });
    document
}

/// 3.1 spells `nullable` as a `null` type, and `example` as `examples`.
fn openapi31_schema(schema: &mut Map<String, Value>) {
    if let Some(example) = schema.remove("example") {
        schema.insert("examples".to_owned(), json!([example]));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if schema.get(exclusive) == Some(&Value::Bool(true)) {
            if let Some(limit) = schema.remove(bound) {
                schema.insert(exclusive.to_owned(), limit);
            }
        } else if schema.get(exclusive) == Some(&Value::Bool(false)) {
            schema.remove(exclusive);
        }
    }
    if schema.remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema.insert("type".to_owned(), json!([kind, "null"]));
        }
        _ => {
            // Without a type, `null` joins as an `anyOf` member; the
            // description stays outside, where the reader looks for it.
            let description = schema.remove("description");
            let rest = std::mem::take(schema);
            schema.insert("anyOf".to_owned(), json!([rest, {"type": "null"}]));
            if let Some(description) = description {
                schema.insert("description".to_owned(), description);
            }
        }
    }
}

/// Calls `visit` on each top-level schema of a 3.0 document: components,
/// parameters, request and response bodies, headers.
fn for_each_schema_slot(document: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    fn media(holder: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
        if let Some(schema) = holder.get_mut("schema") {
            visit(schema);
        }
        if let Some(Value::Object(content)) = holder.get_mut("content") {
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    visit(schema);
                }
            }
        }
        if let Some(Value::Object(headers)) = holder.get_mut("headers") {
            for header in headers.values_mut() {
                media(header, visit);
            }
        }
    }
    if let Some(Value::Object(components)) = document.get_mut("components") {
        for (kind, entries) in components.iter_mut() {
            let Some(entries) = entries.as_object_mut() else {
                continue;
            };
            for entry in entries.values_mut() {
                if kind == "schemas" {
                    visit(entry);
                } else {
                    media(entry, visit);
                }
            }
        }
    }
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                for parameter in value.as_array_mut().into_iter().flatten() {
                    media(parameter, visit);
                }
            } else if METHODS.contains(&key.as_str()) {
                for parameter in value
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    media(parameter, visit);
                }
                if let Some(body) = value.get_mut("requestBody") {
                    media(body, visit);
                }
                for response in value
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                    .into_iter()
                    .flat_map(|responses| responses.values_mut())
                {
                    media(response, visit);
                }
            }
        }
    }
}
