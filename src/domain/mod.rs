//! The domain: accounts, application settings, certificates (and, later, messaging).
//! Handlers call these; these call the store and enqueue callbacks.

pub mod accounts;
pub mod cloud;
pub mod inbound;
pub mod media;
pub mod messaging;
pub mod settings;

use crate::store::{self, Store, StoreError};
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
}

impl Settings {
    pub fn open(store: Store, cfg: &crate::config::Config) -> Result<Settings, StoreError> {
        let mut current: ApplicationSettings = store::get_json(&store.config, "application")?
            .unwrap_or_else(|| ApplicationSettings::defaults(&cfg.wa_id));
        current.wa_id = cfg.wa_id.clone();
        let (policy, _) = watch::channel(current.webhook_policy());
        let (tx, _) = watch::channel(Arc::new(current));
        Ok(Settings {
            store,
            allow_http: cfg.allow_http_webhooks,
            wa_id: cfg.wa_id.clone(),
            tx,
            policy,
        })
    }

    pub fn current(&self) -> Arc<ApplicationSettings> {
        self.tx.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<ApplicationSettings>> {
        self.tx.subscribe()
    }

    /// The delivery engine's view of the settings, updated on every change.
    pub fn webhook_policy(&self) -> watch::Receiver<crate::delivery::WebhookPolicy> {
        self.policy.subscribe()
    }

    pub fn patch(&self, body: &Value) -> Result<Arc<ApplicationSettings>, ApiError> {
        let next = self.current().patched(body, self.allow_http)?;
        self.replace(next)
    }

    pub fn reset(&self) -> Result<Arc<ApplicationSettings>, ApiError> {
        self.replace(ApplicationSettings::defaults(&self.wa_id))
    }

    fn replace(&self, next: ApplicationSettings) -> Result<Arc<ApplicationSettings>, ApiError> {
        let before = self.current();
        store::put_json(&self.store.config, "application", &next)?;
        if let Err(e) = self.store.flush() {
            let _ = store::put_json(&self.store.config, "application", &*before);
            return Err(e.into());
        }
        let next = Arc::new(next);
        self.policy.send_if_modified(|p| {
            let policy = next.webhook_policy();
            let changed = *p != policy;
            *p = policy;
            changed
        });
        self.tx.send_replace(next.clone());
        Ok(next)
    }
}

/// The webhook CA bundle uploaded at `/v1/certificates/webhooks/ca`.
pub struct WebhookCa {
    store: Store,
    tx: watch::Sender<Option<String>>,
}

impl WebhookCa {
    pub fn open(store: Store) -> Result<WebhookCa, StoreError> {
        let pem = store
            .config
            .get("webhooks_ca")?
            .map(|v| String::from_utf8_lossy(&v).into_owned());
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
    pub fn set(&self, body: &[u8]) -> Result<(), ApiError> {
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
        self.store
            .config
            .insert("webhooks_ca", text.as_bytes())
            .map_err(StoreError::from)?;
        self.store.flush()?;
        self.tx.send_replace(Some(text.to_string()));
        Ok(())
    }

    pub fn delete(&self) -> Result<bool, ApiError> {
        let existed = self
            .store
            .config
            .remove("webhooks_ca")
            .map_err(StoreError::from)?
            .is_some();
        self.store.flush()?;
        self.tx.send_replace(None);
        Ok(existed)
    }
}
