//! The Cloud API personality: its configuration, sends and inbound messages through the shared
//! messaging (store, recipient rules, templates, status lifecycle), and its signed webhooks as
//! direct callbacks of the delivery engine.

pub mod blocks;
pub mod config;
mod limits;
pub mod numbers;
pub mod qr;
mod send;
pub(crate) mod sinks;
pub mod subscriptions;
pub mod templates;

use crate::delivery::client::WebhookClient;
use crate::delivery::RetryPolicy;
use crate::domain::inbound::InboundRecord;
use crate::domain::messaging::{note_window, CloudWindows, Messaging};
use crate::store::Store;
use crate::wa::ApiError;

/// At most 200 characters of what a webhook answered.
fn echo(text: &str) -> String {
    match text.char_indices().nth(200) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}
use config::{CloudConfig, CloudPatch, Overrides};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// A store failure in Graph terms: the On-Prem answer (1023, HTTP 500) mapped by
/// `graph::errors::from_onprem`, so the Cloud services use `?` on the store.
impl From<crate::store::StoreError> for crate::graph::GraphError {
    fn from(e: crate::store::StoreError) -> Self {
        crate::graph::errors::from_onprem(&e.into())
    }
}

/// How the Cloud webhooks are retried: after the nth failure wait `delays_ms[n-1]` (the last
/// repeats), give up `horizon_ms` after the first attempt.
#[derive(Debug, Clone)]
pub struct CloudRetry {
    pub delays_ms: Vec<u64>,
    pub horizon_ms: u64,
}

/// What the status and inbound sinks share with the service.
pub(crate) struct Shared {
    config: RwLock<Arc<CloudConfig>>,
    retry: RetryPolicy,
    /// `/{waba-id}/subscribed_apps` changes, by WABA.
    subscriptions: subscriptions::Subscriptions,
}

impl Shared {
    pub(crate) fn config(&self) -> Arc<CloudConfig> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

pub struct Cloud {
    shared: Arc<Shared>,
    store: Store,
    client: Arc<WebhookClient>,
    allow_http: bool,
    default_cc: String,
    /// HTTP status of 130429 and 131056 (400, or 429 as older Meta pages say).
    throttle_status: u16,
    limits: limits::Limits,
    /// The customer-service windows: found at start-up in Messaging's pass over the inbound
    /// records; None after a reset, until read from the records again.
    windows: Mutex<Option<CloudWindows>>,
    /// Serialises configuration changes (the handshake runs between read and write).
    change: tokio::sync::Mutex<()>,
    /// Message templates on the WABAs, in the registry On-Prem shares.
    pub(crate) templates: Arc<templates::Desk>,
    /// Serialises changes to the numbers' state, block lists and QR codes.
    numbers_lock: tokio::sync::Mutex<()>,
    /// Every stored number state (read on each send), as committed; a number without one has
    /// the state of a fresh number.
    number_states: Mutex<HashMap<String, numbers::NumberState>>,
    /// The keys of every stored block-list entry, as committed (read on each send).
    blocked: Mutex<std::collections::HashSet<String>>,
}

impl Cloud {
    pub fn open(
        store: Store,
        messaging: &Messaging,
        client: Arc<WebhookClient>,
        cfg: &crate::config::Config,
    ) -> Result<Cloud, crate::store::StoreError> {
        let overrides = Overrides {
            app_secret: cfg.cloud_app_secret.clone(),
            verify_token: cfg.cloud_verify_token.clone(),
            access_token: cfg.cloud_access_token.clone(),
            phone_number_id: cfg.cloud_phone_number_id.clone(),
        };
        let (config, generated) = CloudConfig::load(&store, &overrides)?;
        let first = config.numbers.first();
        tracing::info!(
            generated,
            app_secret = %config.app_secret,
            verify_token = %config.verify_token,
            access_token = %config.access_tokens.first().map_or("", |t| t.token()),
            phone_number_id = %first.map_or("", |n| n.phone_number_id.as_str()),
            display_phone_number = %first.map_or("", |n| n.display_phone_number.as_str()),
            "Cloud API configuration (GET /v1/emulator/cloud)"
        );
        let shared = Arc::new(Shared {
            config: RwLock::new(Arc::new(config)),
            retry: RetryPolicy::Delays {
                delays_ms: cfg.cloud_webhook_retry_delays_ms.clone(),
                horizon_ms: cfg.cloud_webhook_retry_horizon_ms,
            },
            subscriptions: RwLock::new(
                store
                    .all::<subscriptions::Subscription>()?
                    .into_iter()
                    .map(|s| (s.waba_id.clone(), s))
                    .collect(),
            ),
        });
        messaging.schedule().set_cloud(shared.clone());
        let desk = Arc::new(templates::Desk {
            templates: messaging.templates.clone(),
            shared: shared.clone(),
            delivery: messaging.delivery_handle(),
            review: templates::Review {
                review_ms: cfg.cloud_template_review_ms,
                manual: cfg.cloud_template_manual_review,
            },
            wake: tokio::sync::Notify::new(),
        });
        tokio::spawn(desk.clone().run());
        Ok(Cloud {
            templates: desk,
            shared,
            client,
            allow_http: cfg.allow_http_webhooks,
            default_cc: cfg.default_country_code.clone(),
            throttle_status: cfg.cloud_throttle_http_status,
            limits: limits::Limits::default(),
            windows: Mutex::new(messaging.take_cloud_windows()),
            change: tokio::sync::Mutex::new(()),
            numbers_lock: tokio::sync::Mutex::new(()),
            number_states: Mutex::new(
                store
                    .all::<numbers::NumberState>()?
                    .into_iter()
                    .map(|n| (n.phone_number_id.clone(), n))
                    .collect(),
            ),
            blocked: Mutex::new(blocks::stored_keys(&store)?),
            store,
        })
    }

