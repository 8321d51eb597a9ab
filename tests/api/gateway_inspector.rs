//! The inspector's SMS gateways tab shows what went through SMSGateway24's and RaspiSMS's own
//! APIs (sent with their statuses, received), live; `UPDATE_SCREENSHOTS=1` saves the gateways
//! and Cloud tabs to docs/.

use crate::browser::{self, Browser};
use crate::gateways::{fire, put};
use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateways_tab_lists_what_went_through_their_apis() {
    if !browser::available() {
        return;
    }
    let app = spawn_emulator().await;
    let sgw = put(
        &app,
        "smsgateway24",
        json!({"device_id": 260, "device_name": "SM-F NIK!", "webhooks": {}}),
    )
    .await;
    let token = sgw["token"].as_str().expect("token").to_string();
    put(
        &app,
        "raspisms",
        json!({"api_key": "inspector-key", "webhooks": []}),
    )
    .await;
    put(&app, "zender", json!({"webhooks": []})).await;
    let (s, b) = app
        .call(
            reqwest::Method::PUT,
            "/v1/emulator/rules",
            Some(json!({"rules": [{"number": "4915550000010", "action": "fail", "code": 10}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let br = Browser::start(&app.base).await;
    br.sign_in("admin", "secret").await;
    br.click("#tab-gateways").await;
    br.wait("#gw-smsgateway24-messages").await;

    // Sent while the page is open: the rows appear live (the gateway_message event).
    for (to, text) in [
        ("+49 157 52982212", "Your code is 4711"),
        ("+4915550000010", "Out of coverage"),
    ] {
        let res = app
            .client
            .post(format!("{}/smsgateway24/getdata/addsms", app.base))
            .form(&[
                ("token", token.as_str()),
                ("sendto", to),
                ("body", text),
                ("device_id", "260"),
            ])
            .send()
            .await
            .expect("addsms");
        assert_eq!(res.status(), 200);
    }
    fire(
        &app,
        "smsgateway24",
        json!({"event": "incoming", "data": {"address": "+4915752982212", "body": "Thanks!"}}),
    )
    .await;
    let res = app
        .client
        .post(format!("{}/raspisms/api/scheduled/", app.base))
        .header("X-Api-Key", "inspector-key")
        .form(&[
            ("text", "Rendez-vous à 10h"),
            ("numbers[]", "+33612345678"),
            ("numbers[]", "+33687654321"),
        ])
        .send()
        .await
        .expect("scheduled");
    assert_eq!(res.status(), 201);
    fire(
        &app,
        "raspisms",
        json!({"event": "receive_sms", "data": {"text": "OK merci", "origin": "+33612345678"}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await; // every status reached (10/20 ms delays)
    br.click("#tab-cloud").await;
    br.click("#tab-gateways").await;

    br.wait("#gw-smsgateway24-messages tr[data-direction='received']")
        .await;
    let table = br
        .wait("#gw-smsgateway24-messages")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        table.contains("Your code is 4711") && table.contains("7 Delivered"),
        "{table}"
    );
    assert!(
        table.contains("10 No service") && table.contains("Thanks!"),
        "{table}"
    );
    br.wait("#gw-raspisms-messages tr[data-direction='received']")
        .await;
    let table = br
        .wait("#gw-raspisms-messages")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        table.contains("Rendez-vous à 10h")
            && table.contains("delivered")
            && table.contains("OK merci"),
        "{table}"
    );
    br.js("document.querySelector('#gateway-smsgateway24').scrollIntoView()")
        .await;
    br.screenshot("inspector-gateways.png").await;

    // The Cloud tab with a customer's message sent from it, delivered to a Cloud webhook.
    let rx = TestReceiver::start().await;
    assert_eq!(app.upload_ca(&rx.ca_pem).await, 200);
    rx.set_verify_token(Some("inspector-verify"));
    let (s, cloud) = app
        .call(
            reqwest::Method::PUT,
            "/v1/emulator/cloud",
            Some(json!({"verify_token": "inspector-verify", "webhook": {"url": rx.url}})),
        )
        .await;
    assert_eq!(s, 200, "{cloud}");
    let number = cloud["cloud"]["numbers"][0]["phone_number_id"]
        .as_str()
        .expect("a number")
        .to_string();
    br.click("#tab-cloud").await;
    br.wait(&format!("#cloud-number option[value='{number}']"))
        .await;
    br.type_into("#cloud-from", "16315551001").await;
    br.type_into("#cloud-text", "Hi from the Cloud tab").await;
    br.click("#cloud-send").await;
    rx.wait_for(1, Duration::from_secs(15)).await;
    br.wait("#panel-cloud article.callback").await;
    br.screenshot("inspector-cloud.png").await;
    br.stop().await;
}
