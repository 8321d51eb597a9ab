//! `POST /v1/certificates/external`: the listener serves an uploaded chain to every NEW TLS
//! handshake without a restart (and after one); a bad upload is refused and the old one serves.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use wa_onprem_emulator::tls::DevPki;

/// The leaf certificate (DER) the emulator presents on a new connection, trusting only `ca_pem`;
/// None when the handshake fails.
async fn served_leaf(port: u16, ca_pem: &str) -> Option<Vec<u8>> {
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .tls_info(true)
        .build()
        .unwrap();
    let res = client
        .get(format!("https://localhost:{port}/v1/health"))
        .send()
        .await
        .ok()?;
    assert_eq!(res.status(), 200);
    res.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .map(<[u8]>::to_vec)
}

fn leaf_der(chain_pem: &str) -> Vec<u8> {
    let mut reader = std::io::BufReader::new(chain_pem.as_bytes());
    let first = rustls_pemfile::certs(&mut reader).next();
    first.unwrap().unwrap().to_vec()
}

async fn upload(api: &Api, pem: String) -> (StatusCode, Value) {
    api.raw(
        Method::POST,
        "/v1/certificates/external",
        Some("text/plain"),
        pem,
    )
    .await
}

fn fresh_pki(name: &str) -> DevPki {
    DevPki::generate(name, &["localhost".into(), "127.0.0.1".into()]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_chain_is_served_to_new_handshakes() {
    let app = spawn_emulator().await;
    let old_ca = std::fs::read_to_string(app.dir.path().join("certs/ca.pem")).unwrap();
    let old_leaf = served_leaf(app.port, &old_ca)
        .await
        .expect("the generated cert serves");

    let token = app.token().await;
    let pki = fresh_pki("uploaded CA");
    let (status, body) = upload(&app, format!("{}{}", pki.cert_pem, pki.key_pem)).await;
    let new_client = client_for(&pki.ca_pem);
    assert_eq!(status, 200, "{body}");
    let new_leaf = served_leaf(app.port, &pki.ca_pem)
        .await
        .expect("a new handshake sees the upload");
    assert_eq!(new_leaf, leaf_der(&pki.cert_pem));
    assert_ne!(new_leaf, old_leaf);
    assert!(
        served_leaf(app.port, &old_ca).await.is_none(),
        "the old CA no longer verifies"
    );
    let ca = download_ca(&new_client, &app.base).await;
    assert_eq!(
        ca.trim(),
        pki.ca_pem.trim(),
        "the CA download follows the upload"
    );

    // Key first, then the chain, is accepted too; a new client of the new CA uploads it.
    let other = fresh_pki("second CA");
    let res = new_client
        .post(format!("{}/v1/certificates/external", app.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(format!("{}{}", other.key_pem, other.cert_pem))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        served_leaf(app.port, &other.ca_pem).await,
        Some(leaf_der(&other.cert_pem))
    );

    // A chain of the leaf alone: served, and there is no CA to download.
    let end = other.cert_pem.find("-----END CERTIFICATE-----").unwrap() + 25;
    let client = client_for(&other.ca_pem);
    let res = client
        .post(format!("{}/v1/certificates/external", app.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(format!("{}\n{}", &other.cert_pem[..end], other.key_pem))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = client_for(&other.ca_pem)
        .get(format!("{}/v1/certificates/external/ca", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], 1006);
}

async fn download_ca(client: &reqwest::Client, base: &str) -> String {
    let res = client
        .get(format!("{base}/v1/certificates/external/ca"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_chain_is_refused_and_the_old_one_keeps_serving() {
    let app = spawn_emulator().await;
    let ca = std::fs::read_to_string(app.dir.path().join("certs/ca.pem")).unwrap();
    let leaf = served_leaf(app.port, &ca).await.unwrap();
    let a = fresh_pki("a");
    let b = fresh_pki("b");
    let garbage = "-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----\n";
    for (pem, why) in [
        (
            format!("{}{}", a.cert_pem, b.key_pem),
            "key of another certificate",
        ),
        (a.cert_pem.clone(), "no key"),
        (a.key_pem.clone(), "no certificate"),
        (format!("{garbage}{}", a.key_pem), "not X.509"),
        (
            format!("{}{}{}", a.cert_pem, a.key_pem, b.key_pem),
            "two keys",
        ),
        ("hello".to_string(), "not PEM"),
    ] {
        let (status, body) = upload(&app, pem).await;
        assert_error(status, &body, 400, 1009);
        assert!(
            body["errors"][0]["details"]
                .as_str()
                .unwrap()
                .starts_with("certificate"),
            "{why}: {body}"
        );
        assert_eq!(
            served_leaf(app.port, &ca).await.as_deref(),
            Some(&leaf[..]),
            "{why}"
        );
    }
    let (status, body) = app
        .raw(
            Method::POST,
            "/v1/certificates/external",
            Some("application/json"),
            "{}",
        )
        .await;
    assert_error(status, &body, 400, 1025);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_survives_a_restart_and_reset_restores_the_generated_one() {
    let dir = tempfile::tempdir().unwrap();
    let pki = fresh_pki("kept CA");
    let mut first = EmulatorProcess::start(dir.path(), &[]);
    let (status, body) = upload(&first.api, format!("{}{}", pki.cert_pem, pki.key_pem)).await;
    assert_eq!(status, 200, "{body}");
    first.terminate();

    let second = EmulatorProcess::start(dir.path(), &[]);
    let port: u16 = second.api.base.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(
        served_leaf(port, &pki.ca_pem).await,
        Some(leaf_der(&pki.cert_pem))
    );

    let admin = client_for(&pki.ca_pem);
    let login = admin
        .post(format!("{}/v1/users/login", second.api.base))
        .basic_auth("admin", Some("secret"))
        .send()
        .await
        .unwrap();
    let login: Value = login.json().await.unwrap();
    let token = login["users"][0]["token"].as_str().unwrap().to_string();
    let res = admin
        .post(format!("{}/v1/emulator/reset", second.api.base))
        .bearer_auth(token)
        .json(&serde_json::json!({"certificates": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let generated = std::fs::read_to_string(dir.path().join("certs/ca.pem")).unwrap();
    assert!(
        served_leaf(port, &generated).await.is_some(),
        "back to the generated certificate"
    );
}
