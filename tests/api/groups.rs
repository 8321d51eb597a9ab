//! `/v1/groups`: every group operation of Meta's On-Premises collection, end to end, with its
//! answer shape and its effect; bad input per route: the right code, nothing stored.

use crate::helpers::*;
use crate::openapi::{check, spec};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The Groups folder of Meta's On-Premises Postman collection (names as in the collection;
/// source: the collection as mirrored by unblu/WhatsApp-Business-API-OpenAPI `openapi.yaml`,
/// tag `Groups`, and share.apidog.com/apidoc/docs-site/347068).
pub const GROUP_OPERATIONS: [(&str, &str, &str); 13] = [
    ("Get-All-Groups", "GET", "/v1/groups"),
    ("Create-Group", "POST", "/v1/groups"),
    ("Get-Group-Info", "GET", "/v1/groups/{id}"),
    ("Update-Group-Info", "PUT", "/v1/groups/{id}"),
    ("Demote-Group-Admin", "DELETE", "/v1/groups/{id}/admins"),
    ("Promote-To-Group-Admin", "PATCH", "/v1/groups/{id}/admins"),
    ("Delete-Group-Icon", "DELETE", "/v1/groups/{id}/icon"),
    ("Get-Group-Icon-Binary", "GET", "/v1/groups/{id}/icon"),
    ("Set-Group-Icon", "POST", "/v1/groups/{id}/icon"),
    ("Delete-Group-Invite", "DELETE", "/v1/groups/{id}/invite"),
    ("Get-Group-Invite", "GET", "/v1/groups/{id}/invite"),
    ("Leave-Group", "POST", "/v1/groups/{id}/leave"),
    (
        "Remove-Group-Participant",
        "DELETE",
        "/v1/groups/{id}/participants",
    ),
];

pub const JPEG: [u8; 8] = [0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F'];

/// Drives the collection's operations, remembering which ones ran.
struct Driver<'a> {
    app: &'a Api,
    done: BTreeSet<&'static str>,
}

impl Driver<'_> {
    async fn call(
        &mut self,
        op: &'static str,
        id: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (_, method, path) = GROUP_OPERATIONS
            .iter()
            .find(|(name, ..)| *name == op)
            .expect("an operation of the list");
        self.done.insert(op);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        self.app.call(method, &path.replace("{id}", id), body).await
    }

    async fn info(&mut self, id: &str) -> Value {
        let (status, body) = self.call("Get-Group-Info", id, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["groups"].as_array().unwrap().len(), 1, "{body}");
        body["groups"][0].clone()
    }
}