    pub fn config(&self) -> Arc<CloudConfig> {
        self.shared.config()
    }

    /// `PUT /v1/emulator/cloud`. A webhook URL is first verified like Meta's dashboard does:
    /// `GET url?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` must answer 200 with
    /// the challenge, else 1009 (400) says what it answered.
    pub async fn put_config(&self, patch: CloudPatch) -> Result<Arc<CloudConfig>, ApiError> {
        let _change = self.change.lock().await;
        let verify = patch.webhook.as_ref().is_some_and(|w| w.url.is_some());
        let next = self.config().patched(patch, self.allow_http)?;
        if let (true, Some(url)) = (verify, &next.webhook.url) {
            self.handshake(url, &next.verify_token).await?;
        }
        next.save(&self.store).await?;
        let next = Arc::new(next);
        *self
            .shared
            .config
            .write()
            .unwrap_or_else(|p| p.into_inner()) = next.clone();
        Ok(next)
    }

    async fn handshake(&self, url: &str, verify_token: &str) -> Result<(), ApiError> {
        let challenge = rand::random::<u32>().to_string();
        let mut u = reqwest::Url::parse(url).map_err(|e| ApiError::invalid("webhook.url", e))?;
        u.query_pairs_mut()
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.verify_token", verify_token)
            .append_pair("hub.challenge", &challenge);
        let refused = |what: String| {
            ApiError::invalid(
                "webhook.url",
                format!("the subscription handshake failed: {what}; the endpoint must answer GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=... with 200 and the challenge as its body"),
            )
        };
        match self.client.get_text(u.as_str()).await {
            Ok((200, body)) if body.trim() == challenge => Ok(()),
            Ok((status, body)) => Err(refused(format!(
                "it answered HTTP {status} with {:?} (challenge {challenge})",
                echo(&body)
            ))),
            Err(e) => Err(refused(format!("no answer: {e}"))),
        }
    }

    /// Forgets the rate-limit counters, the customer-service windows, the numbers' registration,
    /// profiles and settings, the block lists, the QR codes and the subscribed-apps changes (the
    /// control API's reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let _one_writer = self.numbers_lock.lock().await;
        self.store
            .commit_with(|b| {
                b.clear::<numbers::NumberState>()
                    .clear::<blocks::BlockedUser>()
                    .clear::<qr::QrCode>();
                Ok(())
            })
            .await?;
        self.number_states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.blocked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.limits.reset();
        *self.windows.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.reset_subscriptions().await
    }

    /// The last inbound message time from `wa_id` to the number, read from the inbound records once.
    fn last_inbound(&self, phone_number_id: &str, wa_id: &str) -> Result<Option<u64>, ApiError> {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if w.is_none() {
            let mut map = CloudWindows::new();
            for r in self.store.all::<InboundRecord>()? {
                note_window(&mut map, r);
            }
            *w = Some(map);
        }
        Ok(w.as_ref()
            .and_then(|m| m.get(&(phone_number_id.to_string(), wa_id.to_string())))
            .copied())
    }

    fn note_inbound(&self, phone_number_id: &str, wa_id: &str, at_ms: u64) {
        if let Some(m) = self
            .windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            m.insert((phone_number_id.to_string(), wa_id.to_string()), at_ms);
        }
    }
}
