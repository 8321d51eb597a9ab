//! The webhook HTTP client: rustls, system roots plus the uploaded CA, no redirects, a timeout.

use reqwest::header::CONTENT_TYPE;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// What one POST to the webhook came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// HTTP 200: the only success.
    Delivered,
    /// Anything else, with the status when there was one, and why in a word (a metrics label).
    Failed {
        status: Option<u16>,
        error: String,
        reason: &'static str,
    },
}

impl Outcome {
    /// (HTTP status, error text, result label) for records, events and metrics.
    pub fn parts(&self) -> (Option<u16>, Option<String>, &'static str) {
        match self {
            Outcome::Delivered => (Some(200), None, "success"),
            Outcome::Failed {
                status,
                error,
                reason,
            } => (*status, Some(error.clone()), reason),
        }
    }
}

pub struct WebhookClient {
    client: Mutex<reqwest::Client>,
    ca: Mutex<watch::Receiver<Option<String>>>,
    timeout: Duration,
    allow_http: bool,
}

impl WebhookClient {
    /// A client trusting the system roots plus the CA published on `ca` (re-read whenever it changes).
    pub fn new(
        timeout_ms: u64,
        allow_http: bool,
        mut ca: watch::Receiver<Option<String>>,
    ) -> Result<WebhookClient, reqwest::Error> {
        let timeout = Duration::from_millis(timeout_ms.max(1));
        let pem = ca.borrow_and_update().clone();
        let client = build(timeout, allow_http, pem.as_deref())?;
        Ok(WebhookClient {
            client: Mutex::new(client),
            ca: Mutex::new(ca),
            timeout,
            allow_http,
        })
    }

    /// The current client; rebuilt first if the uploaded CA changed since the last POST, so a CA
    /// is in force for every attempt that starts after its upload was acknowledged.
    fn current(&self) -> reqwest::Client {
        let mut client = self.client.lock().unwrap_or_else(|p| p.into_inner());
        let mut ca = self.ca.lock().unwrap_or_else(|p| p.into_inner());
        if ca.has_changed().unwrap_or(false) {
            let pem = ca.borrow_and_update().clone();
            match build(self.timeout, self.allow_http, pem.as_deref()) {
                Ok(c) => *client = c,
                Err(e) => tracing::error!(error = %e, "could not load the uploaded webhook CA"),
            }
        }
        client.clone()
    }

    pub async fn post(&self, url: &str, body: Vec<u8>) -> Outcome {
        let client = self.current();
        let result = client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        match result {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                // Drain a little of the body so the connection can be reused; cap what we read.
                let mut read = 0usize;
                while let Ok(Some(chunk)) = resp.chunk().await {
                    read += chunk.len();
                    if read > 64 * 1024 {
                        break;
                    }
                }
                match (status, location) {
                    (200, _) => Outcome::Delivered,
                    (300..=399, loc) => Outcome::Failed {
                        status: Some(status),
                        reason: "redirect",
                        error: format!(
                            "HTTP {status}: redirect not followed (Location: {})",
                            loc.unwrap_or_default()
                        ),
                    },
                    _ => Outcome::Failed {
                        status: Some(status),
                        error: format!("HTTP {status}"),
                        reason: "http_status",
                    },
                }
            }
            Err(e) if e.is_timeout() => Outcome::Failed {
                status: None,
                reason: "timeout",
                error: format!("timeout after {} ms", self.timeout.as_millis()),
            },
            Err(e) => Outcome::Failed {
                status: None,
                error: error_chain(&e),
                reason: "connection",
            },
        }
    }
}

fn build(
    timeout: Duration,
    allow_http: bool,
    ca_pem: Option<&str>,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .user_agent(concat!("wa-onprem-emulator/", env!("CARGO_PKG_VERSION")))
        .https_only(!allow_http);
    if let Some(pem) = ca_pem {
        for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes())? {
            b = b.add_root_certificate(cert);
        }
    }
    b.build()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// What the webhook answered to a GET (the Cloud subscription handshake).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAnswer {
    pub status: u16,
    /// The body, at most 64 KiB of it, as text.
    pub body: String,
}

impl WebhookClient {
    /// A GET through the webhook client (same trust, timeout and redirect rules as the POSTs);
    /// Err with the cause when no HTTP answer came.
    pub async fn get(&self, url: &str) -> Result<GetAnswer, String> {
        let mut resp = self
            .current()
            .get(url)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            body.extend_from_slice(&chunk);
            if body.len() > 64 * 1024 {
                body.truncate(64 * 1024);
                break;
            }
        }
        Ok(GetAnswer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// A POST of exact bytes with the given headers (direct callbacks).
    pub async fn post_with_headers(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Outcome {
        let mut req = self.current().post(url).body(body);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.send().await {
            Ok(resp) if resp.status().as_u16() == 200 => Outcome::Delivered,
            Ok(resp) => Outcome::Failed {
                status: Some(resp.status().as_u16()),
                error: format!("HTTP {}", resp.status().as_u16()),
                reason: "http_status",
            },
            Err(e) => Outcome::Failed {
                status: None,
                error: error_chain(&e),
                reason: "connection",
            },
        }
    }
}
