//! The webhook HTTP client: rustls, system roots plus the uploaded CA, no redirects, a timeout.

use reqwest::header::CONTENT_TYPE;
use std::sync::RwLock;
use std::time::Duration;
use tokio::sync::watch;

/// What one POST to the webhook came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// HTTP 200: the only success.
    Delivered,
    /// Anything else, with the status when there was one.
    Failed { status: Option<u16>, error: String },
}

pub struct WebhookClient {
    client: RwLock<reqwest::Client>,
    timeout: Duration,
    allow_http: bool,
}

impl WebhookClient {
    pub fn new(
        timeout_ms: u64,
        allow_http: bool,
        ca_pem: Option<&str>,
    ) -> Result<WebhookClient, reqwest::Error> {
        let timeout = Duration::from_millis(timeout_ms.max(1));
        let client = build(timeout, allow_http, ca_pem)?;
        Ok(WebhookClient {
            client: RwLock::new(client),
            timeout,
            allow_http,
        })
    }

    /// Rebuilds the client whenever the uploaded CA changes (no restart needed).
    pub fn follow_ca(self: &std::sync::Arc<Self>, mut rx: watch::Receiver<Option<String>>) {
        let this = self.clone();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let pem = rx.borrow_and_update().clone();
                match build(this.timeout, this.allow_http, pem.as_deref()) {
                    Ok(c) => {
                        if let Ok(mut w) = this.client.write() {
                            *w = c;
                        }
                        tracing::info!(
                            custom_ca = pem.is_some(),
                            "webhook client trusts the new CA set"
                        );
                    }
                    Err(e) => tracing::error!(error = %e, "could not load the uploaded webhook CA"),
                }
            }
        });
    }

    pub async fn post(&self, url: &str, body: Vec<u8>) -> Outcome {
        let client = match self.client.read() {
            Ok(c) => c.clone(),
            Err(_) => {
                return Outcome::Failed {
                    status: None,
                    error: "client lock poisoned".into(),
                }
            }
        };
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
                        error: format!(
                            "HTTP {status}: redirect not followed (Location: {})",
                            loc.unwrap_or_default()
                        ),
                    },
                    _ => Outcome::Failed {
                        status: Some(status),
                        error: format!("HTTP {status}"),
                    },
                }
            }
            Err(e) if e.is_timeout() => Outcome::Failed {
                status: None,
                error: format!("timeout after {} ms", self.timeout.as_millis()),
            },
            Err(e) => Outcome::Failed {
                status: None,
                error: error_chain(&e),
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
