//! Errors are problem+json with a stable code and a Chinese detail, and
//! every answer carries the security headers.

use crate::support::servers;

#[tokio::test]
async fn unknown_routes_methods_and_headers() {
    for server in servers().await {
        let response = server.get("/api/v1/nothing-here").await;
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["status"], 404);

        let response = server.client.post(server.url("/api/v1/subjects")).send().await.unwrap();
        assert_eq!(response.status(), 405);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "method_not_allowed");

        let response = server.get("/api/v1/health").await;
        assert_eq!(response.status(), 200);
        for header in [
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "content-security-policy",
        ] {
            assert!(response.headers().contains_key(header), "{header}");
        }
        // No API answer is kept by a browser or a proxy.
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"], server.platform.backend().code());
        server.stop().await;
    }
}
