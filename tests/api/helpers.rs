//! Test harness: an emulator on port 0 with a fresh data dir (in-process or as a child process),
//! and a real HTTPS `TestReceiver` with its own CA and scriptable answers.

#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};
use wa_onprem_emulator::{Application, Config};

static TRACING: Once = Once::new();

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            wa_onprem_emulator::telemetry::init(
                wa_onprem_emulator::config::LogFormat::Human,
                "debug",
            );
        }
    });
}

/// A client that trusts the emulator's generated CA and nothing else.
pub fn client_for(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM"))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// What tests talk to: an emulator's base URL and a client that trusts its CA.
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub token: Mutex<Option<String>>,
}

impl Api {
    pub fn new(port: u16, data_dir: &Path) -> Api {
        let ca = std::fs::read_to_string(data_dir.join("certs/ca.pem")).expect("generated CA");
        Api {
            base: format!("https://localhost:{port}"),
            client: client_for(&ca),
            token: Mutex::new(None),
        }
    }

    pub async fn login(&self, user: &str, password: &str) -> (StatusCode, Value) {
        let res = self
            .client
            .post(format!("{}/v1/users/login", self.base))
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("login request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The admin's token (logged in once, then reused).
    pub async fn token(&self) -> String {
        if let Some(t) = self.token.lock().unwrap().clone() {
            return t;
        }
        let (status, body) = self.login("admin", "secret").await;
        assert_eq!(status, 200, "{body}");
        let t = body["users"][0]["token"]
            .as_str()
            .expect("token")
            .to_string();
        *self.token.lock().unwrap() = Some(t.clone());
        t
    }

    /// A request with the admin's token and an optional JSON body; answers (status, JSON or Null).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let token = self.token().await;
        self.call_as(&token, method, path, body).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A request builder for `path` carrying the admin's token (for raw answers: headers, bytes).
    pub async fn authed(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token().await)
    }

    /// `path` with the admin's token and no body; the raw answer (headers, bytes).
    pub async fn send_authed(&self, method: Method, path: &str) -> reqwest::Response {
        self.authed(method, path)
            .await
            .send()
            .await
            .expect("the emulator answers")
    }

    /// Turns the simulated storage fault (`PUT /v1/emulator/faults`) on or off.
    pub async fn set_store_fault(&self, on: bool) {
        let body = Some(json!({ "store": on }));
        let (status, body) = self.call(Method::PUT, "/v1/emulator/faults", body).await;
        assert_eq!(status, 200, "{body}");
    }

    /// Uploads a webhook CA (PEM as text/plain); answers the status.
    pub async fn upload_ca(&self, pem: &str) -> StatusCode {
        let req = self
            .authed(Method::POST, "/v1/certificates/webhooks/ca")
            .await;
        let res = req
            .header("content-type", "text/plain")
            .body(pem.to_string())
            .send()
            .await
            .expect("upload CA");
        res.status()
    }

    /// A request with the admin's token, a raw body and an optional content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut req = self.authed(method, path).await.body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Uploads media and returns its id (asserting 201).
    pub async fn upload_media(&self, content_type: &str, bytes: Vec<u8>) -> String {
        let (status, body) = self
            .raw(Method::POST, "/v1/media", Some(content_type), bytes)
            .await;
        assert_eq!(status, 201, "{body}");
        body["media"][0]["id"]
            .as_str()
            .expect("media id")
            .to_string()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// Points the webhooks at a receiver, trusting its CA, with fast retry settings.
    pub async fn use_receiver(&self, receiver: &TestReceiver, extra: Value) {
        assert_eq!(self.upload_ca(&receiver.ca_pem).await, 200);
        let mut patch = json!({
            "webhooks": {"url": receiver.url},
            "callback_backoff_delay_ms": 40,
            "max_callback_backoff_delay_ms": 200
        });
        merge(&mut patch, extra);
        let (status, body) = self.patch("/v1/settings/application", patch).await;
        assert_eq!(status, 200, "{body}");
    }

    /// Emits an out-of-band `errors` notification through the control API; returns its callback id.
    pub async fn emit_error(&self, code: u32) -> u64 {
        let (status, body) = self
            .post(
                "/v1/emulator/errors",
                json!({"errors":[{"code": code, "title": format!("test error {code}")}]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["callbacks"][0]["id"].as_u64().expect("callback id")
    }
}

fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

/// An emulator running in this process.
pub struct TestApp {
    pub api: Api,
    pub port: u16,
    /// The plain-HTTP listener's port, when `http_addr` was set.
    pub http_port: Option<u16>,
    pub dir: tempfile::TempDir,
    pub handle: actix_web::dev::ServerHandle,
    pub app_state: actix_web::web::Data<wa_onprem_emulator::state::AppState>,
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

pub fn test_config(dir: &Path) -> Config {
    let mut c = Config::for_tests(dir);
    c.callback_timeout_ms = 2_000;
    c
}

pub async fn spawn_emulator() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(f: impl FnOnce(&mut Config)) -> TestApp {
    init_tracing();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    f(&mut config);
    let app = Application::build(config).await.expect("emulator starts");
    let port = app.port();
    let http_port = app.http_port();
    let handle = app.handle();
    let app_state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        api: Api::new(port, dir.path()),
        port,
        http_port,
        dir,
        handle,
        app_state,
    }
}

/// The emulator binary as a child process (for restart and SIGKILL tests).
pub struct EmulatorProcess {
    pub child: Child,
    pub api: Arc<Api>,
    pub dir: PathBuf,
}

impl EmulatorProcess {
    pub fn start(dir: &Path, extra: &[&str]) -> EmulatorProcess {
        Self::spawn(dir, extra, None, "127.0.0.1:0")
    }

    /// Like `start`, with these environment variables set for the process.
    pub fn start_with_env(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> EmulatorProcess {
        Self::spawn_env(dir, extra, None, "127.0.0.1:0", env)
    }

    /// Like `start`, on a fixed address (a restart in place keeps it).
    pub fn start_on(dir: &Path, addr: &str, extra: &[&str]) -> EmulatorProcess {
        Self::spawn(dir, extra, None, addr)
    }

    /// Like `start`, also copying every log line to `log`.
    pub fn start_logging(dir: &Path, extra: &[&str], log: &Path) -> EmulatorProcess {
        Self::spawn(dir, extra, Some(log.to_path_buf()), "127.0.0.1:0")
    }

    fn spawn(dir: &Path, extra: &[&str], log: Option<PathBuf>, addr: &str) -> EmulatorProcess {
        Self::spawn_env(dir, extra, log, addr, &[])
    }

    fn spawn_env(
        dir: &Path,
        extra: &[&str],
        log: Option<PathBuf>,
        addr: &str,
        env: &[(&str, &str)],
    ) -> EmulatorProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wa-onprem-emulator"))
            .envs(env.iter().copied())
            .args([
                "--data-dir",
                dir.to_str().expect("utf-8 path"),
                "--https-addr",
                addr,
            ])
            .args([
                "--log-format",
                "json",
                "--password-hash-iterations",
                "1000",
                "--workers",
                "2",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn emulator binary");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            let mut log = log.and_then(|p| std::fs::File::create(p).ok());
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(f) = log.as_mut() {
                    use std::io::Write;
                    let _ = writeln!(f, "{line}");
                }
                if !sent && line.contains("wa-onprem-emulator listening") {
                    let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                    let url = v["https"].as_str().unwrap_or("").to_string();
                    let port: u16 = url
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0);
                    let _ = tx.send(port);
                    sent = true;
                }
                if std::env::var("TEST_LOG").is_ok() {
                    eprintln!("[emulator] {line}");
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("emulator printed its port");
        assert_ne!(port, 0);
        EmulatorProcess {
            child,
            api: Arc::new(Api::new(port, dir)),
            dir: dir.to_path_buf(),
        }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }

    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a test receiver answers to one attempt.
#[derive(Clone, Debug)]
pub enum Answer {
    Status(u16),
    /// Wait this long, then answer the status.
    Slow(u64, u16),
    /// 302 to another URL.
    Redirect,
    /// Fails (500) `fail_percent`% of attempts, and answers after up to `max_delay_ms`.
    Flaky {
        fail_percent: u32,
        max_delay_ms: u64,
    },
}

#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub body: Value,
    /// The exact body bytes.
    pub raw: Vec<u8>,
    pub content_type: String,
    /// Every request header, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The request path with its query.
    pub path: String,
    pub answered: u16,
}

impl Received {
    /// The first value of a request header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct ReceiverState {
    script: Mutex<VecDeque<Answer>>,
    default: Mutex<Answer>,
    received: Mutex<Vec<Received>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// The Cloud API subscription handshake: GETs are answered here (200 with `hub.challenge`
    /// when `hub.verify_token` is this token, else 403) and listed apart, not in `received`.
    verify_token: Mutex<Option<String>>,
    handshakes: Mutex<Vec<String>>,
}

/// The answer to a Cloud subscription handshake GET, as Meta documents an endpoint should.
fn handshake(st: &ReceiverState, req: &actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::HttpResponse;
    st.handshakes.lock().unwrap().push(
        req.uri()
            .path_and_query()
            .map_or(String::new(), |p| p.to_string()),
    );
    let q: std::collections::HashMap<String, String> = actix_web::web::Query::<
        std::collections::HashMap<String, String>,
    >::from_query(req.query_string())
    .map(|q| q.into_inner())
    .unwrap_or_default();
    let token = st.verify_token.lock().unwrap().clone();
    let get = |k: &str| q.get(k).map(String::as_str);
    match (
        get("hub.mode"),
        get("hub.verify_token"),
        get("hub.challenge"),
    ) {
        (Some("subscribe"), Some(t), Some(challenge)) if token.as_deref() == Some(t) => {
            HttpResponse::Ok().body(challenge.to_string())
        }
        _ => HttpResponse::Forbidden().body("verify token mismatch"),
    }
}

/// A real HTTPS webhook receiver with its own CA, recording every POST.
pub struct TestReceiver {
    pub url: String,
    pub ca_pem: String,
    state: Arc<ReceiverState>,
    handle: actix_web::dev::ServerHandle,
}

impl TestReceiver {
    pub async fn start() -> TestReceiver {
        use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
        let pki = wa_onprem_emulator::tls::DevPki::generate(
            "test receiver CA",
            &["localhost".into(), "127.0.0.1".into()],
        )
        .expect("receiver PKI");
        let tls = wa_onprem_emulator::tls::rustls_server_config(&pki.cert_pem, &pki.key_pem)
            .expect("receiver TLS");
        let state = Arc::new(ReceiverState {
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(Answer::Status(200)),
            received: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            verify_token: Mutex::new(None),
            handshakes: Mutex::new(Vec::new()),
        });
        let st = state.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            let st = st.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let st = st.clone();
                async move {
                    if req.method() == actix_web::http::Method::GET {
                        return handshake(&st, &req);
                    }
                    let now = st.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    st.max_in_flight.fetch_max(now, Ordering::SeqCst);
                    let answer = st
                        .script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(|| st.default.lock().unwrap().clone());
                    let code = match &answer {
                        Answer::Status(c) => *c,
                        Answer::Slow(ms, c) => {
                            tokio::time::sleep(Duration::from_millis(*ms)).await;
                            *c
                        }
                        Answer::Redirect => 302,
                        Answer::Flaky {
                            fail_percent,
                            max_delay_ms,
                        } => {
                            use rand::Rng;
                            let (fail, delay) = {
                                let mut rng = rand::thread_rng();
                                (
                                    rng.gen_range(0..100) < *fail_percent,
                                    rng.gen_range(0..=*max_delay_ms),
                                )
                            };
                            tokio::time::sleep(Duration::from_millis(delay)).await;
                            if fail {
                                500
                            } else {
                                200
                            }
                        }
                    };
                    st.received.lock().unwrap().push(Received {
                        at: Instant::now(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        raw: body.to_vec(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(n, v)| {
                                (n.as_str().to_string(), v.to_str().unwrap_or("").to_string())
                            })
                            .collect(),
                        path: req
                            .uri()
                            .path_and_query()
                            .map_or(String::new(), |p| p.to_string()),
                        content_type: req
                            .headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string(),
                        answered: code,
                    });
                    st.in_flight.fetch_sub(1, Ordering::SeqCst);
                    let mut res =
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap());
                    if matches!(answer, Answer::Redirect) {
                        res.insert_header(("location", "https://localhost:1/elsewhere"));
                    }
                    res.finish()
                }
            }))
        })
        .workers(2)
        .disable_signals()
        .listen_rustls_0_23(listener, tls)
        .expect("receiver listens")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        TestReceiver {
            url: format!("https://localhost:{port}/webhook"),
            ca_pem: pki.ca_pem,
            state,
            handle,
        }
    }

    /// Answers for the next attempts, in order; afterwards the default answer.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.script.lock().unwrap().extend(answers);
    }

    /// The verify token the Cloud subscription handshake must carry (None: refuse every GET).
    pub fn set_verify_token(&self, token: Option<&str>) {
        *self.state.verify_token.lock().unwrap() = token.map(str::to_string);
    }

    /// The path and query of every handshake GET so far.
    pub fn handshakes(&self) -> Vec<String> {
        self.state.handshakes.lock().unwrap().clone()
    }

    pub fn set_default(&self, a: Answer) {
        *self.state.default.lock().unwrap() = a;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` POSTs have arrived (panics after `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let r = self.received();
            if r.len() >= n {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} POSTs, got {}: {:?}",
                r.len(),
                r.iter().map(|x| x.answered).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until `pred` holds over what arrived (panics after `timeout`).
    pub async fn wait_until(
        &self,
        timeout: Duration,
        pred: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let r = self.received();
            if pred(&r) {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "timed out; received {} POSTs: {:?}",
                r.len(),
                r.iter().map(|x| &x.body).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// Every item of one array (`statuses`, `messages`, `errors`...) across the received POSTs.
pub fn all_items(received: &[Received], key: &str) -> Vec<Value> {
    received
        .iter()
        .filter_map(|r| r.body.get(key).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

/// The error envelope check every failing answer must pass.
pub fn assert_error(status: StatusCode, body: &Value, want_status: u16, want_code: u64) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["errors"][0]["code"], want_code, "{body}");
    assert!(body["errors"][0]["title"].is_string(), "{body}");
    assert!(body["meta"]["version"].is_string(), "{body}");
}
