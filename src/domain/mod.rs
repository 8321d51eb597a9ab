//! The domain: accounts, application settings, certificates (and, later, messaging).
//! Handlers call these; these call the store and enqueue callbacks.

pub mod accounts;
pub mod backup;
pub mod cloud;
pub mod external_cert;
pub mod gateways;
pub mod groups;
pub mod inbound;
pub mod media;
pub mod messaging;
pub mod profile;
pub mod providers;
pub mod registration;
pub mod settings;

use crate::simulator::schedule::StatusFilters;
use crate::store::{Batch, Record, Store, StoreError};
use crate::wa::ApiError;
use serde_json::Value;
use settings::ApplicationSettings;
use std::sync::Arc;
use tokio::sync::watch;

/// The application settings: persisted in sled, published to the delivery engine on change.
pub struct Settings {
    store: Store,
    allow_http: bool,
    wa_id: String,
    tx: watch::Sender<Arc<ApplicationSettings>>,
    policy: watch::Sender<crate::delivery::WebhookPolicy>,
    filters: watch::Sender<StatusFilters>,
}

impl Settings {
    pub fn open(store: Store, cfg: &crate::config::Config) -> Result<Settings, StoreError> {
        let mut current: ApplicationSettings = store
            .get::<ApplicationSettings>("application")?
            .unwrap_or_else(|| ApplicationSettings::defaults(&cfg.wa_id));
        current.wa_id = cfg.wa_id.clone();
        let (policy, _) = watch::channel(current.webhook_policy());
        let (filters, _) = watch::channel(current.status_filters());
        let (tx, _) = watch::channel(Arc::new(current));
        Ok(Settings {
            store,
            allow_http: cfg.allow_http_webhooks,
            wa_id: cfg.wa_id.clone(),
            tx,
            policy,
            filters,
        })
    }

    pub fn current(&self) -> Arc<ApplicationSettings> {
        self.tx.borrow().clone()
    }

    /// The schedule's view of the settings: which statuses are notified.
    pub fn status_filters(&self) -> watch::Receiver<StatusFilters> {
        self.filters.subscribe()
    }

    /// The delivery engine's view of the settings, updated on every change.
    pub fn webhook_policy(&self) -> watch::Receiver<crate::delivery::WebhookPolicy> {
        self.policy.subscribe()
    }

    pub async fn patch(&self, body: &Value) -> Result<Arc<ApplicationSettings>, ApiError> {
        let next = self.current().patched(body, self.allow_http)?;
        self.replace(next).await
    }

    pub async fn reset(&self) -> Result<Arc<ApplicationSettings>, ApiError> {
        self.replace(ApplicationSettings::defaults(&self.wa_id))
            .await
    }

    /// Replaces the whole settings (a restore, the media providers), keeping this `wa_id` and
    /// checking the webhook URL as a PATCH would; `also` is committed in the same write.
    pub async fn replace_with(
        &self,
        mut next: ApplicationSettings,
        also: Batch,
    ) -> Result<Arc<ApplicationSettings>, ApiError> {
        next.wa_id = self.wa_id.clone();
        if let Some(url) = &next.webhooks.url {
            settings::webhook_url(url, self.allow_http)?;
        }
        self.commit(next, also).await
    }

    async fn replace(
        &self,
        next: ApplicationSettings,
    ) -> Result<Arc<ApplicationSettings>, ApiError> {
        self.commit(next, Batch::default()).await
    }

    async fn commit(
        &self,
        next: ApplicationSettings,
        mut batch: Batch,
    ) -> Result<Arc<ApplicationSettings>, ApiError> {
        batch.put(&next)?;
        self.store.commit(batch).await?;
        let next = Arc::new(next);
        self.policy
            .send_if_modified(|p| replaced(p, next.webhook_policy()));
        self.filters
            .send_if_modified(|f| replaced(f, next.status_filters()));
        self.tx.send_replace(next.clone());
        Ok(next)
    }
}

/// Replaces `old` with `new`, answering whether it changed (for `send_if_modified`).
fn replaced<T: PartialEq>(old: &mut T, new: T) -> bool {
    let changed = *old != new;
    *old = new;
    changed
}

/// The webhook CA bundle uploaded at `/v1/certificates/webhooks/ca` (PEM text).
struct WebhookCaPem(String);

impl Record for WebhookCaPem {
    const TREE: &'static str = "config";
    fn key(&self) -> Vec<u8> {
        b"webhooks_ca".to_vec()
    }
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(self.0.as_bytes().to_vec())
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(WebhookCaPem(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// The webhook CA bundle uploaded at `/v1/certificates/webhooks/ca`.
pub struct WebhookCa {
    store: Store,
    tx: watch::Sender<Option<String>>,
}

impl WebhookCa {
    pub fn open(store: Store) -> Result<WebhookCa, StoreError> {
        let pem = store.get::<WebhookCaPem>("webhooks_ca")?.map(|p| p.0);
        let (tx, _) = watch::channel(pem);
        Ok(WebhookCa { store, tx })
    }

    pub fn get(&self) -> Option<String> {
        self.tx.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Option<String>> {
        self.tx.subscribe()
    }

    /// Stores a PEM bundle (one or more certificates); rejects anything else with 1009.
    pub async fn set(&self, body: &[u8]) -> Result<(), ApiError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::invalid("certificate", "must be PEM text (UTF-8)"))?;
        let count = crate::tls::count_pem_certificates(text)
            .map_err(|e| ApiError::invalid("certificate", e))?;
        if count == 0 {
            return Err(ApiError::invalid(
                "certificate",
                "no PEM CERTIFICATE block found",
            ));
        }
        reqwest::Certificate::from_pem_bundle(body).map_err(|e| {
            ApiError::invalid("certificate", format!("not a usable certificate: {e}"))
        })?;
        let mut batch = Batch::default();
        batch.put(&WebhookCaPem(text.to_string()))?;
        self.store.commit(batch).await?;
        self.tx.send_replace(Some(text.to_string()));
        Ok(())
    }

    pub async fn delete(&self) -> Result<bool, ApiError> {
        let existed = self.get().is_some();
        let mut batch = Batch::default();
        batch.remove::<WebhookCaPem>("webhooks_ca");
        self.store.commit(batch).await?;
        self.tx.send_replace(None);
        Ok(existed)
    }
}
