//! Every non-group operation of Meta's On-Premises API collection is served: driven over HTTPS,
//! none answers "Unknown path" (1006/404) or a wrong method (1025/405). The group operations are
//! listed by the groups tests.

use crate::helpers::*;
use reqwest::Method;
use serde_json::Value;

/// The non-group operations (method, path under the server URL `.../v1`) of Meta's Postman
/// collection "WhatsApp Business API" as converted to OpenAPI by unblu/WhatsApp-Business-API-OpenAPI
/// (APIs-guru openapi-directory `APIs/whatsapp.local/1.0/openapi.yaml`, operationIds in comments).
/// Path parameters are filled in by `concrete`.
const COLLECTION: [(&str, &str); 42] = [
    ("POST", "/account"),                              // RequestCode
    ("POST", "/account/shards"),                       // SetShards
    ("POST", "/account/verify"),                       // RegisterAccount
    ("POST", "/certificates/external"),                // UploadCertificate
    ("GET", "/certificates/external/ca"),              // DownloadCaCertificate
    ("DELETE", "/certificates/webhooks/ca"),           // DeleteWebhookCaCertificate
    ("GET", "/certificates/webhooks/ca"),              // DownloadWebhookCaCertificate
    ("POST", "/certificates/webhooks/ca"),             // UploadWebhookCaCertificate
    ("POST", "/contacts"),                             // CheckContact
    ("GET", "/health"),                                // CheckHealth
    ("POST", "/media"),                                // UploadMedia
    ("DELETE", "/media/{MediaId}"),                    // DeleteMedia
    ("GET", "/media/{MediaId}"),                       // DownloadMedia
    ("POST", "/messages"),                             // SendMessage
    ("PUT", "/messages/{MessageID}"),                  // MarkMessageAsRead
    ("GET", "/metrics"),                               // GetMetrics
    ("DELETE", "/settings/account/two-step"),          // DisableTwoStep
    ("POST", "/settings/account/two-step"),            // EnableTwoStep
    ("DELETE", "/settings/application"),               // ResetApplicationSettings
    ("GET", "/settings/application"),                  // GetApplicationSettings
    ("PATCH", "/settings/application"),                // UpdateApplicationSettings
    ("GET", "/settings/application/media/providers"),  // GetMediaProviders
    ("POST", "/settings/application/media/providers"), // UpdateMediaProviders
    (
        "DELETE",
        "/settings/application/media/providers/{ProviderName}",
    ), // DeleteMediaProviders
    ("POST", "/settings/backup"),                      // BackupSettings
    ("GET", "/settings/business/profile"),             // GetBusinessProfile
    ("POST", "/settings/business/profile"),            // updateBusinessProfile
    ("GET", "/settings/profile/about"),                // GetProfileAbout
    ("PATCH", "/settings/profile/about"),              // UpdateProfileAbout
    ("DELETE", "/settings/profile/photo"),             // DeleteProfilePhoto
    ("GET", "/settings/profile/photo"),                // GetProfilePhoto
    ("POST", "/settings/profile/photo"),               // UpdateProfilePhoto
    ("POST", "/settings/restore"),                     // RestoreSettings
    ("GET", "/stats/app"),                             // GetAppStats
    ("GET", "/stats/db"),                              // GetDbStats
    ("GET", "/support"),                               // GetSupportInfo
    ("POST", "/users"),                                // CreateUser
    ("POST", "/users/login"),                          // LoginUser
    ("DELETE", "/users/{UserUsername}"),               // DeleteUser
    ("GET", "/users/{UserUsername}"),                  // GetUser
    ("PUT", "/users/{UserUsername}"),                  // UpdateUser
    ("POST", "/users/logout"),                         // LogoutUser (last: it ends the token)
];

