//! The OpenAPI document is served and matches the committed snapshot
//! (`crates/web/openapi.json`), so that a change of the public API is a
//! visible change of that file. `XINYONG_UPDATE_SNAPSHOTS=1` rewrites it.

use crate::support::servers;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[tokio::test]
async fn the_document_is_served_and_matches_the_snapshot() {
    let document = serde_json::to_string_pretty(&xinyong_web::openapi_document()).unwrap() + "\n";
    if std::env::var("XINYONG_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(SNAPSHOT, &document).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == document,
        "the OpenAPI document changed: run the tests with XINYONG_UPDATE_SNAPSHOTS=1 and commit crates/web/openapi.json"
    );
    let paths: Vec<String> = serde_json::from_str::<serde_json::Value>(&document).unwrap()["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        paths,
        vec![
            "/api/v1/health",
            "/api/v1/subjects",
            "/api/v1/subjects/{ref}",
            "/api/v1/records",
            "/api/v1/session",
            "/api/v1/me",
            "/api/v1/me/password",
            "/api/v1/purposes",
            "/api/v1/me/file",
            "/api/v1/me/queries",
            "/api/v1/me/authorisations",
            "/api/v1/me/authorisations/{id}",
            "/api/v1/batches",
            "/api/v1/batches/{id}",
            "/api/v1/batches/{id}/rejected",
            "/api/v1/departments",
            "/api/v1/accounts",
            "/api/v1/accounts/{username}",
            "/api/v1/keys",
            "/api/v1/keys/{key_id}",
            "/api/v1/checks",
            "/api/v1/checks/{id}",
            "/api/v1/checks/{id}/feedback",
            "/api/v1/checks/overdue",
            "/api/v1/checks/statistics",
            "/api/v1/checks/batches",
            "/api/v1/checks/batches/{id}",
            "/api/v1/checks/batches/{id}/result",
            "/api/v1/measures",
            "/api/v1/measures/reload",
            "/api/v1/commitment-kinds",
            "/api/v1/me/commitments",
            "/api/v1/commitments",
            "/api/v1/commitments/{id}/finding",
            "/api/v1/me/records/{id}/repair-eligibility",
            "/api/v1/me/repairs",
            "/api/v1/me/repairs/{id}/withdraw",
            "/api/v1/repairs",
            "/api/v1/repairs/{id}/steps",
            "/api/v1/me/objections",
            "/api/v1/me/objections/{id}/withdraw",
            "/api/v1/objections",
            "/api/v1/objections/{id}/steps",
            "/api/v1/audit",
            "/api/v1/audit/verify",
        ]
    );
    // A parameter "in path" is one the path names; the rest are queries.
    let parsed: serde_json::Value = serde_json::from_str(&document).unwrap();
    for (path, operations) in parsed["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                let declared = parameter["in"].as_str().unwrap();
                assert_eq!(
                    declared,
                    if in_path { "path" } else { "query" },
                    "{method} {path}: {name}"
                );
            }
        }
    }
    if let Some(server) = servers().await.into_iter().next() {
        let (status, served) = server.json("/api/v1/openapi.json").await;
        assert_eq!(status, 200);
        assert_eq!(served, serde_json::from_str::<serde_json::Value>(&document).unwrap());
        server.stop().await;
    }
}
