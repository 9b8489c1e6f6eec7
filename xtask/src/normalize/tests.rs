//! Each rule on a small document, idempotence, and the bundled documents as
//! fixed points.

use serde_json::{Value, json};

use super::*;

const SECTIONS: [&str; 5] = ["workflow", "auth", "files", "instance", "core-service"];

fn bundled(section: &str) -> String {
    let path = format!("{}/../openapi/{section}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn openapi(paths: Value, components: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": components,
    })
}

/// Normalizes `document` and checks that doing it again changes nothing.
fn normalized(document: &Value) -> Normalized {
    let once = normalize("test", document).unwrap_or_else(|e| panic!("{e}"));
    let twice = normalize("test", &once.document).unwrap_or_else(|e| panic!("again: {e}"));
    assert_eq!(
        twice.document, once.document,
        "normalizing twice changed the document"
    );
    assert_eq!(
        twice.changes,
        Vec::new(),
        "normalizing twice reported changes"
    );
    once
}

fn error(document: &Value) -> NormalizeError {
    match normalize("test", document) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn bundled_documents_normalize_to_themselves_byte_for_byte_with_no_changes() {
    for section in SECTIONS {
        let text = bundled(section);
        let document: Value = serde_json::from_str(&text).expect("bundled JSON");
        let result = normalize(section, &document).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(result.changes, Vec::new(), "{section}");
        assert!(
            to_canonical_json(&result.document) == text,
            "{section} changed"
        );
    }
}

#[test]
fn canonical_json_sorts_keys_indents_by_two_and_ends_with_a_newline() {
    let text = to_canonical_json(&json!({"b": [1, {}], "a": "é\n", "c": {}}));
    assert_eq!(
        text,
        "{\n  \"a\": \"é\\n\",\n  \"b\": [\n    1,\n    {}\n  ],\n  \"c\": {}\n}\n"
    );
}

#[test]
fn report_is_a_table_or_one_line_saying_nothing_changed() {
    let nothing = report_markdown("auth", &[]);
    assert!(
        nothing.contains("`auth`") && nothing.contains("Nothing"),
        "{nothing}"
    );
    assert!(!nothing.contains('|'));
    let change = Change {
        location: "GET /a".into(),
        what: "x | y".into(),
        why: "because".into(),
    };
    let table = report_markdown("auth", &[change]);
    assert!(table.contains("| where | what | why |"), "{table}");
    assert!(
        table.contains("| `GET /a` | x \\| y | because |"),
        "{table}"
    );
}

#[test]
fn errors_name_the_section_and_the_operation_when_there_is_one() {
    let e = NormalizeError {
        section: "workflow".into(),
        operation: Some("get_user".into()),
        message: "bad".into(),
    };
    assert_eq!(
        e.to_string(),
        "section `workflow`, operation `get_user`: bad"
    );
    let e = NormalizeError {
        operation: None,
        ..e
    };
    assert_eq!(e.to_string(), "section `workflow`: bad");
}

#[test]
fn swagger_2_becomes_openapi_3_0_3() {
    let swagger = json!({
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "host": "example.com",
        "basePath": "/api",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "security": [{"key": []}],
        "tags": [{"name": "users"}],
        "x-custom": 1,
        "definitions": {
            "User": {"type": "object", "properties": {
                "name": {"type": "string", "x-nullable": true},
                "pet": {"x-oneOf": [{"$ref": "#/definitions/Cat"}, {"type": "string"}]}
            }},
            "Cat": {"type": "object"}
        },
        "paths": {
            "/users/{sid}": {
                "put": {
                    "operationId": "put_user",
                    "x-nwa-source": "here",
                    "parameters": [
                        {"name": "sid", "in": "path", "required": true, "type": "string"},
                        {"name": "tags", "in": "query", "type": "array",
                         "items": {"type": "string"}, "collectionFormat": "csv"},
                        {"name": "body", "in": "body", "required": true, "description": "The user.",
                         "x-nwa-note": "kept", "schema": {"$ref": "#/definitions/User"}}
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/User"}}}
                }
            },
            "/upload": {
                "post": {
                    "operationId": "upload",
                    "security": [],
                    "consumes": ["multipart/form-data"],
                    "parameters": [
                        {"name": "file", "in": "formData", "type": "file", "required": true},
                        {"name": "note", "in": "formData", "type": "string", "description": "A note."}
                    ],
                    "responses": {"200": {"description": "ok"}}
                }
            }
        }
    });
    let result = normalized(&swagger);
    let doc = &result.document;
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc.get("swagger").is_none() && doc.get("definitions").is_none());
    assert_eq!(doc["servers"], json!([{"url": "https://example.com/api"}]));
    assert_eq!(doc["x-custom"], 1);
    assert_eq!(doc["tags"], json!([{"name": "users"}]));
    assert_eq!(doc["components"]["securitySchemes"]["key"]["name"], "X-Key");
    let user = &doc["components"]["schemas"]["User"];
    assert_eq!(
        user["properties"]["name"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        user["properties"]["pet"]["oneOf"][0]["$ref"],
        "#/components/schemas/Cat"
    );

    let put = &doc["paths"]["/users/{sid}"]["put"];
    assert_eq!(put["parameters"][0]["schema"], json!({"type": "string"}));
    assert_eq!(put["parameters"][1]["style"], "form");
    assert_eq!(put["parameters"][1]["explode"], false);
    assert_eq!(put["parameters"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        put["requestBody"],
        json!({
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
            "description": "The user.", "required": true, "x-nwa-note": "kept"
        })
    );
    assert_eq!(put["x-nwa-source"], "here");
    assert_eq!(
        put["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/User"
    );

    let upload = &doc["paths"]["/upload"]["post"];
    assert_eq!(upload["security"], json!([]));
    let form = &upload["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(
        form["properties"]["file"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(form["properties"]["note"]["description"], "A note.");
    assert_eq!(form["required"], json!(["file"]));
    assert!(
        upload[bodies::HANDWRITTEN].is_string(),
        "multipart is flagged"
    );
}

#[test]
fn form_parameters_without_files_become_a_urlencoded_body() {
    let swagger = json!({
        "swagger": "2.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"post": {"operationId": "a",
            "parameters": [{"name": "x", "in": "formData", "type": "integer"}],
            "responses": {"204": {"description": "done"}}}}}
    });
    let doc = normalized(&swagger).document;
    let content = &doc["paths"]["/a"]["post"]["requestBody"]["content"];
    assert_eq!(
        content["application/x-www-form-urlencoded"]["schema"]["properties"]["x"],
        json!({"type": "integer"})
    );
    assert!(
        doc["paths"]["/a"]["post"]
            .get(bodies::HANDWRITTEN)
            .is_none()
    );
}

#[test]
fn openapi_3_1_becomes_3_0_3() {
    let document = json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "webhooks": {"ping": {}},
        "info": {"title": "t", "version": "1", "summary": "s",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": {"/a": {"post": {"operationId": "a",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
            "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {
            "In": {"$schema": "x", "type": "object", "properties": {
                "name": {"type": ["string", "null"]},
                "kind": {"const": "cat"},
                "age": {"type": "integer", "exclusiveMinimum": 0, "examples": [3, 4]},
                "owner": {"oneOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]},
                "any": {"description": "d", "anyOf": [{}, {"type": "null"}]},
                "either": {"type": ["string", "integer"]}
            }},
            "Owner": {"type": "object"}
        }}
    });
    let doc = normalized(&document).document;
    assert_eq!(doc["openapi"], "3.0.3");
    for gone in ["jsonSchemaDialect", "webhooks"] {
        assert!(doc.get(gone).is_none(), "{gone}");
    }
    assert!(doc["info"].get("summary").is_none());
    assert_eq!(doc["info"]["license"], json!({"name": "MIT"}));
    let schema = &doc["components"]["schemas"]["In"];
    assert!(schema.get("$schema").is_none());
    let p = &schema["properties"];
    assert_eq!(p["name"], json!({"type": "string", "nullable": true}));
    assert_eq!(p["kind"], json!({"enum": ["cat"]}));
    assert_eq!(
        p["age"],
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "example": 3})
    );
    assert_eq!(
        p["owner"],
        json!({"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true})
    );
    assert_eq!(p["any"], json!({"description": "d", "nullable": true}));
    assert_eq!(
        p["either"],
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
}

#[test]
fn any_3_0_version_becomes_3_0_3_and_others_are_refused() {
    let mut document = openapi(json!({}), json!({}));
    document["openapi"] = json!("3.0.1");
    assert_eq!(normalized(&document).document["openapi"], "3.0.3");
    document["openapi"] = json!("4.0.0");
    assert_eq!(error(&document).section, "test");
    document["openapi"] = json!("2.0");
    assert!(error(&document).message.contains("2.0"));
}

#[test]
fn operation_ids_are_derived_snake_cased_and_deduplicated() {
    let ok = json!({"200": {"description": "ok"}});
    let document = openapi(
        json!({
            "/users/{sid}": {
                "parameters": [{"name": "sid", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"responses": ok},
                "put": {"operationId": "getUser", "responses": ok},
                "post": {"operationId": "get_user", "responses": ok},
                "delete": {"operationId": "type", "responses": ok}
            },
            "/": {"get": {"responses": ok}},
            "/x": {"get": {"operationId": "HTTPServer.list-all2Items", "responses": ok},
                   "put": {"operationId": "9lives", "responses": ok}}
        }),
        json!({}),
    );
    let result = normalized(&document);
    let id =
        |path: &str, method: &str| result.document["paths"][path][method]["operationId"].clone();
    assert_eq!(id("/users/{sid}", "get"), "get_users_by_sid");
    assert_eq!(
        id("/users/{sid}", "post"),
        "get_user",
        "the exact name keeps it"
    );
    assert_eq!(id("/users/{sid}", "put"), "get_user_2");
    assert_eq!(id("/users/{sid}", "delete"), "type_op");
    assert_eq!(id("/", "get"), "get_root");
    assert_eq!(id("/x", "get"), "http_server_list_all2_items");
    assert_eq!(id("/x", "put"), "op_9lives");
    assert!(
        result
            .changes
            .iter()
            .any(|c| c.location == "PUT /users/{sid}")
    );
}

fn with_body(content: Value) -> Value {
    openapi(
        json!({"/a": {"post": {"operationId": "a",
            "requestBody": {"content": content, "description": "d", "required": true},
            "responses": {"200": {"description": "ok"}}}}}),
        json!({}),
    )
}

fn body_of(document: &Value) -> (Value, Option<Value>) {
    let operation = &document["paths"]["/a"]["post"];
    (
        operation["requestBody"].clone(),
        operation.get(bodies::HANDWRITTEN).cloned(),
    )
}

#[test]
fn request_bodies_keep_one_content_type_in_order_of_preference() {
    let json_and_xml = with_body(json!({
        "application/xml": {"schema": {"type": "object"}},
        "text/json": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}}
    }));
    let (body, flag) = body_of(&normalized(&json_and_xml).document);
    assert_eq!(
        body["content"],
        json!({"application/json": {"schema": {"type": "object"}}})
    );
    assert_eq!(body["description"], "d");
    assert_eq!(flag, None);

    let plus_json = with_body(json!({"application/merge-patch+json": {}}));
    let (body, _) = body_of(&normalized(&plus_json).document);
    assert_eq!(body["content"], json!({"application/json": {"schema": {}}}));

    let multipart = with_body(json!({
        "multipart/form-data": {"schema": {"type": "object"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}
    }));
    let (body, flag) = body_of(&normalized(&multipart).document);
    assert!(body["content"].get("multipart/form-data").is_some());
    assert!(flag.is_some_and(|f| f.as_str().is_some_and(|f| f.contains("multipart"))));

    let octets = with_body(json!({"application/octet-stream": {"schema": {"type": "string"}}}));
    let (body, flag) = body_of(&normalized(&octets).document);
    assert_eq!(
        body["content"]["application/octet-stream"]["schema"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(flag, None);

    let text = with_body(json!({"text/plain": {"schema": {"type": "string", "maxLength": 3}}}));
    let (body, _) = body_of(&normalized(&text).document);
    assert_eq!(
        body["content"]["text/plain"]["schema"],
        json!({"type": "string"})
    );

    let xml = with_body(json!({"application/xml": {"schema": {"type": "object"}}}));
    let (body, flag) = body_of(&normalized(&xml).document);
    assert!(body["content"].get("application/xml").is_some());
    assert!(flag.is_some());
}

fn with_responses(responses: Value, components: Value) -> Value {
    openapi(
        json!({"/a": {"get": {"operationId": "a", "responses": responses}}}),
        components,
    )
}

fn responses_of(document: &Value) -> Value {
    document["paths"]["/a"]["get"]["responses"].clone()
}

#[test]
fn responses_have_one_success_type_and_no_error_bodies() {
    let json_schema = json!({"schema": {"type": "object"}});
    let document = with_responses(
        json!({
            "201": {"description": "created", "content": {"application/json": {"schema": {"type": "string"}}}},
            "200": {"description": "ok", "content": {
                "application/problem+json": json_schema,
                "application/xml": json_schema
            }},
            "204": {"description": "none"},
            "404": {"description": "missing", "content": {"application/json": json_schema}},
            "5xx": {"description": "broken", "content": {"text/plain": {}}},
            "default": {"description": "other", "content": {"application/json": json_schema}}
        }),
        json!({}),
    );
    let responses = responses_of(&normalized(&document).document);
    assert_eq!(
        responses,
        json!({
            "200": {"description": "ok", "content": {"application/json": json_schema}},
            "404": {"description": "missing"},
            "5XX": {"description": "broken"}
        })
    );

    let only_default = with_responses(
        json!({"default": {"description": "d", "content": {"application/json": {"encoding": {}}}}}),
        json!({}),
    );
    assert_eq!(
        responses_of(&normalized(&only_default).document),
        json!({"200": {"description": "d", "content": {"application/json": {"schema": {}}}}})
    );

    let bodiless = with_responses(
        json!({
            "200": {"description": "ok"},
            "202": {"description": "later", "content": {"text/csv": {}}},
            "default": {"description": "d", "content": {"text/plain": {}}}
        }),
        json!({}),
    );
    assert_eq!(
        responses_of(&normalized(&bodiless).document),
        json!({
            "200": {"description": "ok"},
            "202": {"description": "later"},
            "default": {"description": "d"}
        })
    );
}

#[test]
fn response_enums_are_opened_through_refs_and_request_enums_are_kept() {
    let document = openapi(
        json!({"/a": {
            "get": {"operationId": "a", "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}},
            "post": {"operationId": "b",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Input"}}}},
                "responses": {"204": {"description": "done"}}}
        }}),
        json!({"schemas": {
            "Page": {"type": "object", "additionalProperties": false, "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
            }},
            "Item": {"type": "object", "properties": {
                "state": {"type": "string", "description": "The state.", "enum": ["open", "closed"]},
                "owner": {"$ref": "#/components/schemas/Owner", "nullable": true, "description": "o"}
            }},
            "Owner": {"type": "object", "properties": {"role": {"enum": ["admin"]}}},
            "Input": {"type": "object", "additionalProperties": false,
                      "properties": {"mode": {"type": "string", "enum": ["a", "b"]}}}
        }}),
    );
    let doc = normalized(&document).document;
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Page"].get("additionalProperties").is_none());
    assert_eq!(
        schemas["Item"]["properties"]["state"],
        json!({"type": "string", "description": "The state. Known values: open, closed."})
    );
    assert_eq!(
        schemas["Item"]["properties"]["owner"],
        json!({"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true, "description": "o"})
    );
    assert_eq!(
        schemas["Owner"]["properties"]["role"],
        json!({"description": "Known values: admin."})
    );
    assert_eq!(schemas["Input"]["additionalProperties"], false);
    assert_eq!(
        schemas["Input"]["properties"]["mode"]["enum"],
        json!(["a", "b"])
    );
}

#[test]
fn parameters_are_fixed_or_refused() {
    let string = json!({"type": "string"});
    let document = openapi(
        json!({"/a/{id}": {"get": {"operationId": "a",
            "parameters": [
                {"name": "id", "in": "path", "schema": string},
                {"name": "Authorization", "in": "header", "schema": string},
                {"name": "session", "in": "cookie", "schema": string},
                {"name": "q", "in": "query"},
                {"name": "gone", "in": "path", "required": true, "schema": string}
            ],
            "responses": {"200": {"description": "ok"}}}}}),
        json!({}),
    );
    let doc = normalized(&document).document;
    assert_eq!(
        doc["paths"]["/a/{id}"]["get"]["parameters"],
        json!([
            {"name": "id", "in": "path", "required": true, "schema": string},
            {"name": "q", "in": "query", "schema": string}
        ])
    );
}

#[test]
fn unfixable_constructs_are_errors_naming_section_and_operation() {
    let ok = json!({"200": {"description": "ok"}});
    let deep = openapi(
        json!({"/a": {"get": {"operationId": "listThings", "responses": ok,
            "parameters": [{"name": "f", "in": "query", "style": "deepObject", "schema": {"type": "object"}}]}}}),
        json!({}),
    );
    let e = error(&deep);
    assert_eq!(
        (e.section.as_str(), e.operation.as_deref()),
        ("test", Some("listThings"))
    );
    assert!(e.message.contains("deepObject"), "{e}");

    let external = openapi(
        json!({"/a": {"get": {"responses": {"200": {"$ref": "other.yaml#/r"}}}}}),
        json!({}),
    );
    assert_eq!(error(&external).operation.as_deref(), Some("GET /a"));

    let missing = openapi(
        json!({"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}}),
        json!({}),
    );
    let e = error(&missing);
    assert_eq!(e.operation.as_deref(), Some("a"));
    assert!(e.message.contains("Nope"), "{e}");

    let untemplated = openapi(
        json!({"/a/{id}": {"get": {"operationId": "a", "responses": ok}}}),
        json!({}),
    );
    assert!(error(&untemplated).message.contains("{id}"));

    let path_ref = openapi(json!({"/a": {"$ref": "#/components/x"}}), json!({}));
    let e = error(&path_ref);
    assert_eq!(e.operation, None);
    assert!(e.message.contains("`$ref`"), "{e}");

    let relative = openapi(
        json!({"a": {"get": {"operationId": "a", "responses": ok}}}),
        json!({}),
    );
    assert!(error(&relative).message.contains("start with `/`"));
}
