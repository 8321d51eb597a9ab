use crate::helpers::*;
use reqwest::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_ca_round_trip() {
    let app = spawn_emulator().await;
    let res = app
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    assert_eq!(res.status(), 404);
    assert!(
        res.bytes().await.unwrap().is_empty(),
        "404 with no body, as the real API"
    );

    let pki = wa_onprem_emulator::tls::DevPki::generate("some CA", &["localhost".into()]).unwrap();
    assert_eq!(app.upload_ca(&pki.ca_pem).await, 200);
    let res = app
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(res.text().await.unwrap(), pki.ca_pem);

    let (status, body) = app
        .raw(
            Method::POST,
            "/v1/certificates/webhooks/ca",
            Some("text/plain"),
            "not a pem",
        )
        .await;
    assert_error(status, &body, 400, 1009);

    let (status, _) = app
        .call(Method::DELETE, "/v1/certificates/webhooks/ca", None)
        .await;
    assert_eq!(status, 200);
    let res = app
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    assert_eq!(res.status(), 404);
    let (status, body) = app
        .call(Method::DELETE, "/v1/certificates/webhooks/ca", None)
        .await;
    assert_error(status, &body, 404, 1006);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_ca_is_downloadable_without_auth() {
    let app = spawn_emulator().await;
    let res = app
        .client
        .get(format!("{}/v1/certificates/external/ca", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let pem = res.text().await.unwrap();
    assert_eq!(
        pem,
        std::fs::read_to_string(app.dir.path().join("certs/ca.pem")).unwrap()
    );
    // A client pinning only that CA can talk to the emulator (the test client already does).
    let res = client_for(&pem)
        .get(format!("{}/v1/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_well_formed_certificates_are_accepted() {
    use base64::Engine;
    let app = spawn_emulator().await;
    let ca = |name: &str| {
        wa_onprem_emulator::tls::DevPki::generate(name, &["localhost".into()])
            .unwrap()
            .ca_pem
    };
    let (first, second) = (ca("first CA"), ca("second CA"));
    let block =
        |b64: &str| format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
    let not_der = base64::engine::general_purpose::STANDARD.encode(b"base64, but not DER");
    let cases = [
        (block("garbage"), "block 1 of 1"),
        (block(&not_der), "block 1 of 1"),
        (format!("{first}{}", block(&not_der)), "block 2 of 2"),
    ];
    for (pem, which) in cases {
        let (status, body) = app
            .raw(
                Method::POST,
                "/v1/certificates/webhooks/ca",
                Some("text/plain"),
                pem,
            )
            .await;
        assert_error(status, &body, 400, 1009);
        let details = body["errors"][0]["details"].as_str().unwrap();
        assert!(
            details.contains(which) && details.contains("X.509"),
            "{details}"
        );
    }
    let res = app
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    assert_eq!(res.status(), 404, "nothing refused was stored");

    let bundle = format!("{first}{second}");
    assert_eq!(app.upload_ca(&bundle).await, 200);
    let res = app
        .send_authed(Method::GET, "/v1/certificates/webhooks/ca")
        .await;
    assert_eq!(res.text().await.unwrap(), bundle);
}