pub async fn business_wa_id(app: &Api) -> String {
    let (_, s) = app.get("/v1/settings/application").await;
    s["settings"]["application"]["wa_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Creates a group and answers its id.
pub async fn create_group(app: &Api, subject: &str) -> String {
    let (status, body) = app.post("/v1/groups", json!({ "subject": subject })).await;
    assert_eq!(status, 201, "{body}");
    body["groups"][0]["id"].as_str().unwrap().to_string()
}

/// Makes customers join a group through the control API.
pub async fn join(app: &Api, id: &str, wa_ids: &[&str]) {
    let path = format!("/v1/emulator/groups/{id}/participants");
    let (status, body) = app.post(&path, json!({ "wa_ids": wa_ids })).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_group_operation_of_the_collection_answers_and_takes_effect() {
    let app = spawn_emulator().await;
    let business = business_wa_id(&app).await;
    let mut d = Driver {
        app: &app,
        done: BTreeSet::new(),
    };

    // Create, then list and info show it.
    let (status, created) = d
        .call("Create-Group", "", Some(json!({"subject": "  Support  "})))
        .await;
    assert_eq!(status, 201, "{created}");
    let g = &created["groups"][0];
    let id = g["id"].as_str().unwrap().to_string();
    assert!(id.starts_with(&format!("{business}-")), "{id}");
    assert!(g["creation_time"].as_u64().unwrap() > 1_600_000_000);
    assert_eq!(created["meta"]["api_status"], "stable");
    let (status, list) = d.call("Get-All-Groups", "", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        list["groups"],
        json!([{"creation_time": g["creation_time"], "id": id}])
    );
    assert_eq!(
        d.info(&id).await,
        json!({"admins": [business], "creation_time": g["creation_time"], "creator": business,
               "participants": [business], "subject": "Support"})
    );

    // Subject update, then info.
    let (status, body) = d
        .call(
            "Update-Group-Info",
            &id,
            Some(json!({"subject": "Support 2"})),
        )
        .await;
    assert_eq!((status.as_u16(), body.get("errors")), (200, None), "{body}");
    assert_eq!(d.info(&id).await["subject"], "Support 2");

    // Invite link, revoke gives a new one; only the new one lets a customer in.
    let (status, inv) = d.call("Get-Group-Invite", &id, None).await;
    assert_eq!(status, 200);
    let old = inv["groups"][0]["link"].as_str().unwrap().to_string();
    assert!(old.starts_with("https://chat.whatsapp.com/"), "{old}");
    let (status, _) = d.call("Delete-Group-Invite", &id, None).await;
    assert_eq!(status, 200);
    let (_, inv) = d.call("Get-Group-Invite", &id, None).await;
    let new = inv["groups"][0]["link"].as_str().unwrap().to_string();
    assert_ne!(old, new);
    let joining = json!({"link": old, "wa_id": "16315550001"});
    let (status, body) = app.post("/v1/emulator/groups/join", joining).await;
    assert_error(status, &body, 404, 1006);
    let joining = json!({"link": new, "wa_id": "16315550001"});
    let (status, body) = app.post("/v1/emulator/groups/join", joining).await;
    assert_eq!(status, 200, "{body}");
    join(&app, &id, &["16315550002", "16315550003"]).await;
    assert_eq!(
        d.info(&id).await["participants"],
        json!([business, "16315550001", "16315550002", "16315550003"])
    );

    // Promote then info shows the admin; demote takes it back.
    let (status, _) = d
        .call(
            "Promote-To-Group-Admin",
            &id,
            Some(json!({"wa_ids": ["16315550002"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        d.info(&id).await["admins"],
        json!([business, "16315550002"])
    );
    let (status, _) = d
        .call(
            "Demote-Group-Admin",
            &id,
            Some(json!({"wa_ids": ["16315550002"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(d.info(&id).await["admins"], json!([business]));

    // Remove a participant.
    let (status, _) = d
        .call(
            "Remove-Group-Participant",
            &id,
            Some(json!({"wa_ids": ["16315550001"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        d.info(&id).await["participants"],
        json!([business, "16315550002", "16315550003"])
    );

    // Icon: set, get (bytes and link), delete.
    d.done.insert("Set-Group-Icon");
    let icon_path = format!("/v1/groups/{id}/icon");
    let (status, body) = app
        .raw(Method::POST, &icon_path, Some("image/jpeg"), JPEG.to_vec())
        .await;
    assert_eq!(status, 200, "{body}");
    d.done.insert("Get-Group-Icon-Binary");
    let res = app.send_authed(Method::GET, &icon_path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().to_vec(), JPEG.to_vec());
    let (status, icon_link) = app.get(&format!("{icon_path}?format=link")).await;
    assert_eq!(status, 200, "{icon_link}");
    let link = icon_link["groups"][0]["icon"]["link"].as_str().unwrap();
    assert!(link.ends_with(&icon_path), "{link}");
    let (status, _) = d.call("Delete-Group-Icon", &id, None).await;
    assert_eq!(status, 200);
    let (status, body) = app.get(&icon_path).await;
    assert_error(status, &body, 404, 1006);

    // Leave: the group is no longer the business's.
    let (status, _) = d.call("Leave-Group", &id, None).await;
    assert_eq!(status, 200);
    let (status, body) = app.get(&format!("/v1/groups/{id}")).await;
    assert_error(status, &body, 403, 1005);
    let (_, list) = d.call("Get-All-Groups", "", None).await;
    assert_eq!(list["groups"], json!([]));
    let (_, all) = app.get("/v1/emulator/groups").await;
    assert_eq!(all["groups"][0]["left"], true);
    assert_eq!(
        all["groups"][0]["participants"],
        json!(["16315550002", "16315550003"])
    );

    let every: BTreeSet<&str> = GROUP_OPERATIONS.iter().map(|(n, ..)| *n).collect();
    assert_eq!(d.done, every, "every operation of the collection ran");

    // The answers are the ones the spec describes.
    let spec = spec();
    check(&spec, "post", "/v1/groups", 201, &created);
    check(&spec, "get", "/v1/groups", 200, &list);
    check(&spec, "get", "/v1/groups/{id}/invite", 200, &inv);
    check(&spec, "get", "/v1/groups/{id}/icon", 200, &icon_link);
    check(&spec, "get", "/v1/emulator/groups", 200, &all);
    let other = create_group(&app, "Other").await;
    let (_, info) = app.get(&format!("/v1/groups/{other}")).await;
    check(&spec, "get", "/v1/groups/{id}", 200, &info);
    let (status, joined) = app
        .post(
            &format!("/v1/emulator/groups/{other}/participants"),
            json!({"wa_ids": ["16315550009"]}),
        )
        .await;
    check(
        &spec,
        "post",
        "/v1/emulator/groups/{id}/participants",
        status.as_u16(),
        &joined,
    );
    let (status, empty) = app
        .post(&format!("/v1/groups/{other}/leave"), json!({}))
        .await;
    check(
        &spec,
        "post",
        "/v1/groups/{id}/leave",
        status.as_u16(),
        &empty,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_icon_sent_as_multipart_is_stored_and_a_png_keeps_its_type() {
    let app = spawn_emulator().await;
    let id = create_group(&app, "Icons").await;
    let path = format!("/v1/groups/{id}/icon");
    let png = b"\x89PNG\r\n\x1a\n-rest".to_vec();
    let mut form = b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"icon.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
    form.extend_from_slice(&png);
    form.extend_from_slice(b"\r\n--B--\r\n");
    let res = app
        .authed(Method::POST, &path)
        .await
        .header("content-type", "multipart/form-data; boundary=B")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app.send_authed(Method::GET, &path).await;
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
}

/// Bad input per route: the right code and status, and the group as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_per_route_gets_the_right_code_and_changes_nothing() {
    let app = spawn_emulator().await;
    let business = business_wa_id(&app).await;
    let id = create_group(&app, "Stable").await;
    join(&app, &id, &["16315550002"]).await;
    let (_, before) = app.get(&format!("/v1/groups/{id}")).await;
    let (_, invite_before) = app.get(&format!("/v1/groups/{id}/invite")).await;
    let g = |p: &str| format!("/v1/groups/{id}{p}");
    let cases: Vec<(Method, String, Option<Value>, u16, u64)> = vec![
        (
            Method::POST,
            "/v1/groups".into(),
            Some(json!({})),
            400,
            1008,
        ),
        (
            Method::POST,
            "/v1/groups".into(),
            Some(json!({"subject": "   "})),
            400,
            1009,
        ),
        (
            Method::POST,
            "/v1/groups".into(),
            Some(json!({"subject": "x".repeat(26)})),
            400,
            1009,
        ),
        (
            Method::POST,
            "/v1/groups".into(),
            Some(json!({"subject": 5})),
            400,
            1009,
        ),
        (
            Method::POST,
            "/v1/groups".into(),
            Some(json!({"subject": "a", "extra": 1})),
            400,
            1010,
        ),
        (Method::GET, "/v1/groups/1-2".into(), None, 404, 1006),
        (
            Method::GET,
            "/v1/groups/not-a-group".into(),
            None,
            404,
            1006,
        ),
        (Method::PUT, g(""), Some(json!({})), 400, 1008),
        (
            Method::PUT,
            g(""),
            Some(json!({"subject": "y".repeat(40)})),
            400,
            1009,
        ),
        (
            Method::PUT,
            "/v1/groups/1-2".into(),
            Some(json!({"subject": "ok"})),
            404,
            1006,
        ),
        (Method::GET, "/v1/groups/1-2/invite".into(), None, 404, 1006),
        (
            Method::DELETE,
            "/v1/groups/1-2/invite".into(),
            None,
            404,
            1006,
        ),
        (
            Method::DELETE,
            g("/participants"),
            Some(json!({})),
            400,
            1008,
        ),
        (
            Method::DELETE,
            g("/participants"),
            Some(json!({"wa_ids": []})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/participants"),
            Some(json!({"wa_ids": "16315550002"})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/participants"),
            Some(json!({"wa_ids": ["not a number"]})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/participants"),
            Some(json!({"wa_ids": ["16315550002", "16315559999"]})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/participants"),
            Some(json!({"wa_ids": [business]})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            "/v1/groups/1-2/participants".into(),
            Some(json!({"wa_ids": ["16315550002"]})),
            404,
            1006,
        ),
        (
            Method::PATCH,
            g("/admins"),
            Some(json!({"wa_ids": ["16315550002", "16315559999"]})),
            400,
            1009,
        ),
        (
            Method::PATCH,
            g("/admins"),
            Some(json!({"wa_ids": []})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/admins"),
            Some(json!({"wa_ids": ["16315550002"]})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/admins"),
            Some(json!({"wa_ids": [business]})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            g("/admins"),
            Some(json!({"wa_ids": ["16315559999"]})),
            400,
            1009,
        ),
        (Method::GET, g("/icon"), None, 404, 1006),
        (Method::GET, g("/icon?format=jpeg"), None, 400, 1009),
        (Method::POST, "/v1/groups/1-2/leave".into(), None, 404, 1006),
        (
            Method::POST,
            "/v1/emulator/groups/1-2/participants".into(),
            Some(json!({"wa_ids": ["16315550005"]})),
            404,
            1006,
        ),
        (
            Method::POST,
            format!("/v1/emulator/groups/{id}/participants"),
            Some(json!({"wa_ids": ["16315550002"]})),
            400,
            1009,
        ),
        (
            Method::DELETE,
            format!("/v1/emulator/groups/{id}/participants"),
            Some(json!({"wa_ids": ["16315559999"]})),
            400,
            1009,
        ),
        (
            Method::POST,
            "/v1/emulator/groups/join".into(),
            Some(json!({"link": "https://chat.whatsapp.com/nope", "wa_id": "16315550009"})),
            404,
            1006,
        ),
        (
            Method::POST,
            "/v1/emulator/groups/join".into(),
            Some(json!({"wa_id": "16315550009"})),
            400,
            1008,
        ),
    ];
    for (method, path, body, want_status, want_code) in cases {
        let (status, answer) = app.call(method.clone(), &path, body.clone()).await;
        assert_eq!(
            (status.as_u16(), answer["errors"][0]["code"].as_u64()),
            (want_status, Some(want_code)),
            "{method} {path} {body:?} -> {answer}"
        );
    }
    // Icons: a wrong type, bytes that are not the declared type, no type, no bytes.
    let icon = g("/icon");
    for (ct, bytes, code) in [
        (Some("image/gif"), b"GIF89a".to_vec(), 1009),
        (Some("image/png"), JPEG.to_vec(), 1009),
        (None, JPEG.to_vec(), 1008),
        (Some("image/jpeg"), vec![], 1008),
    ] {
        let (status, body) = app.raw(Method::POST, &icon, ct, bytes).await;
        assert_error(status, &body, 400, code);
    }
    let (status, body) = app
        .raw(
            Method::POST,
            "/v1/groups/1-2/icon",
            Some("image/jpeg"),
            JPEG.to_vec(),
        )
        .await;
    assert_error(status, &body, 404, 1006);

    // Nothing changed: one group, same info, same invite, no icon.
    let (_, list) = app.get("/v1/groups").await;
    assert_eq!(list["groups"].as_array().unwrap().len(), 1, "{list}");
    let (_, after) = app.get(&format!("/v1/groups/{id}")).await;
    assert_eq!(after, before);
    let (_, invite_after) = app.get(&format!("/v1/groups/{id}/invite")).await;
    assert_eq!(invite_after, invite_before);
    let (_, all) = app.get("/v1/emulator/groups").await;
    assert_eq!(all["groups"][0]["has_icon"], false);
    // Without a token: 401.
    let res = app
        .client
        .get(format!("{}/v1/groups", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_forgets_groups_and_ids_stay_distinct() {
    let app = spawn_emulator().await;
    let id = create_group(&app, "Kept").await;
    join(&app, &id, &["16315550002"]).await;
    let (status, _) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(status, 200);
    let (_, list) = app.get("/v1/groups").await;
    assert_eq!(list["groups"], json!([]));
    let (status, body) = app.get(&format!("/v1/groups/{id}")).await;
    assert_error(status, &body, 404, 1006);

    // Two groups created in the same second get distinct ids.
    let a = create_group(&app, "A").await;
    let b = create_group(&app, "B").await;
    assert_ne!(a, b);
    let (_, list) = app.get("/v1/groups").await;
    assert_eq!(list["groups"].as_array().unwrap().len(), 2);
}