fn concrete(path: &str) -> String {
    format!(
        "/v1{}",
        path.replace("{MediaId}", "0a1b2c3d-0000-4000-8000-000000000000")
            .replace("{MessageID}", "gBGGFlA5FpafAgkOuJbRq54qwbM")
            .replace("{ProviderName}", "nobody")
            .replace("{UserUsername}", "nobody")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_non_group_operation_of_the_collection_is_served() {
    let app = spawn_emulator().await;
    let token = app.token().await;
    let served = wa_onprem_emulator::api::routes();
    for (method, path) in COLLECTION {
        let url = concrete(path);
        let mut req = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{url}", app.base),
            )
            .bearer_auth(&token);
        if method != "GET" && method != "DELETE" {
            req = req.header("content-type", "application/json").body("{}");
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let details = body["errors"][0]["details"].as_str().unwrap_or("");
        assert!(
            !details.starts_with("Unknown path") && status != 405,
            "{method} {url} is not served: {status} {body}"
        );
        assert!(
            status < 500 || body["errors"][0]["code"] == 1011,
            "{method} {url} failed: {status} {body}"
        );
        let routed = served.iter().any(|(m, p)| {
            m == method && p.split('/').count() == url.split('/').count() && same_shape(p, &url)
        });
        assert!(routed, "{method} {url} is in the route table");
    }
}

/// Whether a route pattern (`/v1/users/{username}`) matches a concrete path.
fn same_shape(pattern: &str, path: &str) -> bool {
    pattern
        .split('/')
        .zip(path.split('/'))
        .all(|(p, s)| p == s || p.starts_with('{'))
}

/// The account surface's JSON answers match their schemas in openapi/openapi.yaml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_answers_validate_against_the_spec() {
    use crate::openapi::{check, spec};
    use serde_json::json;
    let spec = spec();
    let app = spawn_with(|c| c.unregistered = true).await;
    let cert = "Q2VydA==";
    let calls: Vec<(&str, &str, &str, Option<Value>)> = vec![
        (
            "post",
            "/v1/account",
            "/v1/account",
            Some(json!({"cc":"1","phone_number":"6315550042","method":"sms","cert":cert})),
        ),
        ("get", "/v1/emulator/account", "/v1/emulator/account", None),
        (
            "post",
            "/v1/settings/account/two-step",
            "/v1/settings/account/two-step",
            Some(json!({"pin":"123456"})),
        ),
        (
            "delete",
            "/v1/settings/account/two-step",
            "/v1/settings/account/two-step",
            None,
        ),
        (
            "patch",
            "/v1/settings/profile/about",
            "/v1/settings/profile/about",
            Some(json!({"text":"hi"})),
        ),
        (
            "get",
            "/v1/settings/profile/about",
            "/v1/settings/profile/about",
            None,
        ),
        (
            "post",
            "/v1/settings/business/profile",
            "/v1/settings/business/profile",
            Some(json!({"email":"a@b.test"})),
        ),
        (
            "get",
            "/v1/settings/business/profile",
            "/v1/settings/business/profile",
            None,
        ),
        (
            "post",
            "/v1/settings/application/media/providers",
            "/v1/settings/application/media/providers",
            Some(
                json!([{"name":"a","type":"www","config":{"basic":{"username":"u","password":"p"}}}]),
            ),
        ),
        (
            "get",
            "/v1/settings/application/media/providers",
            "/v1/settings/application/media/providers",
            None,
        ),
        (
            "get",
            "/v1/settings/application",
            "/v1/settings/application",
            None,
        ),
        (
            "post",
            "/v1/settings/backup",
            "/v1/settings/backup",
            Some(json!({"password":"pw"})),
        ),
        ("get", "/v1/support", "/v1/support", None),
        ("get", "/v1/health", "/v1/health", None),
        (
            "delete",
            "/v1/settings/application/media/providers/{name}",
            "/v1/settings/application/media/providers/a",
            None,
        ),
        (
            "get",
            "/v1/settings/profile/photo",
            "/v1/settings/profile/photo",
            None,
        ),
        (
            "post",
            "/v1/settings/restore",
            "/v1/settings/restore",
            Some(json!({"password":"pw","data":"AAAA"})),
        ),
        (
            "post",
            "/v1/account/verify",
            "/v1/account/verify",
            Some(json!({"code":"000000"})),
        ),
    ];
    for (method, pattern, path, body) in calls {
        let (status, answer) = app
            .call(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                path,
                body,
            )
            .await;
        check(&spec, method, pattern, status.as_u16(), &answer);
    }
    let (status, answer) = app
        .raw(
            Method::POST,
            "/v1/settings/profile/photo",
            Some("image/png"),
            crate::onprem_profile::png(3),
        )
        .await;
    check(
        &spec,
        "post",
        "/v1/settings/profile/photo",
        status.as_u16(),
        &answer,
    );
    let (status, answer) = app.get("/v1/settings/profile/photo?format=link").await;
    check(
        &spec,
        "get",
        "/v1/settings/profile/photo",
        status.as_u16(),
        &answer,
    );
}
