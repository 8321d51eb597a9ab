//! An example HTTPS webhook receiver for the emulator: prints every notification and answers
//! 200, or fails a share of requests / answers slowly so you can watch the retry behaviour.
//!
//!     cargo run -- certs                     # once: certs/ca.pem, certs/receiver.pem, ...
//!     cargo run --example receiver           # serves with certs/receiver.pem and certs/receiver-key.pem
//!     cargo run --example receiver -- --fail-rate 0.5 --delay-ms 300
//!
//! Upload `certs/ca.pem` at `POST /v1/certificates/webhooks/ca` and point `webhooks.url` at
//! `https://localhost:8443/webhook`.

use actix_web::{web, App, HttpResponse, HttpServer};
use clap::Parser;
use rand::Rng;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Clone)]
#[command(about = "Example HTTPS webhook receiver for wa-onprem-emulator")]
struct Args {
    /// Listen address.
    #[arg(long, env = "RECEIVER_ADDR", default_value = "127.0.0.1:8443")]
    addr: String,
    /// PEM certificate chain (made by `wa-onprem-emulator certs`).
    #[arg(long, env = "RECEIVER_CERT", default_value = "certs/receiver.pem")]
    cert: PathBuf,
    /// PEM private key.
    #[arg(long, env = "RECEIVER_KEY", default_value = "certs/receiver-key.pem")]
    key: PathBuf,
    /// Share of requests answered 500 (0.0 to 1.0).
    #[arg(long, env = "RECEIVER_FAIL_RATE", default_value_t = 0.0)]
    fail_rate: f64,
    /// Answer after this many milliseconds.
    #[arg(long, env = "RECEIVER_DELAY_MS", default_value_t = 0)]
    delay_ms: u64,
    /// The success status (the emulator only counts 200 as delivered).
    #[arg(long, env = "RECEIVER_STATUS", default_value_t = 200)]
    status: u16,
    /// Also print each body as pretty JSON.
    #[arg(long, env = "RECEIVER_VERBOSE")]
    verbose: bool,
}

/// One line per notification: counts, then each status and message with its id.
fn summary(body: &Value) -> String {
    let mut parts = Vec::new();
    for s in body["statuses"].as_array().into_iter().flatten() {
        parts.push(format!(
            "status {} {} -> {}",
            s["status"].as_str().unwrap_or("?"),
            s["id"].as_str().unwrap_or("?"),
            s["recipient_id"].as_str().unwrap_or("?")
        ));
    }
    for m in body["messages"].as_array().into_iter().flatten() {
        parts.push(format!(
            "message {} {} from {}",
            m["type"].as_str().unwrap_or("?"),
            m["id"].as_str().unwrap_or("?"),
            m["from"].as_str().unwrap_or("?")
        ));
    }
    for e in body["errors"].as_array().into_iter().flatten() {
        parts.push(format!(
            "error {} {}",
            e["code"],
            e["title"].as_str().unwrap_or("?")
        ));
    }
    parts.join("; ")
}

async fn receive(args: web::Data<Args>, body: web::Bytes) -> HttpResponse {
    if args.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(args.delay_ms)).await;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        println!("{now} 400 not JSON ({} bytes)", body.len());
        return HttpResponse::BadRequest().finish();
    };
    let fail = rand::thread_rng().gen_bool(args.fail_rate.clamp(0.0, 1.0));
    let status = if fail { 500 } else { args.status };
    println!("{now} {status} {}", summary(&json));
    if args.verbose {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    }
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .finish()
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).map_err(|e| {
            format!(
                "{}: {e} (make the certificates with `wa-onprem-emulator certs`, i.e. `cargo run -- certs`)",
                path.display()
            )
        })
    };
    let tls = wa_onprem_emulator::tls::rustls_server_config(&read(&args.cert)?, &read(&args.key)?)?;
    println!(
        "receiver listening on https://{} (fail rate {}, delay {} ms)",
        args.addr, args.fail_rate, args.delay_ms
    );
    let addr = args.addr.clone();
    let data = web::Data::new(args);
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .bind_rustls_0_23(addr, tls)?
    .run()
    .await?;
    Ok(())
}
