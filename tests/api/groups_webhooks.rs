//! Groups and the webhook: sends to a group, customers writing in a group (`group_id`), and the
//! `system` notifications of group events.

use crate::groups::{business_wa_id, create_group, join, JPEG};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// The `system` messages received so far for a group, in arrival order.
fn system_events(received: &[Received], group: &str) -> Vec<Value> {
    all_items(received, "messages")
        .into_iter()
        .filter(|m| m["type"] == "system" && m["group_id"] == group)
        .collect()
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["system"]["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_send_is_accepted_for_a_group_of_the_business_and_refused_otherwise() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let id = create_group(&app, "Orders").await;
    join(&app, &id, &["16315550002"]).await;
    let send = |to: &str| json!({"recipient_type": "group", "to": to, "type": "text", "text": {"body": "hello all"}});
    let (status, body) = app.post("/v1/messages", send(&id)).await;
    assert_eq!(status, 201, "{body}");
    let msg = body["messages"][0]["id"].as_str().unwrap().to_string();
    // Its statuses name the group as the recipient.
    let got = rx
        .wait_until(WAIT, |r| {
            all_items(r, "statuses").iter().any(|s| s["id"] == msg)
        })
        .await;
    let statuses: Vec<Value> = all_items(&got, "statuses")
        .into_iter()
        .filter(|s| s["id"] == msg)
        .collect();
    assert!(
        statuses.iter().all(|s| s["recipient_id"] == id),
        "{statuses:?}"
    );
    let (_, sent) = app.get(&format!("/v1/emulator/messages/{msg}")).await;
    assert!(sent.to_string().contains(&id), "{sent}");

    // Unknown group, a group the business left: refused, nothing sent.
    let (status, body) = app.post("/v1/messages", send("16315550000-1")).await;
    assert_error(status, &body, 404, 1006);
    let (status, body) = app.post("/v1/messages", send("not a group")).await;
    assert_error(status, &body, 404, 1006);
    let (status, _) = app.post(&format!("/v1/groups/{id}/leave"), json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = app.post("/v1/messages", send(&id)).await;
    assert_error(status, &body, 403, 1005);
    let (_, list) = app.get("/v1/emulator/messages").await;
    assert_eq!(list["messages"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_writing_in_a_group_reaches_the_webhook_with_the_group_id() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let id = create_group(&app, "Chat").await;
    join(&app, &id, &["16315550002"]).await;

    let (status, body) = app
        .post(
            &format!("/v1/emulator/groups/{id}/messages"),
            json!({"from": "16315550002", "type": "text", "text": {"body": "hi group"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let first = body["messages"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .post(
            "/v1/emulator/inbound",
            json!({"from": "16315550002", "group_id": id, "type": "text", "text": {"body": "again"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let second = body["messages"][0]["id"].as_str().unwrap().to_string();

    let got = rx
        .wait_until(WAIT, |r| {
            let m = all_items(r, "messages");
            [&first, &second]
                .iter()
                .all(|id| m.iter().any(|x| &x["id"] == *id))
        })
        .await;
    let messages = all_items(&got, "messages");
    for (mid, text) in [(&first, "hi group"), (&second, "again")] {
        let m = messages.iter().find(|m| &m["id"] == mid).unwrap();
        assert_eq!(m["group_id"], id.as_str(), "{m}");
        assert_eq!(m["from"], "16315550002");
        assert_eq!(m["text"]["body"], text);
    }
    let with_contact = got
        .iter()
        .find(|r| r.body["messages"][0]["id"] == first.as_str())
        .unwrap();
    assert_eq!(with_contact.body["contacts"][0]["wa_id"], "16315550002");

    // Not a participant, an unknown group, a group_id twice: refused, nothing stored.
    let (_, before) = app.get("/v1/emulator/inbound").await;
    let refused = [
        (
            "/v1/emulator/inbound".to_string(),
            json!({"from": "16315559999", "group_id": id, "type": "text", "text": {"body": "x"}}),
            1009,
        ),
        (
            "/v1/emulator/inbound".to_string(),
            json!({"from": "16315550002", "group_id": "1-2", "type": "text", "text": {"body": "x"}}),
            1009,
        ),
        (
            "/v1/emulator/inbound".to_string(),
            json!({"from": "16315550002", "group_id": 7, "type": "text", "text": {"body": "x"}}),
            1009,
        ),
        (
            format!("/v1/emulator/groups/{id}/messages"),
            json!({"from": "16315550002", "group_id": id, "type": "text", "text": {"body": "x"}}),
            1010,
        ),
    ];
    for (path, body, code) in refused {
        let (status, answer) = app.post(&path, body).await;
        assert_error(status, &answer, 400, code);
    }
    let (status, answer) = app
        .post(
            "/v1/emulator/groups/1-2/messages",
            json!({"from": "16315550002", "type": "text", "text": {"body": "x"}}),
        )
        .await;
    assert_error(status, &answer, 404, 1006);
    let (_, after) = app.get("/v1/emulator/inbound").await;
    assert_eq!(after["messages"], before["messages"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_events_reach_the_webhook_as_system_messages() {
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let business = business_wa_id(&app).await;
    let id = create_group(&app, "Events").await;
    let g = |p: &str| format!("/v1/groups/{id}{p}");

    join(&app, &id, &["16315550002", "16315550003"]).await;
    let (s1, _) = app
        .call(Method::PUT, &g(""), Some(json!({"subject": "Renamed"})))
        .await;
    let (s2, _) = app
        .patch(&g("/admins"), json!({"wa_ids": ["16315550002"]}))
        .await;
    let (s3, _) = app
        .call(
            Method::DELETE,
            &g("/admins"),
            Some(json!({"wa_ids": ["16315550002"]})),
        )
        .await;
    let (s4, _) = app.call(Method::DELETE, &g("/invite"), None).await;
    let (s5, _) = app
        .raw(Method::POST, &g("/icon"), Some("image/jpeg"), JPEG.to_vec())
        .await;
    let (s6, _) = app.call(Method::DELETE, &g("/icon"), None).await;
    let (s7, _) = app
        .call(
            Method::DELETE,
            &g("/participants"),
            Some(json!({"wa_ids": ["16315550002"]})),
        )
        .await;
    let (s8, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/emulator/groups/{id}/participants"),
            Some(json!({"wa_ids": ["16315550003"]})),
        )
        .await;
    let (s9, _) = app.post(&g("/leave"), json!({})).await;
    for s in [s1, s2, s3, s4, s5, s6, s7, s8, s9] {
        assert_eq!(s, 200);
    }

    let want = [
        "group_created",
        "group_user_joined",
        "group_user_joined",
        "group_subject_changed",
        "group_user_promoted",
        "group_user_demoted",
        "group_invite_link_revoked",
        "group_icon_changed",
        "group_icon_deleted",
        "group_user_left",
        "group_user_left",
        "group_user_left",
    ];
    let got = rx
        .wait_until(WAIT, |r| system_events(r, &id).len() >= want.len())
        .await;
    let events = system_events(&got, &id);
    // One group's events arrive in the order they happened.
    assert_eq!(kinds(&events), want);
    for e in &events {
        assert!(e["id"].as_str().unwrap().starts_with("ABGG"), "{e}");
        assert!(
            e["timestamp"].as_str().unwrap().parse::<u64>().is_ok(),
            "{e}"
        );
        assert_eq!(e["system"]["group_id"], id.as_str());
        assert_eq!(e["from"], e["system"]["operator"]);
    }
    let by = |i: usize| {
        (
            events[i]["system"]["operator"].clone(),
            events[i]["system"]["users"].clone(),
        )
    };
    assert_eq!(by(0).0, business.as_str());
    assert_eq!(by(1), (json!("16315550002"), json!(["16315550002"])));
    assert_eq!(by(4), (json!(business), json!(["16315550002"])));
    assert!(events[3]["system"]["body"]
        .as_str()
        .unwrap()
        .contains("Renamed"));
    // Removed by the business; left on their own; the business left.
    assert_eq!(by(9), (json!(business), json!(["16315550002"])));
    assert_eq!(by(10), (json!("16315550003"), json!(["16315550003"])));
    assert_eq!(by(11), (json!(business), json!([business])));
    // A system notification carries no contacts.
    assert!(got
        .iter()
        .filter(|r| r.body["messages"][0]["type"] == "system")
        .all(|r| r.body.get("contacts").is_none()));
}

/// The inspector's Groups tab, in a real headless Chromium: lists the groups, makes a customer
/// join and write in one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_groups_tab_shows_groups_and_plays_their_customers() {
    if !crate::browser::available() {
        return;
    }
    let app = spawn_emulator().await;
    let rx = TestReceiver::start().await;
    app.use_receiver(&rx, json!({})).await;
    let id = create_group(&app, "Tab group").await;
    let br = crate::browser::Browser::start(&app.base).await;
    br.sign_in("admin", "secret").await;
    br.click("#tab-groups").await;
    br.wait(&format!("#groups tr[data-group-id='{id}']")).await;
    br.wait(&format!("#group-id option[value='{id}']")).await;
    br.type_into("#group-from", "16315550002").await;
    br.click("#group-join").await;
    let got = rx
        .wait_until(WAIT, |r| {
            kinds(&system_events(r, &id)).contains(&"group_user_joined".to_string())
        })
        .await;
    assert_eq!(system_events(&got, &id)[1]["from"], "16315550002");
    br.type_into("#group-text", "Hi from the Groups tab").await;
    br.click("#group-write").await;
    let got = rx
        .wait_until(WAIT, |r| {
            all_items(r, "messages")
                .iter()
                .any(|m| m["text"]["body"] == "Hi from the Groups tab")
        })
        .await;
    let m = all_items(&got, "messages")
        .into_iter()
        .find(|m| m["text"]["body"] == "Hi from the Groups tab")
        .unwrap();
    assert_eq!(m["group_id"], id.as_str());
    // The row shows the new participant.
    let row = br
        .wait(&format!("#groups tr[data-group-id='{id}']"))
        .await
        .text()
        .await
        .unwrap();
    assert!(row.contains("16315550002"), "{row}");
    br.stop().await;
}
