//! The sandbox seen from a client: tokens, the request flow, users, reports
//! and errors, over HTTP on loopback.
//!
//! Responses of the documented operations are also checked against the
//! schemas of the bundled OpenAPI documents (see `Contract`), so a shape
//! that drifts from the contract fails here first.

pub mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{bounded, client, system_token};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("JWT has a payload");
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .expect("payload is base64url");
    serde_json::from_slice(&bytes).expect("payload is JSON")
}

async fn error_body(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("error body is JSON");
    let message = body["error"].as_str().expect("error has a message");
    (status, message.to_owned())
}

/// The bundled OpenAPI documents, and a check of a JSON value against the
/// subset of JSON Schema they use (type, format date-time, required,
/// properties, items, $ref, oneOf, nullable).
struct Contract {
    documents: Vec<Value>,
}

impl Contract {
    async fn fetch(http: &reqwest::Client, base_url: &str) -> Contract {
        let mut documents = Vec::new();
        for section in ["workflow", "auth", "files", "instance", "core-service"] {
            let document: Value = http
                .get(format!("{base_url}/openapi/{section}.json"))
                .send()
                .await
                .expect("spec sent")
                .json()
                .await
                .expect("spec is JSON");
            documents.push(document);
        }
        Contract { documents }
    }

    /// Checks `value` against the 200 JSON schema of `method path`.
    fn check(&self, method: &str, path: &str, value: &Value) {
        let (document, operation) = self
            .documents
            .iter()
            .find_map(|d| Some((d, d["paths"].get(path)?.get(method)?)))
            .unwrap_or_else(|| panic!("{method} {path} is in a spec"));
        let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{method} {path} declares a JSON answer");
        if let Err(problem) = conforms(document, schema, value, "$") {
            panic!("{method} {path}: {problem}\n{value:#}");
        }
    }
}

