//! `/{waba-id}/subscribed_apps`: whether the app (the emulator's one app) gets the WABA's
//! webhooks, and where. A WABA is subscribed until `DELETE` unsubscribes it; `POST` subscribes
//! it again, optionally with `override_callback_uri` (verified with the subscription handshake,
//! as Meta does) to send that WABA's webhooks to another URL. One record per changed WABA.

use super::{Cloud, Shared};
use crate::graph::templates::param_error;
use crate::graph::GraphError;
use crate::store::Batch;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The app's subscription to one WABA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub waba_id: String,
    pub subscribed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_callback_uri: Option<String>,
}

crate::json_record!(Subscription, "cloud_subscriptions", |r| r.waba_id);

/// The subscriptions that differ from the default (subscribed, no override), by WABA.
pub(crate) type Subscriptions = std::sync::RwLock<HashMap<String, Subscription>>;

impl Shared {
    /// Where the WABA's webhooks go: None when it is unsubscribed or no URL is set.
    pub(crate) fn webhook_url(&self, default: Option<&String>, waba_id: &str) -> Option<String> {
        let subs = self.subscriptions.read().unwrap_or_else(|p| p.into_inner());
        match subs.get(waba_id) {
            Some(s) if !s.subscribed => None,
            Some(Subscription {
                override_callback_uri: Some(u),
                ..
            }) => Some(u.clone()),
            _ => default.cloned(),
        }
    }
}

impl Cloud {
    /// The WABA's subscription (the default when never changed).
    pub fn subscription(&self, waba_id: &str) -> Subscription {
        self.shared
            .subscriptions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(waba_id)
            .cloned()
            .unwrap_or(Subscription {
                waba_id: waba_id.to_string(),
                subscribed: true,
                override_callback_uri: None,
            })
    }

    /// `POST` (subscribe, with an optional verified override) and `DELETE` (unsubscribe).
    pub async fn set_subscription(
        &self,
        waba_id: &str,
        subscribed: bool,
        override_callback_uri: Option<String>,
        verify_token: Option<String>,
    ) -> Result<(), GraphError> {
        let _change = self.change.lock().await;
        if let Some(url) = &override_callback_uri {
            let token = verify_token.ok_or_else(|| {
                param_error("The parameter verify_token is required with override_callback_uri")
            })?;
            let ok_scheme = reqwest::Url::parse(url)
                .is_ok_and(|u| u.scheme() == "https" || (self.allow_http && u.scheme() == "http"));
            if !ok_scheme {
                return Err(param_error(
                    "Param override_callback_uri must be a valid https URL",
                ));
            }
            self.handshake(url, &token)
                .await
                .map_err(|e| param_error(e.details.unwrap_or_else(|| e.title.to_string())))?;
        }
        let sub = Subscription {
            waba_id: waba_id.to_string(),
            subscribed,
            override_callback_uri,
        };
        let mut batch = Batch::default();
        batch.put(&sub)?;
        self.store.commit(batch).await?;
        self.shared
            .subscriptions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(waba_id.to_string(), sub);
        Ok(())
    }

    /// Forgets every subscription change (the control API's reset).
    pub(crate) async fn reset_subscriptions(&self) -> Result<(), crate::wa::ApiError> {
        self.store
            .commit_with(|b| {
                b.clear::<Subscription>();
                Ok(())
            })
            .await?;
        self.shared
            .subscriptions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(())
    }
}
