//! The spec route serves each section in the configured dialect or the one
//! `?dialect=` asks for, and the swagger-ui configuration lists them.

pub mod common;

use common::{bounded, client};
use nwa_sandbox::{Config, Dialect};
use reqwest::StatusCode;
use serde_json::Value;

const SECTIONS: [&str; 5] = ["workflow", "auth", "files", "instance", "core-service"];

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let response = http.get(url).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn each_dialect_is_served_on_request() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        for section in SECTIONS {
            let base = format!("{}/openapi/{section}.json", sandbox.base_url());

            let swagger = get_json(&http, &format!("{base}?dialect=swagger-2.0")).await;
            assert_eq!(swagger["swagger"], "2.0", "{section}");
            assert!(swagger.get("openapi").is_none(), "{section}");
            assert!(swagger["paths"].is_object(), "{section}");

            let openapi31 = get_json(&http, &format!("{base}?dialect=openapi-3.1")).await;
            assert_eq!(openapi31["openapi"], "3.1.0", "{section}");

            let bundled = format!("{}/../openapi/{section}.json", env!("CARGO_MANIFEST_DIR"));
            let bundled = std::fs::read_to_string(bundled).expect("bundled file");
            for url in [base.clone(), format!("{base}?dialect=openapi-3.0")] {
                let text = http
                    .get(&url)
                    .send()
                    .await
                    .expect("sent")
                    .text()
                    .await
                    .expect("text");
                assert_eq!(text, bundled, "{url} is the bundled file");
            }
        }
        sandbox.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn the_configured_dialect_is_the_default_and_a_query_overrides_it() {
    bounded(async {
        let config = Config {
            dialect: Dialect::Swagger20,
            ..Config::default()
        };
        let sandbox = nwa_sandbox::spawn_with(config)
            .await
            .expect("sandbox starts");
        let http = client();
        let base = format!("{}/openapi/workflow.json", sandbox.base_url());

        let swagger = get_json(&http, &base).await;
        assert_eq!(swagger["swagger"], "2.0");
        let upload = &swagger["paths"]["/files/upload/"]["post"];
        assert_eq!(upload["parameters"][0]["in"], "formData");
        assert_eq!(upload["parameters"][0]["type"], "file");
        assert!(upload["x-nwa-handwritten"].is_string());
        let openapi30 = get_json(&http, &format!("{base}?dialect=openapi-3.0")).await;
        assert_eq!(openapi30["openapi"], "3.0.3");

        let response = http
            .get(format!("{base}?dialect=raml"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.expect("error body");
        let message = body["error"].as_str().expect("error message");
        assert!(message.contains("swagger-2.0"), "{message}");
        sandbox.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn swagger_config_lists_every_section_without_auth() {
    bounded(async {
        let sandbox = nwa_sandbox::spawn().await.expect("sandbox starts");
        let http = client();
        let config = get_json(
            &http,
            &format!("{}/openapi/swagger-config.json", sandbox.base_url()),
        )
        .await;
        let urls = config["urls"].as_array().expect("urls");
        let names: Vec<&str> = urls.iter().filter_map(|u| u["name"].as_str()).collect();
        assert_eq!(names, SECTIONS);
        for entry in urls {
            let url = entry["url"].as_str().expect("url");
            assert_eq!(
                url,
                format!("/openapi/{}.json", entry["name"].as_str().unwrap_or(""))
            );
            let document = get_json(&http, &format!("{}{url}", sandbox.base_url())).await;
            assert_eq!(document["openapi"], "3.0.3");
        }
        sandbox.shutdown().await;
    })
    .await;
}

#[test]
fn dialect_names_round_trip_and_the_default_is_openapi_3_0() {
    assert_eq!(Dialect::default(), Dialect::OpenApi30);
    assert_eq!(Config::default().dialect, Dialect::OpenApi30);
    for dialect in Dialect::ALL {
        assert_eq!(Dialect::from_name(dialect.name()), Some(dialect));
    }
    assert_eq!(Dialect::from_name("swagger"), None);
}