fn conforms(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return conforms(
            document,
            &document["components"]["schemas"][name],
            value,
            at,
        );
    }
    if let Some(choices) = schema["oneOf"].as_array() {
        let passing = choices
            .iter()
            .filter(|choice| conforms(document, choice, value, at).is_ok())
            .count();
        return match passing {
            1 => Ok(()),
            n => Err(format!("{at} matches {n} of the oneOf choices")),
        };
    }
    if value.is_null() {
        return match schema["nullable"].as_bool() {
            Some(true) => Ok(()),
            _ if schema.get("type").is_none() => Ok(()),
            _ => Err(format!("{at} is null but not nullable")),
        };
    }
    let type_ok = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => return Err(format!("{at}: unknown type {other}")),
    };
    if !type_ok {
        return Err(format!("{at} is not of type {}", schema["type"]));
    }
    if schema["format"] == "date-time" {
        let text = value.as_str().unwrap_or_default();
        let shaped = text.len() == 24
            && text.ends_with('Z')
            && text.as_bytes()[10] == b'T'
            && text.as_bytes()[19] == b'.';
        if !shaped {
            return Err(format!(
                "{at} = {text:?} is not like 2013-06-27T15:44:53.627Z"
            ));
        }
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if value.get(name).is_none() {
            return Err(format!("{at} lacks required {name}"));
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if let Some(field) = value.get(name) {
                conforms(document, property, field, &format!("{at}.{name}"))?;
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (index, item) in values.iter().enumerate() {
            conforms(document, items, item, &format!("{at}[{index}]"))?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn api_key_exchange_answers_a_jwt_for_the_tenant() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        let url = format!("{}/api/auth/token/api-key", sandbox.base_url());
        let body = json!({ "tenant": "demo", "apiKey": "demo-system-key" });
        let answer: Value = http
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("post", "/api/auth/token/api-key", &answer);
        assert_eq!(answer["tokenType"], "Bearer");
        assert_eq!(answer["expiresIn"], 3600);

        let claims = claims(answer["token"].as_str().unwrap());
        assert_eq!(claims["tenant"], "demo");
        assert_eq!(claims["aud"], "demo");
        assert_eq!(claims["userName"], "admin");
        assert_eq!(
            claims["contactSid"],
            sandbox.demo().admin.sid.to_uppercase()
        );
        let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert_eq!(lifetime, 3600);

        let url = format!("{}/api/auth/token/user-api-key", sandbox.base_url());
        let body = json!({ "tenant": "demo", "apiKey": sandbox.user_key() });
        let answer: Value = http
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let me: Value = http
            .get(format!("{}/users/current", sandbox.base_url()))
            .bearer_auth(answer["token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/users/current", &me);
        assert_eq!(me["UserName"], "jdoe");
        assert_eq!(sandbox.token_exchanges(), 2);
    })
    .await;
}

#[tokio::test]
async fn wrong_key_or_tenant_is_refused() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let attempts = [
            (
                "api-key",
                json!({ "tenant": "demo", "apiKey": "demo-user-key" }),
            ),
            (
                "api-key",
                json!({ "tenant": "other", "apiKey": "demo-system-key" }),
            ),
            (
                "user-api-key",
                json!({ "tenant": "demo", "apiKey": "demo-system-key" }),
            ),
        ];
        for (route, body) in attempts {
            let url = format!("{}/api/auth/token/{route}", sandbox.base_url());
            let response = http.post(&url).json(&body).send().await.unwrap();
            let (status, _) = error_body(response).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{route} {body}");
        }

        let url = format!(
            "{}/access/impersonate?key=wrong&user=jdoe",
            sandbox.base_url()
        );
        let (status, _) = error_body(http.get(&url).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let url = format!(
            "{}/access/impersonate?key=demo-app-key&user=nobody",
            sandbox.base_url()
        );
        let (status, _) = error_body(http.get(&url).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(sandbox.token_exchanges(), 0);
    })
    .await;
}

#[tokio::test]
async fn missing_malformed_or_unknown_tokens_are_refused() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let url = format!("{}/processes", sandbox.base_url());

        let (status, message) = error_body(http.get(&url).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(message.contains("missing"), "{message}");

        for token in ["not.a.jwt", "0123456789abcdef0123456789abcdef"] {
            let response = http.get(&url).bearer_auth(token).send().await.unwrap();
            let (status, _) = error_body(response).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}");
        }

        let token = system_token(&http, &sandbox).await;
        let by_query = http
            .get(&url)
            .query(&[("token", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(by_query.status(), StatusCode::OK);
        let processes: Value = by_query.json().await.unwrap();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        contract.check("get", "/processes", &processes);
        assert_eq!(processes["total"], 2);
    })
    .await;
}

#[tokio::test]
async fn expired_token_is_refused() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let jwt = system_token(&http, &sandbox).await;
        let impersonated: Value = http
            .get(format!("{}/access/impersonate", sandbox.base_url()))
            .query(&[("key", "demo-app-key"), ("user", "jdoe")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let opaque = impersonated["token"].as_str().unwrap().to_owned();

        let url = format!("{}/users/current", sandbox.base_url());
        for token in [&jwt, &opaque] {
            let response = http.get(&url).bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }

        sandbox.advance_clock(Duration::from_secs(3601));
        for token in [&jwt, &opaque] {
            let response = http.get(&url).bearer_auth(token).send().await.unwrap();
            let (status, message) = error_body(response).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(message, "token expired");
        }
    })
    .await;
}

