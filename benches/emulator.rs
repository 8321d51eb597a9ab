//! The emulator's performance, end to end on loopback over HTTPS, in one table.
//!
//!     cargo bench --bench emulator
//!
//! Environment: BENCH_RUNS (repeats per scenario, default 3), BENCH_SECS (length of the sustained
//! run, default 30), BENCH_ONLY (comma-separated scenarios: startup,post,noop,cloud,ceiling,e2e,latency,backlog,
//! backlog1m), BENCH_BACKLOG (pending callbacks of backlog1m, default 1000000), BENCH_BINARIES (label=path,...:
//! emulator binaries to compare, runs interleaved; default the one built with the bench).
//! The emulator is the release binary in a child process with callback_persist=true; the load
//! generator and a no-op HTTPS webhook receiver run in this process. Nothing here asserts timings.

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wa_onprem_emulator::tls::DevPki;

const CONNECTIONS: usize = 64;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn enabled(name: &str) -> bool {
    std::env::var("BENCH_ONLY")
        .map(|v| v.split(',').any(|s| s == name))
        .unwrap_or(true)
}

/// The emulator as a child process.
struct Emulator {
    child: Child,
    base: String,
    client: reqwest::Client,
    token: String,
    _dir: tempfile::TempDir,
}

impl Emulator {
    async fn start(extra: &[&str]) -> (Emulator, Duration) {
        let dir = tempfile::tempdir().expect("temp dir");
        let started = Instant::now();
        let mut child = Command::new(BINARY.lock().unwrap().clone())
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "--https-addr",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--log",
                "warn,wa_onprem_emulator=info",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the release binary");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening") {
                    let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                    let port = v["https"]
                        .as_str()
                        .and_then(|u| u.rsplit(':').next())
                        .and_then(|p| p.parse::<u16>().ok());
                    let _ = tx.send(port.unwrap_or(0));
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("emulator port");
        let ca = loop {
            if let Ok(pem) = std::fs::read(dir.path().join("certs/ca.pem")) {
                break pem;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .pool_max_idle_per_host(CONNECTIONS)
            .build()
            .unwrap();
        let base = format!("https://localhost:{port}");
        loop {
            if matches!(client.get(format!("{base}/v1/health")).send().await, Ok(r) if r.status() == 200)
            {
                break;
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        let ready = started.elapsed();
        let login: Value = client
            .post(format!("{base}/v1/users/login"))
            .basic_auth("admin", Some("secret"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["users"][0]["token"].as_str().unwrap().to_string();
        (
            Emulator {
                child,
                base,
                client,
                token,
                _dir: dir,
            },
            ready,
        )
    }

    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        kb / 1024.0
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        res.json().await.unwrap_or(Value::Null)
    }

    async fn use_receiver(&self, rx: &Receiver, settings: Value) {
        self.client
            .post(format!("{}/v1/certificates/webhooks/ca", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "text/plain")
            .body(rx.ca.clone())
            .send()
            .await
            .unwrap();
        let mut patch = json!({"webhooks": {"url": rx.url, "max_concurrent_requests": 24}});
        if let (Some(p), Some(s)) = (patch.as_object_mut(), settings.as_object()) {
            for (k, v) in s {
                p.insert(k.clone(), v.clone());
            }
        }
        let answer = self
            .call(reqwest::Method::PATCH, "/v1/settings/application", patch)
            .await;
        assert!(answer.get("errors").is_none(), "{answer}");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A no-op HTTPS webhook receiver: answers 200 (or 503 while `down`), counts notifications and
/// records when each status id arrived.
struct Receiver {
    url: String,
    ca: String,
    statuses: Arc<AtomicU64>,
    down: Arc<std::sync::atomic::AtomicBool>,
    arrivals: Arc<Mutex<HashMap<String, Instant>>>,
    record: Arc<std::sync::atomic::AtomicBool>,
}

fn count(hay: &[u8], needle: &[u8]) -> u64 {
    hay.windows(needle.len()).filter(|w| *w == needle).count() as u64
}

impl Receiver {
    fn start() -> Receiver {
        let pki = DevPki::generate("bench receiver CA", &["localhost".into()]).unwrap();
        let tls =
            wa_onprem_emulator::tls::rustls_server_config(&pki.cert_pem, &pki.key_pem).unwrap();
        let statuses = Arc::new(AtomicU64::new(0));
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let arrivals = Arc::new(Mutex::new(HashMap::new()));
        let record = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, d, a, r) = (
            statuses.clone(),
            down.clone(),
            arrivals.clone(),
            record.clone(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    let (s, d, a, r) = (s.clone(), d.clone(), a.clone(), r.clone());
                    App::new().default_service(web::to(move |body: web::Bytes| {
                        let (s, d, a, r) = (s.clone(), d.clone(), a.clone(), r.clone());
                        async move {
                            if d.load(Ordering::Relaxed) {
                                return HttpResponse::ServiceUnavailable().finish();
                            }
                            s.fetch_add(
                                count(&body, b"\"recipient_id\"") + count(&body, b"\"code\""),
                                Ordering::Relaxed,
                            );
                            if r.load(Ordering::Relaxed) {
                                let now = Instant::now();
                                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                                    let mut map = a.lock().unwrap();
                                    for st in v["statuses"].as_array().into_iter().flatten() {
                                        map.insert(
                                            format!(
                                                "{}:{}",
                                                st["id"].as_str().unwrap_or(""),
                                                st["status"].as_str().unwrap_or("")
                                            ),
                                            now,
                                        );
                                    }
                                }
                            }
                            HttpResponse::Ok().finish()
                        }
                    }))
                })
                .workers(1)
                .disable_signals()
                .listen_rustls_0_23(listener, tls)
                .unwrap()
                .run()
                .await
                .unwrap();
            });
        });
        Receiver {
            url: format!("https://localhost:{port}/webhook"),
            ca: pki.ca_pem,
            statuses,
            down,
            arrivals,
            record,
        }
    }
}

/// Whether `wrk` (Debian package `wrk`) is on PATH: it costs far less CPU than a Rust client,
/// so on a 2-core machine it leaves more of the machine to the server under test.
fn wrk_available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// An emulator whose statuses are due at once (statuses due together share a POST), webhooks
/// to a fresh no-op receiver: the end-to-end scenarios.
async fn instant_statuses(queue_limit: &str) -> (Receiver, Emulator) {
    let rx = Receiver::start();
    let (emu, _) = Emulator::start(&[
        "--status-sent-ms",
        "0",
        "--status-delivered-ms",
        "0",
        "--status-read-ms",
        "0",
        "--callback-batch-max",
        "64",
        "--callback-queue-limit",
        queue_limit,
    ])
    .await;
    emu.use_receiver(&rx, json!({})).await;
    (rx, emu)
}

/// Requests/s of `CONNECTIONS` keep-alive connections POSTing `body` (GET when it is empty) for
/// `secs`: wrk (1 thread) when installed, else the Rust client below.
async fn load(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &'static [u8],
    secs: f64,
    expect: u16,
) -> f64 {
    if !wrk_available() {
        return load_rust(client, url, token, body, secs, expect).await;
    }
    let lua = if body.is_empty() {
        get_script(token)
    } else {
        post_script(token, body)
    };
    wrk(&lua, url, secs)
}

/// The Lua script of `GET` with the bearer token.
fn get_script(token: &str) -> String {
    format!("wrk.method = \"GET\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n")
}

/// The Lua script of `POST {body}` with the bearer token.
fn post_script(token: &str, body: &[u8]) -> String {
    format!(
        "wrk.method = \"POST\"\nwrk.body = [[{}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n",
        String::from_utf8_lossy(body)
    )
}

/// Runs `wrk -t1 -c64` with a Lua script for `secs`; answers requests per second (any non-2xx
/// answer fails the bench).
fn wrk(lua: &str, url: &str, secs: f64) -> f64 {
    wrk_counted(lua, url, secs).1
}

/// `wrk`, answering the requests answered and the rate.
fn wrk_counted(lua: &str, url: &str, secs: f64) -> (u64, f64) {
    wrk_threads(lua, url, secs, 1)
}

/// `wrk -t{threads} -c64`, answering the requests answered and the rate.
fn wrk_threads(lua: &str, url: &str, secs: f64, threads: u32) -> (u64, f64) {
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), lua).unwrap();
    let out = Command::new("wrk")
        .args([
            &format!("-t{threads}"),
            &format!("-c{CONNECTIONS}"),
            &format!("-d{}s", secs as u64),
            "-s",
            script.path().to_str().unwrap(),
            url,
        ])
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "wrk saw errors from {url}:\n{text}"
    );
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk output: {text}"));
    // "  123456 requests in 10.00s, 12.34MB read"
    let total = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("wrk output: {text}"));
    (total, rate)
}

