//! Cloud webhooks as direct callbacks: the envelope with the number's metadata, the exact body
//! signed with the app secret, the Cloud retry policy.

use super::config::{CloudConfig, CloudNumber};
use super::Shared;
use crate::delivery::DirectCallback;
use crate::domain::inbound::InboundSink;
use crate::graph::ids;
use crate::graph::webhook::{self, CloudSend, Metadata, StatusFacts};
use crate::simulator::lifecycle::Step;
use crate::simulator::schedule::{Addressee, CloudStatuses};
use crate::wa::ApiError;
use serde_json::{json, Map, Value};

impl Shared {
    /// A signed `whatsapp_business_account` POST about `number`; None without a webhook URL.
    pub(crate) fn callback(
        &self,
        config: &CloudConfig,
        number: &CloudNumber,
        parts: Map<String, Value>,
        event: &str,
        order_key: Option<String>,
    ) -> Option<DirectCallback> {
        let url = self.webhook_url(config.webhook.url.as_ref(), &number.waba_id)?;
        let meta = Metadata {
            waba_id: &number.waba_id,
            display_phone_number: &number.display_phone_number,
            phone_number_id: &number.phone_number_id,
        };
        let body = webhook::envelope(meta, parts).to_string();
        Some(DirectCallback {
            source: "cloud".into(),
            event: event.into(),
            url,
            headers: signed_headers(config, &body),
            body,
            retry: self.retry.clone(),
            order_key,
        })
    }

    /// A signed WABA-level change (`field` such as `message_template_status_update`); None
    /// without a webhook URL.
    pub(crate) fn waba_callback(
        &self,
        config: &CloudConfig,
        waba_id: &str,
        field: &str,
        value: Value,
        order_key: Option<String>,
    ) -> Option<DirectCallback> {
        let url = self.webhook_url(config.webhook.url.as_ref(), waba_id)?;
        let body = webhook::waba_change(waba_id, field, value, crate::wa::time::now_ms() / 1000)
            .to_string();
        Some(DirectCallback {
            source: "cloud".into(),
            event: field.into(),
            url,
            headers: signed_headers(config, &body),
            body,
            retry: self.retry.clone(),
            order_key,
        })
    }
}

/// `Content-Type` and `X-Hub-Signature-256` of the exact body.
pub(crate) fn signed_headers(config: &CloudConfig, body: &str) -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), "application/json".into()),
        (
            "X-Hub-Signature-256".into(),
            webhook::signature(&config.app_secret, body.as_bytes()),
        ),
    ]
}

impl CloudStatuses for Shared {
    fn callback(&self, to: &Addressee, cloud: &CloudSend, step: &Step) -> Option<DirectCallback> {
        let config = self.config();
        let number = config.number(&cloud.phone_number_id)?;
        let status = webhook::status(&StatusFacts {
            message_id: &to.message_id,
            recipient_id: &to.recipient_id,
            status: &step.status,
            at_ms: step.at_ms,
            send: cloud,
            conversation_id: &to.conversation.id,
            conversation_expiration_s: to.conversation.expiration_timestamp,
            error_code: step.error_code,
        });
        let mut parts = Map::new();
        parts.insert("statuses".into(), json!([status]));
        Shared::callback(
            self,
            &config,
            number,
            parts,
            &format!("status_{}", step.status),
            Some(to.message_id.clone()),
        )
    }
}

/// Inbound messages to one business number.
pub(crate) struct Inbound<'a> {
    pub shared: &'a Shared,
    pub phone_number_id: &'a str,
}

impl InboundSink for Inbound<'_> {
    fn extra_kinds(&self) -> &'static [&'static str] {
        &["order"]
    }

    fn message_id(&self, from: &str) -> String {
        ids::inbound(from)
    }

    fn phone_number_id(&self) -> &str {
        self.phone_number_id
    }

    fn record_tag(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("api".into(), json!("cloud"));
        m.insert("phone_number_id".into(), json!(self.phone_number_id));
        m
    }

    fn callback(&self, from: &str, body: &Value) -> Result<Option<DirectCallback>, ApiError> {
        let config = self.shared.config();
        let number = config.number(self.phone_number_id).ok_or_else(|| {
            ApiError::not_found(format!("No Cloud number {}", self.phone_number_id))
        })?;
        let parts = webhook::inbound_parts(body);
        Ok(self.shared.callback(
            &config,
            number,
            parts,
            "message",
            Some(format!("cloud-inbound:{}:{from}", self.phone_number_id)),
        ))
    }
}