#[tokio::test]
async fn token_from_another_tenant_is_refused() {
    bounded(async {
        let demo = nwa_sandbox::spawn().await.expect("demo sandbox starts");
        let config = nwa_sandbox::Config {
            tenant: "other".to_owned(),
            ..nwa_sandbox::Config::default()
        };
        let other = nwa_sandbox::spawn_with(config).await.expect("other starts");
        let http = client();
        let token = system_token(&http, &other).await;
        assert_eq!(claims(&token)["tenant"], "other");

        let response = http
            .get(format!("{}/users/current", demo.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (status, message) = error_body(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(message.contains("tenant"), "{message}");
        other.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn impersonation_and_the_interactive_flow_issue_working_tokens() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        let base = sandbox.base_url();
        let current_user = |token: String| {
            let http = http.clone();
            let url = format!("{base}/users/current");
            async move {
                let me: Value = http
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                me["UserName"].as_str().unwrap_or_default().to_owned()
            }
        };

        let expires = "4102444800.25"; // 2100-01-01, with a fraction.
        let answer: Value = http
            .get(format!("{base}/access/impersonate"))
            .query(&[
                ("key", "demo-app-key"),
                ("user", "jdoe"),
                ("expires", expires),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/access/impersonate", &answer);
        assert_eq!(answer["token_type"], "access");
        assert_eq!(answer["key"], "demo-app-key");
        let token = answer["token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 32);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(current_user(token).await, "jdoe");

        let pending: Value = http
            .get(format!("{base}/access/request-token?key=demo-app-key"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/access/request-token", &pending);
        let request_token = pending["token"].as_str().unwrap();
        let exchange =
            format!("{base}/access/exchange-token?key=demo-app-key&token={request_token}");
        let (status, _) = error_body(http.get(&exchange).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "exchanged before login");

        let login = format!(
            "{}{request_token}&user=msmith",
            pending["auth_url"].as_str().unwrap()
        );
        assert_eq!(
            http.get(&login).send().await.unwrap().status(),
            StatusCode::OK
        );
        let answer: Value = http
            .get(&exchange)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/access/exchange-token", &answer);
        let token = answer["token"].as_str().unwrap().to_owned();
        assert_eq!(current_user(token).await, "msmith");
        assert_eq!(sandbox.token_exchanges(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_request_runs_from_start_to_completion() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        let base = sandbox.base_url();
        let token = system_token(&http, &sandbox).await;
        let process_sid = &sandbox.demo().process_sid;

        // Start a request.
        let started: Value = http
            .post(format!("{base}/instances/start"))
            .query(&[("process_sid", process_sid)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("post", "/instances/start", &started);
        let request_sid = started["request"]["sid"].as_str().unwrap().to_owned();
        assert!(started["request"]["id"].is_string());
        assert_eq!(started["request"]["lastmilestone"], "Started");

        // Find its data-container task and read the fields.
        let endpoints: Value = http
            .get(format!("{base}/tasktypes/data-container/endpoints"))
            .query(&[("instance_sid", &request_sid)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/tasktypes/data-container/endpoints", &endpoints);
        let endpoints = endpoints["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), 1);
        let endpoint = endpoints[0].as_str().unwrap();
        assert!(
            endpoint.ends_with("?task_name=Enter%20details"),
            "{endpoint}"
        );
        let fields: Value = http
            .get(format!("{base}{endpoint}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys: Vec<&str> = fields["field_configuration"]
            .as_array()
            .unwrap()
            .iter()
            .map(|field| field["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["description", "amount", "due_date", "receipt"]);
        contract.check(
            "get",
            "/tasktypes/data-container/instances/tasks/reciptasks/{reciptask_sid}",
            &fields,
        );

        // Upload a receipt and post the values.
        let receipt = b"%PDF-1.4 receipt".to_vec();
        let part = Part::bytes(receipt.clone())
            .file_name("reçu.pdf")
            .mime_str("application/pdf")
            .unwrap();
        let uploaded: Value = http
            .post(format!("{base}/files/upload/"))
            .multipart(Form::new().part("file", part))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("post", "/files/upload/", &uploaded);
        let file_key = uploaded[0]["file"].as_str().unwrap();

        let bad = json!({ "receipt": "not-an-uploaded-key" });
        let response = http
            .post(format!("{base}{endpoint}"))
            .json(&bad)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);

        let values = json!({
            "description": "Taxi to the airport",
            "amount": 42.5,
            "due_date": "2024-05-01",
            "receipt": file_key,
            "ignored": "unknown keys are ignored",
        });
        let response = http
            .post(format!("{base}{endpoint}"))
            .json(&values)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let again = http
            .post(format!("{base}{endpoint}"))
            .json(&values)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            again.status(),
            StatusCode::CONFLICT,
            "the task is no longer active"
        );

        // The request now has the file, downloadable by both listings.
        let files: Value = http
            .get(format!("{base}/files/instancelist/{request_sid}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/files/instancelist/{instance_sid}", &files);
        assert_eq!(files[0]["FileName"], "reçu.pdf");
        assert_eq!(files[0]["FileKey"], file_key);
        let download = http
            .get(format!(
                "{base}{}",
                files[0]["StreamEndpoint"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(download.headers()["content-type"], "application/pdf");
        let disposition = download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.contains("filename*=UTF-8''re%C3%A7u.pdf"),
            "{disposition}"
        );
        assert_eq!(download.bytes().await.unwrap().as_ref(), receipt.as_slice());

        let v8_files: Value = http
            .get(format!("{base}/api/instance/{request_sid}/files"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/api/instance/{instance_sid}/files", &v8_files);
        assert_eq!(v8_files[0]["downloadLink"], files[0]["StreamEndpoint"]);

        let link = http
            .get(format!("{base}/files/link"))
            .query(&[
                ("owner_type", "instance"),
                ("owner_sid", &request_sid),
                ("file_id", file_key),
            ])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            link.bytes().await.unwrap().as_ref(),
            receipt.as_slice(),
            "redirect followed"
        );

        // The approval completes the request.
        let open = sandbox.open_tasks(&request_sid);
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].kind, "approval");
        let empty: Value = http
            .get(format!(
                "{base}/tasktypes/data-container/endpoints?instance_sid={request_sid}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(empty, json!({ "endpoints": [] }));
        let approval = json!({ "Approval": "Approve", "Comments": "Fine." });
        let response = http
            .post(format!("{base}/tasktypes/approval/{}", open[0].sid))
            .json(&approval)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(sandbox.open_tasks(&request_sid).is_empty());

        let mine: Value = http
            .get(format!("{base}/instances/mine?status=completed"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/instances/mine", &mine);
        let item = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["sid"] == request_sid.as_str())
            .expect("the request is among the caller's completed ones");
        assert_eq!(item["state"], "Completed");
        assert_eq!(item["last_milestone"], "Approved");
        assert!(item["id"].is_i64());
    })
    .await;
}

#[tokio::test]
async fn users_list_is_an_array_wrapped_page_and_changes_stick() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        let base = sandbox.base_url();
        let token = system_token(&http, &sandbox).await;
        let list = |query: &'static [(&'static str, &'static str)]| {
            let request = http.get(format!("{base}/users/")).query(query).bearer_auth(&token);
            async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
        };

        let all = list(&[]).await;
        contract.check("get", "/users/", &all);
        assert_eq!(all[0]["TotalItemCnt"], 4);
        assert_eq!(all[0]["Items"].as_array().unwrap().len(), 4);
        let page = list(&[("start", "1"), ("count", "2")]).await;
        assert_eq!(page[0]["TotalItemCnt"], 4);
        assert_eq!(page[0]["Items"].as_array().unwrap().len(), 2);
        let smith = list(&[("name", "smi")]).await;
        assert_eq!(smith[0]["Items"][0]["UserName"], "msmith");

        let created: Value = http
            .post(format!("{base}/users/"))
            .json(&json!({ "UserName": "newbie", "NameFirst": "New", "NameLast": "Bie", "Password": null }))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("post", "/users/", &created);
        let sid = created.as_str().unwrap().to_owned();
        assert_eq!(sid, sid.to_lowercase());

        let patched: Value = http
            .put(format!("{base}/users/{sid}"))
            .json(&json!({ "Email": "newbie@example.com" }))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(patched, json!(true));
        let deleted = http.delete(format!("{base}/users/{sid}")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::OK);
        let one: Value = http
            .get(format!("{base}/users/{sid}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/users/{sid}", &one);

        let newbie = list(&[("username", "newbie")]).await;
        contract.check("get", "/users/", &newbie);
        let record = &newbie[0]["Items"][0];
        assert_eq!(record["NameFirst"], "New");
        assert_eq!(record["Email"], "newbie@example.com");
        assert_eq!(record["IsActive"], false);
        assert_ne!(record["DeletedDate"], "0001-01-01T00:00:00.000Z");

        let missing = http
            .post(format!("{base}/users/00000000-0000-4000-8000-000000000000"))
            .json(&json!({ "UserName": "ghost" }))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn report_csv_honours_filters_on_both_export_routes() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        let base = sandbox.base_url();
        let token = system_token(&http, &sandbox).await;
        let report = &sandbox.demo().report_sid;

        let mut filters: Value = http
            .get(format!("{base}/reports/{report}/filters"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/reports/{report_sid}/filters", &filters);
        assert_eq!(filters[0]["MappingVal"], "Request|ID");
        assert_eq!(filters[1]["Expose"], "Process");

        let csv = |url: String, filters: String| {
            let request = http.get(url).query(&[("start", "0"), ("filters", &filters)]).bearer_auth(&token);
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
                response.text().await.unwrap()
            }
        };
        let legacy = format!("{base}/reports/{report}/tofile/csv");
        let everything = csv(legacy.clone(), "[]".to_owned()).await;
        let lines: Vec<&str> = everything.lines().collect();
        assert_eq!(lines[0], "ID,Name,Process,State,Started");
        assert_eq!(lines.len(), 3, "the two seeded requests");

        filters[0]["Value"] = json!("1002");
        let one = csv(legacy, filters.to_string()).await;
        let lines: Vec<&str> = one.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("1002,Expense Claim,Expense Claim,Completed,"));

        let core = format!("{base}/core-service/reports/{report}/export/csv_utf8");
        let by_process = json!([{ "field": "Process|Name", "data": { "type": "string", "value": "Travel Request", "comparison": "Is" } }]);
        let none = csv(core.clone(), by_process.to_string()).await;
        assert_eq!(none.lines().count(), 1, "only the header");
        let by_id = json!([{ "field": "Request|ID", "data": { "type": "string", "value": "1001", "comparison": "Is" } }]);
        let one = csv(core, by_id.to_string()).await;
        assert_eq!(one.lines().nth(1).map(|l| l.starts_with("1001,")), Some(true));

        let run: Value = http
            .post(format!("{base}/reports/{report}"))
            .json(&json!({ "start": 0, "filters": [], "persist": true, "page": 1, "limit": 10 }))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("post", "/reports/{report_sid}", &run);
        assert_eq!(run["total"], 2);
    })
    .await;
}

#[tokio::test]
async fn unknown_routes_and_bad_input_answer_json_errors_while_health_checks_need_no_token() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let base = sandbox.base_url();
        let token = system_token(&http, &sandbox).await;

        let (status, message) =
            error_body(http.get(format!("{base}/nowhere")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(message, "no such route: GET /nowhere");

        let missing_param = http
            .post(format!("{base}/instances/start"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(error_body(missing_param).await.0, StatusCode::BAD_REQUEST);
        let unknown_process = http
            .post(format!(
                "{base}/instances/00000000-0000-4000-8000-000000000000/start"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(error_body(unknown_process).await.0, StatusCode::NOT_FOUND);
        let inactive = &sandbox.demo().inactive_process_sid;
        let refused = http
            .post(format!("{base}/instances/{inactive}/start"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(error_body(refused).await.0, StatusCode::CONFLICT);
        let contract = Contract::fetch(&http, base).await;
        let process_sid = &sandbox.demo().process_sid;
        let started: Value = http
            .post(format!("{base}/instances/{process_sid}/start"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("post", "/instances/{process_sid}/start", &started);
        assert_eq!(started["SID"], started["request"]["sid"]);
        let process: Value = http
            .get(format!("{base}/processes/{process_sid}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        contract.check("get", "/processes/{process_sid}", &process);
        assert_eq!(process["publish_status"], "Production");
        let malformed = http
            .post(format!("{base}/users/"))
            .header("content-type", "application/json")
            .body("{not json")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(error_body(malformed).await.0, StatusCode::BAD_REQUEST);
        let wrong_tenant = http
            .post(format!("{base}/api/files/temp/other/upload"))
            .multipart(Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(error_body(wrong_tenant).await.0, StatusCode::NOT_FOUND);
        let temp: Value = http
            .post(format!("{base}/api/files/temp/demo/upload"))
            .multipart(
                Form::new().part("file-upload", Part::bytes(b"x".to_vec()).file_name("x.txt")),
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(temp[0]["originalFilename"], "x.txt");
        assert!(temp[0]["sid"].is_string());

        for health in ["/api/auth/healthcheck", "/api/instance/healthcheck"] {
            let response = http.get(format!("{base}{health}")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{health} needs no token");
        }
        sandbox.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn every_operation_in_the_specs_has_a_route() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let contract = Contract::fetch(&http, sandbox.base_url()).await;
        let token = system_token(&http, &sandbox).await;
        let mut checked = 0;
        for document in &contract.documents {
            let paths = document["paths"].as_object().expect("paths");
            for (path, operations) in paths {
                // Placeholder values: the point is the route, not the record.
                let concrete = path
                    .replace("{tenant}", sandbox.tenant())
                    .replace(['{', '}'], "");
                for method in operations.as_object().expect("operations").keys() {
                    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
                        .expect("an HTTP method");
                    let response = http
                        .request(method.clone(), format!("{}{concrete}", sandbox.base_url()))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("sent");
                    let status = response.status();
                    let body = response.text().await.unwrap_or_default();
                    assert!(
                        !body.contains("no such route"),
                        "{method} {path} has no route: {status} {body}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 30, "only {checked} operations found");
    })
    .await;
}

#[tokio::test]
async fn dropping_the_sandbox_stops_the_server() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let url = format!("{}/api/auth/healthcheck", sandbox.base_url());
        // A fresh client each time, so no pooled connection outlives the server.
        let up = client().get(&url).send().await.expect("the server answers");
        assert_eq!(up.status(), StatusCode::OK);
        drop(sandbox);
        let mut stopped = false;
        for _ in 0..50 {
            if client().get(&url).send().await.is_err() {
                stopped = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(stopped, "the server still answers after the drop");
    })
    .await;
}