/// The Rust load generator: CONNECTIONS tasks on reqwest keep-alive connections.
async fn load_rust(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &'static [u8],
    secs: f64,
    expect: u16,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, token, done) = (
            client.clone(),
            url.to_string(),
            token.to_string(),
            done.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let req = match body.is_empty() {
                    true => client.get(&url),
                    false => client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body),
                };
                let res = req.bearer_auth(&token).send().await;
                match res {
                    Ok(r) if r.status().as_u16() == expect => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => panic!(
                        "unexpected {} from {url}: {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    ),
                    Err(e) => panic!("request failed: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Cloud sends, each message to a new recipient (the pair rate limit allows 45 in a row to one
/// user), with the bench's access token; answers sends per second. The load comes from `wrk`
/// (a Lua script numbering the recipients) as for the On-Prem rows, else the Rust client.
async fn load_cloud(client: &reqwest::Client, url: &str, secs: f64) -> f64 {
    if wrk_available() {
        let lua = r#"counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"messaging_product":"whatsapp","to":"1631%07d","type":"text","text":{"body":"bench"}}', counter % 10000000)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer bench-token"}, body)
end
"#;
        return wrk(lua, url, secs);
    }
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, done) = (client.clone(), url.to_string(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let n = done.fetch_add(1, Ordering::Relaxed);
                let body = json!({"messaging_product": "whatsapp", "to": format!("1631{:07}", n % 10_000_000),
                    "type": "text", "text": {"body": "bench"}});
                let res = client.post(&url).bearer_auth("bench-token").json(&body).send().await;
                match res {
                    Ok(r) if r.status().as_u16() == 200 => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => panic!("unexpected {} from {url}: {}", r.status(), r.text().await.unwrap_or_default()),
                    Err(e) => panic!("request failed: {e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// A no-op actix-web handler on the same TLS stack, in its own process (this bench binary run
/// again with BENCH_NOOP_SERVER=1): the ceiling for `POST /v1/messages`.
fn noop_server() -> (Child, String, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("BENCH_NOOP_SERVER", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines.next().unwrap().unwrap();
    let mut ca = String::new();
    for line in lines.map_while(Result::ok) {
        ca.push_str(&line);
        ca.push('\n');
        if line.starts_with("-----END") {
            break;
        }
    }
    (child, format!("https://localhost:{port}/v1/messages"), ca)
}

fn run_noop_server() {
    let pki = DevPki::generate("bench noop CA", &["localhost".into()]).unwrap();
    let tls = wa_onprem_emulator::tls::rustls_server_config(&pki.cert_pem, &pki.key_pem).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    println!(
        "{}\n{}",
        listener.local_addr().unwrap().port(),
        pki.ca_pem.trim_end()
    );
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new().default_service(web::to(|_body: web::Bytes| async {
                HttpResponse::Created()
                    .content_type("application/json")
                    .body("{}")
            }))
        })
        .workers(std::thread::available_parallelism().map_or(2, |n| n.get()))
        .listen_rustls_0_23(listener, tls)
        .unwrap()
        .run()
        .await
        .unwrap();
    });
}

const TEXT: &[u8] =
    br#"{"to":"16315551001","type":"text","text":{"body":"Your order 12345 has shipped"}}"#;

struct Row {
    name: &'static str,
    unit: &'static str,
    target: &'static str,
    values: Vec<f64>,
}

impl Row {
    fn median(&self) -> f64 {
        let mut v = self.values.clone();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    }

    fn print(&self) {
        let mut v = self.values.clone();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let (min, med, max) = (v[0], v[v.len() / 2], v[v.len() - 1]);
        println!(
            "| {:<52} | {:>10.1} | {:>10.1} | {:>10.1} | {:<6} | {:<22} |",
            self.name, min, med, max, self.unit, self.target
        );
    }
}

async fn wait_for(counter: &AtomicU64, n: u64, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while counter.load(Ordering::Relaxed) < n {
        if started.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Some(started.elapsed())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    if std::env::var("BENCH_NOOP_SERVER").is_ok() {
        return run_noop_server();
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench());
}

async fn bench() {
    let runs = env_num("BENCH_RUNS", 3) as usize;
    let secs = env_num("BENCH_SECS", 30) as f64;
    let binaries = binaries();
    let mut tables: Vec<Vec<Row>> = binaries.iter().map(|_| Vec::new()).collect();
    for run in 0..runs {
        // With two binaries (before/after), their runs alternate: load on the machine hits both alike.
        for ((label, path), rows) in binaries.iter().zip(tables.iter_mut()) {
            eprintln!("run {}/{runs}: {label}", run + 1);
            *BINARY.lock().unwrap() = path.clone();
            scenarios(rows, secs).await;
        }
    }

    let generator = if wrk_available() {
        "wrk -t1 -c64"
    } else {
        "Rust client, 64 connections (install wrk for less generator CPU)"
    };
    println!("\nwa-onprem-emulator bench: {runs} run(s), {} cores, loopback HTTPS, callback_persist=true, release build; load: {generator}; load average at the end: {}", std::thread::available_parallelism().map_or(0, |n| n.get()), std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
    for ((label, path), rows) in binaries.iter().zip(&tables) {
        if binaries.len() > 1 {
            println!("\n{label}: {path}");
        }
        println!(
            "| {:<52} | {:>10} | {:>10} | {:>10} | {:<6} | {:<22} |",
            "measure", "min", "median", "max", "unit", "target"
        );
        println!(
            "|{:-<54}|{:-<12}|{:-<12}|{:-<12}|{:-<8}|{:-<24}|",
            "", "", "", "", "", ""
        );
        for r in rows {
            r.print();
        }
    }
    if let [(a, _), (b, _)] = &binaries[..] {
        println!("\nmedians, {b} / {a}:");
        for r in &tables[1] {
            if let Some(before) = tables[0].iter().find(|x| x.name == r.name) {
                println!(
                    "| {:<52} | {:>10.1} | {:>10.1} | {:>8.2}x |",
                    r.name,
                    before.median(),
                    r.median(),
                    r.median() / before.median()
                );
            }
        }
    }
}

/// The emulator binary the scenarios start.
static BINARY: Mutex<String> = Mutex::new(String::new());

/// BENCH_BINARIES=`label=path,label=path` (e.g. `before=/tmp/old-emulator,after=target/release/wa-onprem-emulator`):
/// the binaries to compare, their runs interleaved; by default the one this bench was built with.
fn binaries() -> Vec<(String, String)> {
    match std::env::var("BENCH_BINARIES") {
        Ok(list) => list
            .split(',')
            .map(|item| {
                let (label, path) = item
                    .split_once('=')
                    .expect("BENCH_BINARIES: label=path,...");
                (label.to_string(), path.to_string())
            })
            .collect(),
        Err(_) => vec![(
            "emulator".to_string(),
            env!("CARGO_BIN_EXE_wa-onprem-emulator").to_string(),
        )],
    }
}

/// One run of every enabled scenario against the current `BINARY`.
async fn scenarios(rows: &mut Vec<Row>, secs: f64) {
    let row = |rows: &mut Vec<Row>, name, unit, target, value: f64| match rows
        .iter_mut()
        .find(|r| r.name == name)
    {
        Some(r) => r.values.push(value),
        None => rows.push(Row {
            name,
            unit,
            target,
            values: vec![value],
        }),
    };
    let slow_status = [
        "--status-sent-ms",
        "600000",
        "--status-delivered-ms",
        "600000",
        "--status-read-ms",
        "600000",
        "--callback-queue-limit",
        "5000000",
    ];

    if enabled("startup") {
        let (emu, ready) = Emulator::start(&[]).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        row(
            rows,
            "start-up to first 200 on /v1/health",
            "ms",
            "< 150 median",
            ready.as_secs_f64() * 1000.0,
        );
        row(rows, "idle memory (RSS)", "MB", "< 30", emu.rss_mb());
    }
    // `GET /v1/health` of the On-Prem rows, the denominator of the Cloud ratio too.
    let mut health_rps = None;
    if enabled("post") || enabled("noop") {
        let rx = Receiver::start();
        let (emu, _) = Emulator::start(&slow_status).await;
        emu.use_receiver(&rx, json!({})).await;
        let rps = load(
            &emu.client,
            &format!("{}/v1/messages", emu.base),
            &emu.token,
            TEXT,
            10.0,
            201,
        )
        .await;
        row(
            rows,
            "POST /v1/messages (text), 64 conns, durable",
            "req/s",
            ">= 15000",
            rps,
        );
        row(
            rows,
            "  vs real On-Prem single instance (20 msg/s)",
            "x",
            "",
            rps / 20.0,
        );
        row(
            rows,
            "  vs real On-Prem 8-shard multiconnect (150 msg/s)",
            "x",
            "",
            rps / 150.0,
        );
        let health = load(
            &emu.client,
            &format!("{}/v1/health", emu.base),
            &emu.token,
            b"",
            10.0,
            200,
        )
        .await;
        health_rps = Some(health);
        row(
            rows,
            "GET /v1/health, 64 conns, same server",
            "req/s",
            "",
            health,
        );
        row(
            rows,
            "  sends / health ratio",
            "%",
            ">= 50",
            rps / health * 100.0,
        );
        // One wrk thread is the limit of the health row on 2 cores (the server leaves a third of
        // a core idle): two threads show more of the server's own no-op ceiling.
        if wrk_available() {
            let lua = get_script(&emu.token);
            let (_, health2) = wrk_threads(&lua, &format!("{}/v1/health", emu.base), 10.0, 2);
            row(
                rows,
                "GET /v1/health, 64 conns, wrk -t2 (nearer the server's ceiling)",
                "req/s",
                "",
                health2,
            );
            row(
                rows,
                "  sends / that health",
                "%",
                "",
                rps / health2 * 100.0,
            );
        }
        drop(emu);
        if enabled("noop") {
            let (mut noop, url, ca) = noop_server();
            let client = reqwest::Client::builder()
                .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
                .pool_max_idle_per_host(CONNECTIONS)
                .build()
                .unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            let floor = load(&client, &url, "x", TEXT, 10.0, 201).await;
            let _ = noop.kill();
            let _ = noop.wait();
            row(
                rows,
                "no-op actix-web handler, same TLS stack (ceiling)",
                "req/s",
                "",
                floor,
            );
            row(
                rows,
                "  emulator / no-op ratio",
                "%",
                ">= 50",
                rps / floor * 100.0,
            );
        }
    }
    if enabled("cloud") {
        let args = [&slow_status[..], &["--cloud-access-token", "bench-token"]].concat();
        let (emu, _) = Emulator::start(&args).await;
        let cfg = emu
            .call(reqwest::Method::GET, "/v1/emulator/cloud", json!({}))
            .await;
        let mut numbers = cfg["cloud"]["numbers"].clone();
        numbers[0]["throughput_mps"] = json!(100_000);
        let answer = emu
            .call(
                reqwest::Method::PUT,
                "/v1/emulator/cloud",
                json!({ "numbers": numbers }),
            )
            .await;
        assert!(answer.get("errors").is_none(), "{answer}");
        let url = format!(
            "{}/v21.0/{}/messages",
            emu.base,
            numbers[0]["phone_number_id"].as_str().unwrap()
        );
        let rps = load_cloud(&emu.client, &url, secs.min(10.0)).await;
        row(
            rows,
            "POST /v21.0/{phone-number-id}/messages (Cloud text), 64 conns, durable",
            "req/s",
            "",
            rps,
        );
        if let Some(health) = health_rps {
            row(
                rows,
                "  Cloud sends / health ratio (health of the On-Prem rows)",
                "%",
                ">= 40",
                rps / health * 100.0,
            );
        }
    }
    if enabled("ceiling") {
        let (rx, emu) = instant_statuses("5000000").await;
        let window = secs.min(10.0);
        let started = Instant::now();
        // wrk as the On-Prem rows' load when installed (the Rust client takes about twice its
        // CPU on these two cores); every send answered counts.
        let sent = if wrk_available() {
            let url = format!("{}/v1/messages", emu.base);
            wrk_counted(&post_script(&emu.token, TEXT), &url, window).0
        } else {
            paced(&emu, f64::INFINITY, window, CONNECTIONS, false)
                .await
                .0
        };
        let drained = wait_for(&rx.statuses, sent * 2, Duration::from_secs(300)).await;
        let total = drained.map_or(f64::NAN, |_| started.elapsed().as_secs_f64());
        row(
            rows,
            "e2e ceiling: sends accepted/s (unpaced)",
            "msg/s",
            "",
            sent as f64 / window,
        );
        row(
            rows,
            "e2e ceiling: messages/s until delivered+read arrived",
            "msg/s",
            "",
            sent as f64 / total,
        );
    }
    if enabled("e2e") {
        let (rx, emu) = instant_statuses("1000000").await;
        let target_rate = 5000.0;
        let (sent, _) = paced(&emu, target_rate, secs, CONNECTIONS, false).await;
        let drained = wait_for(&rx.statuses, sent * 2, Duration::from_secs(120)).await;
        let total = secs + drained.map(|d| d.as_secs_f64()).unwrap_or(f64::NAN);
        row(
            rows,
            "e2e: messages/s sustained (paced at 5000/s)",
            "msg/s",
            ">= 5000",
            sent as f64 / secs,
        );
        row(
            rows,
            "e2e: delivered+read callbacks/s until all arrived",
            "cb/s",
            ">= 10000",
            (sent * 2) as f64 / total,
        );
        row(
            rows,
            "e2e: callbacks lost",
            "count",
            "0",
            (sent * 2).saturating_sub(rx.statuses.load(Ordering::Relaxed)) as f64,
        );
        row(
            rows,
            "e2e: emulator RSS after the run",
            "MB",
            "",
            emu.rss_mb(),
        );
    }
    if enabled("latency") {
        let rx = Receiver::start();
        let (emu, _) = Emulator::start(&[
            "--status-sent-ms",
            "0",
            "--status-delivered-ms",
            "0",
            "--status-read-ms",
            "600000",
        ])
        .await;
        emu.use_receiver(&rx, json!({})).await;
        rx.record.store(true, Ordering::Relaxed);
        let (_, sends) = paced(&emu, 1000.0, 10.0, 16, true).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let arrivals = rx.arrivals.lock().unwrap().clone();
        let mut lat: Vec<f64> = sends
            .iter()
            .filter_map(|(id, at)| {
                arrivals
                    .get(&format!("{id}:delivered"))
                    .map(|a| a.duration_since(*at).as_secs_f64() * 1000.0)
            })
            .collect();
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        row(
            rows,
            "latency at 1000 msg/s: answer -> receiver, p50",
            "ms",
            "< 2",
            percentile(&lat, 0.5),
        );
        row(
            rows,
            "latency at 1000 msg/s: answer -> receiver, p99",
            "ms",
            "< 20",
            percentile(&lat, 0.99),
        );
    }
    if enabled("backlog") {
        let rx = Receiver::start();
        rx.down.store(true, Ordering::Relaxed);
        let (emu, _) = Emulator::start(&[
            "--callback-queue-limit",
            "300000",
            "--callback-batch-max",
            "64",
        ])
        .await;
        emu.use_receiver(
            &rx,
            json!({"callback_backoff_delay_ms": 600000, "max_callback_backoff_delay_ms": 600000}),
        )
        .await;
        let n = 200_000u64;
        fill_backlog(&emu, n).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        row(
            rows,
            "backlog: 200,000 pending, receiver down, RSS",
            "MB",
            "< 150",
            emu.rss_mb(),
        );
        rx.down.store(false, Ordering::Relaxed);
        let started = Instant::now();
        // A URL change makes every waiting callback due at once.
        emu.call(
            reqwest::Method::PATCH,
            "/v1/settings/application",
            json!({"webhooks": {"url": format!("{}?back", rx.url)}}),
        )
        .await;
        let drained = wait_for(&rx.statuses, n, Duration::from_secs(300))
            .await
            .map(|_| started.elapsed());
        row(
            rows,
            "backlog: drain rate when the receiver is back",
            "cb/s",
            ">= 10000",
            n as f64 / drained.map(|d| d.as_secs_f64()).unwrap_or(f64::NAN),
        );
        row(rows, "backlog: RSS after draining", "MB", "", emu.rss_mb());
    }
    if enabled("backlog1m") {
        let n = env_num("BENCH_BACKLOG", 1_000_000);
        let rx = Receiver::start();
        rx.down.store(true, Ordering::Relaxed);
        let limit = (n + 100_000).to_string();
        let (emu, _) = Emulator::start(&[
            "--status-sent-ms",
            "0",
            "--status-delivered-ms",
            "0",
            "--status-read-ms",
            "0",
            "--callback-queue-limit",
            &limit,
            "--callback-batch-max",
            "64",
        ])
        .await;
        emu.use_receiver(
            &rx,
            json!({"sent_status": true, "callback_backoff_delay_ms": 600000, "max_callback_backoff_delay_ms": 600000}),
        )
        .await;
        // Each send makes three status callbacks (sent, delivered, read) while the receiver is down.
        let sends = n.div_ceil(3);
        let started = Instant::now();
        fill_sends(&emu, sends).await;
        let pending = wait_pending(&emu, sends * 3, Duration::from_secs(300)).await;
        let fill_secs = started.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_secs(2)).await;
        row(
            rows,
            "backlog 1M: pending callbacks held",
            "count",
            "",
            pending as f64,
        );
        row(
            rows,
            "backlog 1M: filled at (callbacks/s, sends 3 each)",
            "cb/s",
            "",
            pending as f64 / fill_secs,
        );
        row(
            rows,
            "backlog 1M: RSS with the receiver down",
            "MB",
            "< 400",
            emu.rss_mb(),
        );
        rx.down.store(false, Ordering::Relaxed);
        let started = Instant::now();
        // A URL change makes every waiting callback due at once.
        emu.call(
            reqwest::Method::PATCH,
            "/v1/settings/application",
            // Short retries from now on: a POST still in flight to the down receiver fails after the
            // change and must not wait out the long backoff.
            json!({"webhooks": {"url": format!("{}?back", rx.url)}, "callback_backoff_delay_ms": 50, "max_callback_backoff_delay_ms": 200}),
        )
        .await;
        let drained = wait_for(&rx.statuses, sends * 3, Duration::from_secs(600))
            .await
            .map(|_| started.elapsed());
        row(
            rows,
            "backlog 1M: drain rate when the receiver is back",
            "cb/s",
            ">= 10000",
            (sends * 3) as f64 / drained.map(|d| d.as_secs_f64()).unwrap_or(f64::NAN),
        );
        row(
            rows,
            "backlog 1M: RSS after draining",
            "MB",
            "",
            emu.rss_mb(),
        );
    }
}

/// Sends text messages at `rate`/s for `secs` from `conns` keep-alive connections. Returns how many
/// were accepted and, with `record`, each message id with the moment its answer arrived.
async fn paced(
    emu: &Emulator,
    rate: f64,
    secs: f64,
    conns: usize,
    record: bool,
) -> (u64, Vec<(String, Instant)>) {
    let done = Arc::new(AtomicU64::new(0));
    let out = Arc::new(Mutex::new(Vec::new()));
    let per_task = rate / conns as f64;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (client, url, token) = (
            emu.client.clone(),
            format!("{}/v1/messages", emu.base),
            emu.token.clone(),
        );
        let (done, out) = (done.clone(), out.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while started.elapsed().as_secs_f64() < secs {
                if let Some(wait) =
                    Duration::from_secs_f64(n as f64 / per_task).checked_sub(started.elapsed())
                {
                    tokio::time::sleep(wait).await;
                }
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(TEXT)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(r.status(), 201);
                if record {
                    let v: Value = r.json().await.expect("answer");
                    let at = Instant::now();
                    out.lock().unwrap().push((
                        v["messages"][0]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        at,
                    ));
                } else {
                    let _ = r.bytes().await;
                }
                done.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let sent = done.load(Ordering::Relaxed);
    let ids = std::mem::take(&mut *out.lock().unwrap());
    (sent, ids)
}

/// Sends `n` text messages from `CONNECTIONS` keep-alive connections, as fast as they are answered.
async fn fill_sends(emu: &Emulator, n: u64) {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, token, next) = (
            emu.client.clone(),
            format!("{}/v1/messages", emu.base),
            emu.token.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(TEXT)
                    .send()
                    .await
                    .expect("send");
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Waits until the emulator holds `n` pending callbacks; answers how many it holds then.
async fn wait_pending(emu: &Emulator, n: u64, limit: Duration) -> u64 {
    let started = Instant::now();
    loop {
        let v = emu
            .call(
                reqwest::Method::GET,
                "/v1/emulator/callbacks?state=pending&limit=1",
                Value::Null,
            )
            .await;
        let pending = v["pending"].as_u64().unwrap_or(0);
        if pending >= n || started.elapsed() > limit {
            return pending;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Fills the callback queue with `n` error notifications through the control API.
async fn fill_backlog(emu: &Emulator, n: u64) {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, token, next) = (
            emu.client.clone(),
            format!("{}/v1/emulator/errors", emu.base),
            emu.token.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(&br#"{"errors":[{"code":500,"title":"backlog"}]}"#[..])
                    .send()
                    .await
                    .expect("emit");
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
