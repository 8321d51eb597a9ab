//! Cloud block lists: block (only users who wrote in the last 24 hours), the partial-failure
//! answer, the list, sends to a blocked user refused, their inbound dropped, unblock (a DELETE
//! with a JSON body) restoring both, bad input and reset.

use crate::cloud::*;
use crate::cloud_numbers::{call, number_state, param_error};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ALICE: &str = "16315550101";
const BOB: &str = "16315550202";

fn users(list: &[&str]) -> Value {
    json!({"messaging_product": "whatsapp", "block_users": list.iter().map(|u| json!({"user": u})).collect::<Vec<_>>()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_users_cannot_be_messaged_and_are_not_heard_until_unblocked() {
    let (app, rx, _) = cloud_app().await;
    let path = format!("/v21.0/{N1}/block_users");
    inbound(&app, N1, ALICE, "hello").await;
    rx.wait_for(1, WAIT).await;

    // Alice wrote today: blocked. Bob never wrote: 131047. Meta answers 400 with both.
    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        Some(users(&["+1 631-555-0101", BOB])),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(
        body["block_users"]["added_users"],
        json!([{"input": "+1 631-555-0101", "wa_id": ALICE}])
    );
    let failed = &body["block_users"]["failed_users"][0];
    assert_eq!(
        (&failed["input"], &failed["wa_id"]),
        (&json!(BOB), &json!(BOB))
    );
    assert_eq!(failed["errors"][0]["code"], 131047, "{body}");
    assert!(failed["errors"][0]["error_data"]["details"].is_string());
    assert_eq!(body["error"]["code"], 139100);
    assert_eq!(
        body["error"]["message"],
        "(#139100) Failed to block/unblock users"
    );

    let (status, list) = call(&app, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list["data"],
        json!([{"messaging_product": "whatsapp", "input": "+1 631-555-0101", "wa_id": ALICE}])
    );
    assert_eq!(
        number_state(&app, N1).await["blocked_users"],
        json!([ALICE])
    );

    // Blocking again is fine (200, nothing failed); the number itself cannot be blocked.
    let (status, body) = call(&app, Method::POST, &path, Some(users(&[ALICE]))).await;
    assert_eq!(
        (
            status.as_u16(),
            &body["block_users"]["added_users"][0]["wa_id"]
        ),
        (200, &json!(ALICE)),
        "{body}"
    );
    let (status, body) = call(&app, Method::POST, &path, Some(users(&["15550001111"]))).await;
    assert_eq!(
        (
            status.as_u16(),
            &body["block_users"]["failed_users"][0]["errors"][0]["code"]
        ),
        (400, &json!(131021)),
        "{body}"
    );

    // A send to Alice is refused; her messages are dropped (no webhook, not stored).
    let text = json!({"to": ALICE, "text": {"body": "are you there?"}});
    let (status, body) = send(&app, N1, "v21.0", text.clone()).await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!(131026)),
        "{body}"
    );
    let (status, dropped) = app
        .post("/v1/emulator/cloud/inbound", json!({"phone_number_id": N1, "from": ALICE, "type": "text", "text": {"body": "let me in"}}))
        .await;
    assert_eq!(status, 200, "{dropped}");
    assert_eq!(
        (&dropped["messages"], &dropped["dropped"]),
        (&json!([]), &json!("blocked"))
    );
    // Blocks are per number: N2 still hears Alice.
    inbound(&app, N2, ALICE, "other number").await;
    let got = rx.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bodies: Vec<String> = rx.received().iter().map(|r| r.body.to_string()).collect();
    assert_eq!(got.len(), 2);
    assert!(
        !bodies.iter().any(|b| b.contains("let me in")),
        "{bodies:?}"
    );
    assert!(bodies.iter().any(|b| b.contains("other number")));

    // Unblock: a DELETE with a JSON body, as pywa sends it.
    let (status, body) = call(&app, Method::DELETE, &path, Some(users(&[ALICE]))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"messaging_product": "whatsapp", "block_users": {"removed_users": [{"input": ALICE, "wa_id": ALICE}]}})
    );
    let (_, list) = call(&app, Method::GET, &path, None).await;
    assert_eq!(list, json!({"data": []}));
    let (status, body) = send(&app, N1, "v21.0", text).await;
    assert_eq!(status, 200, "{body}");
    inbound(&app, N1, ALICE, "back again").await;
    rx.wait_until(WAIT, |r| {
        r.iter().any(|x| x.body.to_string().contains("back again"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_block_requests_answer_graph_errors_and_store_nothing_and_reset_forgets() {
    let (app, _rx, _) = cloud_app().await;
    let path = format!("/v21.0/{N1}/block_users");
    inbound(&app, N1, ALICE, "hello").await;
    for (body, words) in [
        (
            json!({"block_users": [{"user": ALICE}]}),
            "The parameter messaging_product is required",
        ),
        (
            json!({"messaging_product": "whatsapp"}),
            "The parameter block_users is required",
        ),
        (
            json!({"messaging_product": "whatsapp", "block_users": []}),
            "at least one",
        ),
        (
            json!({"messaging_product": "whatsapp", "block_users": "nope"}),
            "must be an array",
        ),
        (
            json!({"messaging_product": "whatsapp", "block_users": [{"user": ALICE}, {"name": "x"}]}),
            "block_users[1]",
        ),
        (
            json!({"messaging_product": "whatsapp", "block_users": [{"user": ALICE}], "colour": 1}),
            "colour",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &path, Some(body)).await;
        param_error(status, &answer, words);
    }
    let (status, body) = call(&app, Method::GET, &format!("{path}?limit=500"), None).await;
    param_error(status, &body, "limit");
    assert_eq!(number_state(&app, N1).await["blocked_users"], json!([]));
    let (status, body) = call(
        &app,
        Method::POST,
        "/v21.0/31337/block_users",
        Some(users(&[ALICE])),
    )
    .await;
    crate::cloud_errors::unknown_object(status, &body);
    // Not a phone number / a BSUID: failed items, 400 with 139100, nothing added.
    let (status, body) = call(&app, Method::POST, &path, Some(json!({"messaging_product": "whatsapp", "block_users": [{"user": "call me"}, {"user_id": "US.123"}]}))).await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!(139100)),
        "{body}"
    );
    assert_eq!(body["block_users"]["added_users"], json!([]));
    assert_eq!(
        body["block_users"]["failed_users"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (status, _) = call(&app, Method::POST, &path, Some(users(&[ALICE]))).await;
    assert_eq!(status, 200);
    let (status, _) = app.post("/v1/emulator/reset", json!({})).await;
    assert_eq!(status, 200);
    let (_, list) = call(&app, Method::GET, &path, None).await;
    assert_eq!(list, json!({"data": []}));
}

/// The inspector's Cloud tab shows each number's registration, PIN, pending code and block list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_tab_shows_registration_the_pin_the_code_and_blocks() {
    use crate::browser::{self, Browser};
    if !browser::available() {
        return;
    }
    let (app, _rx, _) = cloud_app().await;
    inbound(&app, N1, ALICE, "hello").await;
    for (path, body) in [
        (format!("/v21.0/{N1}/block_users"), Some(users(&[ALICE]))),
        (format!("/v21.0/{N1}/deregister"), None),
        (format!("/v21.0/{N1}"), Some(json!({"pin": "424242"}))),
        (
            format!("/v21.0/{N1}/request_code?code_method=VOICE&language=en"),
            None,
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &path, body).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    let code = number_state(&app, N1).await["verification_code"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let br = Browser::start(&app.base).await;
    br.sign_in("admin", "secret").await;
    br.click("#tab-cloud").await;
    let row = format!("#cloud-number-states tr[data-phone-number-id='{N1}']");
    let text = |css: &'static str| {
        let row = row.clone();
        let br = &br;
        async move { br.wait(&format!("{row} {css}")).await.text().await.unwrap() }
    };
    assert_eq!(text("td.blocked").await, ALICE);
    assert!(text("td.registered").await.starts_with("no"));
    assert_eq!(text("td.pin").await, "424242");
    assert_eq!(text("td.code").await, format!("{code} (VOICE)"));
    let other = format!("#cloud-number-states tr[data-phone-number-id='{N2}'] td.blocked");
    assert_eq!(br.wait(&other).await.text().await.unwrap(), "none");
    br.screenshot_to(&std::env::temp_dir().join("inspector-cloud-numbers.png"))
        .await;
    br.stop().await;
}
