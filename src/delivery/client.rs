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
    /// A callback whose target could not be found (a record without a request).
    pub fn lost() -> Outcome {
        Outcome::Failed {
            status: None,
            error: "the callback has no target".into(),
            reason: "connection",
        }
    }

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
    /// (On-Prem webhook client, direct-callback client): the first takes https only unless
    /// `--allow-http-webhooks`; the second also takes http (the gateways call any URL).
    client: Mutex<(reqwest::Client, reqwest::Client)>,
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
        let client = (
            build(timeout, allow_http, pem.as_deref())?,
            build(timeout, true, pem.as_deref())?,
        );
        Ok(WebhookClient {
            client: Mutex::new(client),
            ca: Mutex::new(ca),
            timeout,
            allow_http,
        })
    }

    /// The current client; rebuilt first if the uploaded CA changed since the last POST, so a CA
    /// is in force for every attempt that starts after its upload was acknowledged.
    fn current(&self) -> (reqwest::Client, reqwest::Client) {
        let mut client = self.client.lock().unwrap_or_else(|p| p.into_inner());
        let mut ca = self.ca.lock().unwrap_or_else(|p| p.into_inner());
        if ca.has_changed().unwrap_or(false) {
            let pem = ca.borrow_and_update().clone();
            let rebuilt = build(self.timeout, self.allow_http, pem.as_deref())
                .and_then(|a| Ok((a, build(self.timeout, true, pem.as_deref())?)));
            match rebuilt {
                Ok(c) => *client = c,
                Err(e) => tracing::error!(error = %e, "could not load the uploaded webhook CA"),
            }
        }
        client.clone()
    }

    /// POSTs a JSON body to the On-Prem webhook.
    pub async fn post(&self, url: &str, body: Vec<u8>) -> Outcome {
        let request = self
            .current()
            .0
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        self.outcome(request.send().await).await
    }

    /// POSTs a direct callback's exact request (http or https).
    pub async fn send(&self, url: &str, headers: &[(String, String)], body: Vec<u8>) -> Outcome {
        let mut request = self.current().1.post(url);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        self.outcome(request.body(body).send().await).await
    }

    /// A GET to a webhook (the Cloud API's subscription handshake): (status, body text).
    pub async fn get_text(&self, url: &str) -> Result<(u16, String), String> {
        let resp = self
            .current()
            .1
            .get(url)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| error_chain(&e))?;
        Ok((status, text))
    }

    async fn outcome(&self, result: Result<reqwest::Response, reqwest::Error>) -> Outcome {
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
