//! Playing the customer: inbound messages injected through the control API, and statuses
//! forced on the app's outbound messages.

use super::messaging::{conversation_key, Messaging};
use crate::delivery::{CallbackKind, DirectCallback, NewCallback};
use crate::simulator::lifecycle::{self, Conversation, Step};
use crate::simulator::schedule::Addressee;
use crate::store::Batch;
use crate::wa::inbound::{self, MEDIA_TYPES};
use crate::wa::{ids, time::now_ms, ApiError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// `POST /v1/emulator/inbound`: a message from a customer. The payload sits under the key named
/// like the type, as in the webhook; media payloads may carry `data_base64` and `mime_type`.
#[derive(Debug, Deserialize)]
pub struct InboundRequest {
    pub from: String,
    #[serde(default)]
    pub profile_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// An injected inbound message as stored (and listed by `GET /v1/emulator/inbound`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboundRecord {
    pub id: String,
    pub from: String,
    pub received_ms: u64,
    pub notification: Value,
    /// When the app marked it read (`PUT /v1/messages/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_ms: Option<u64>,
    /// `cloud` for a message to a Cloud API number (absent for On-Prem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// The Cloud number it was sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// The conversation it opened or continued (absent in records of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Conversation>,
}

crate::json_record!(InboundRecord, "inbound", |r| r.id);

const EXTRA_FIELDS: [&str; 4] = ["context", "referral", "identity", "group_id"];

/// Another personality's webhook for inbound messages (the Cloud API's numbers).
pub(crate) trait InboundSink: Sync {
    /// Types accepted beyond the On-Prem ones (their payload is checked by the sink).
    fn extra_kinds(&self) -> &'static [&'static str];
    fn message_id(&self, from: &str) -> String;
    /// The number the message is to (stored with it).
    fn phone_number_id(&self) -> &str;
    /// Fields added to the inbound event (`api`, the number).
    fn record_tag(&self) -> Map<String, Value>;
    /// The callback for the On-Prem-shaped notification; None when there is no webhook.
    fn callback(&self, from: &str, body: &Value) -> Result<Option<DirectCallback>, ApiError>;
}

impl Messaging {
    pub async fn receive(
        &self,
        req: InboundRequest,
        business_wa_id: &str,
    ) -> Result<(String, u64), ApiError> {
        let (id, callback) = self.receive_via(req, business_wa_id, None).await?;
        Ok((id, callback.unwrap_or_default()))
    }

    /// A customer message, notified On-Prem (`sink` None) or through another personality's sink.
    pub(crate) async fn receive_via(
        &self,
        mut req: InboundRequest,
        business_wa_id: &str,
        sink: Option<&dyn InboundSink>,
    ) -> Result<(String, Option<u64>), ApiError> {
        let from = crate::wa::outbound::normalize_number(&req.from, self.default_cc()).ok_or_else(
            || ApiError::invalid("from", format!("'{}' is not a phone number", req.from)),
        )?;
        let extra_kinds = sink.map_or(&[][..], |s| s.extra_kinds());
        if !inbound::INBOUND_TYPES.contains(&req.kind.as_str())
            && !extra_kinds.contains(&req.kind.as_str())
        {
            return Err(ApiError::invalid(
                "type",
                format!(
                    "'{}' is not an inbound type ({:?})",
                    req.kind,
                    inbound::INBOUND_TYPES
                ),
            ));
        }
        let mut payload = req.rest.remove(&req.kind);
        let mut extra = Map::new();
        for (k, v) in std::mem::take(&mut req.rest) {
            if !EXTRA_FIELDS.contains(&k.as_str()) {
                return Err(ApiError::unknown_field(&k));
            }
            extra.insert(k, v);
        }
        if let (None, Some(group)) = (sink, extra.get("group_id")) {
            let group = group
                .as_str()
                .ok_or_else(|| ApiError::invalid("group_id", "must be a string"))?;
            self.groups.check_sender(group, &from)?;
        }
        if let Some(ctx) = extra.get_mut("context").and_then(Value::as_object_mut) {
            if ctx.contains_key("id") && !ctx.contains_key("from") {
                ctx.insert("from".into(), json!(business_wa_id));
            }
        }
        let mut attached = None;
        if MEDIA_TYPES.contains(&req.kind.as_str()) {
            let (p, stored) = self
                .attach_media(&req.kind, payload.unwrap_or_else(|| json!({})))
                .await?;
            payload = Some(p);
            attached = stored;
        }
        let result = self.deliver_inbound(req, from, payload, extra, sink).await;
        if let (Err(_), Some(media_id)) = (&result, attached) {
            let _ = self.media.delete(&media_id).await;
        }
        result
    }

    async fn deliver_inbound(
        &self,
        req: InboundRequest,
        from: String,
        mut payload: Option<Value>,
        extra: Map<String, Value>,
        sink: Option<&dyn InboundSink>,
    ) -> Result<(String, Option<u64>), ApiError> {
        inbound::check_payload(&req.kind, payload.as_ref())?;
        if req.kind == "system" {
            if let Some(p) = payload.as_mut() {
                inbound::complete_system(p, &from);
            }
        }
        let now = now_ms();
        let mut batch = Batch::default();
        let key = conversation_key(sink.map(|s| s.phone_number_id()), &from);
        let conversation = self.conversation(&key, "service", now);
        let id = sink.map_or_else(ids::inbound_message_id, |s| s.message_id(&from));
        let profile = req.profile_name.unwrap_or_else(|| "Test Customer".into());
        let body =
            inbound::notification(&id, &from, &profile, &req.kind, payload, &extra, now / 1000);
        batch.put_new(&InboundRecord {
            id: id.clone(),
            from: from.clone(),
            received_ms: now,
            notification: body.clone(),
            read_ms: None,
            api: sink.map(|_| "cloud".to_string()),
            phone_number_id: sink.map(|s| s.phone_number_id().to_string()),
            conversation: Some(conversation.clone()),
        })?;
        let ids = match sink {
            None => {
                self.delivery()
                    .enqueue_with(
                        vec![NewCallback {
                            kind: CallbackKind::InboundMessage,
                            body: body.clone(),
                            order_key: Some(format!("inbound:{from}")),
                        }],
                        batch,
                    )
                    .await?
            }
            Some(s) => {
                let direct = s.callback(&from, &body)?.into_iter().collect();
                self.delivery().enqueue_direct_with(direct, batch).await?
            }
        };
        self.remember(&key, &conversation);
        self.metrics.messages_received.inc();
        self.events().publish("inbound", || {
            let mut event = body;
            if let (Some(s), Some(e)) = (sink, event.as_object_mut()) {
                e.extend(s.record_tag());
            }
            event
        });
        Ok((id, ids.first().copied()))
    }

    /// Stores the bytes of an inbound media message and fills `id`, `mime_type`, `sha256`;
    /// answers the payload and the id of the media it stored (None when it reused one).
    async fn attach_media(
        &self,
        kind: &str,
        payload: Value,
    ) -> Result<(Value, Option<String>), ApiError> {
        let mut p = match payload {
            Value::Object(o) => o,
            _ => return Err(ApiError::invalid(kind, "must be a JSON object")),
        };
        let mime = match p.remove("mime_type") {
            Some(Value::String(m)) => m,
            None => inbound::default_mime(kind).to_string(),
            Some(_) => {
                return Err(ApiError::invalid(
                    &format!("{kind}.mime_type"),
                    "must be a string",
                ))
            }
        };
        if let Some(want) = crate::wa::outbound::misfit(kind, &mime) {
            return Err(ApiError::invalid(
                &format!("{kind}.mime_type"),
                format!("'{mime}' does not fit {kind} media: it must be {want}"),
            ));
        }
        let (meta, stored) = match (p.remove("data_base64"), p.get("id").and_then(Value::as_str)) {
            (Some(Value::String(b64)), _) => {
                let bytes = STANDARD
                    .decode(b64.trim())
                    .map_err(|e| ApiError::invalid(&format!("{kind}.data_base64"), e))?;
                (self.media.store_bytes(&mime, &bytes).await?, true)
            }
            (Some(_), _) => {
                return Err(ApiError::invalid(
                    &format!("{kind}.data_base64"),
                    "must be a base64 string",
                ))
            }
            (None, Some(id)) => (self.media.get(id).await?.0, false),
            (None, None) => (
                self.media
                    .store_bytes(&mime, format!("emulated {kind} content").as_bytes())
                    .await?,
                true,
            ),
        };
        let stored = stored.then(|| meta.id.clone());
        p.insert("id".into(), json!(meta.id));
        p.insert("mime_type".into(), json!(meta.mime_type));
        p.insert("sha256".into(), json!(meta.sha256));
        Ok((Value::Object(p), stored))
    }

    /// Forces a status on an outbound message now. The message leaves its planned lifecycle:
    /// the statuses it was still to get are cancelled. The notification follows the
    /// `webhooks.message.*` filters like any status; answers its callback id (None if filtered).
    pub async fn force_status(
        &self,
        id: &str,
        status: &str,
        code: Option<u32>,
    ) -> Result<Option<u64>, ApiError> {
        let code = match (status, code) {
            ("failed", None) => Some(470),
            ("failed", Some(c)) => {
                crate::simulator::rules::failure_code(c, "code")?;
                Some(c)
            }
            ("delivered" | "read" | "deleted" | "sent", None) => None,
            ("delivered" | "read" | "deleted" | "sent", Some(_)) => {
                return Err(ApiError::not_allowed("code", "only for the failed status"))
            }
            (other, _) => {
                return Err(ApiError::invalid(
                    "status",
                    format!("'{other}' is not sent, delivered, read, failed or deleted"),
                ))
            }
        };
        let _no_handover = self.schedule().exclusive().await;
        let before = self
            .sent(id)?
            .ok_or_else(|| ApiError::not_found(format!("No outbound message {id}")))?;
        let step = Step {
            status: status.into(),
            at_ms: now_ms(),
            error_code: code,
            forced: true,
        };
        let body =
            lifecycle::status_notification(&before.id, &before.to, &step, &before.conversation);
        let cancelled = self.schedule().cancel(&before.id);
        let mut message = before.clone();
        message.steps.retain(|s| !cancelled.contains(s));
        message.steps.push(step.clone());
        let addressee = Addressee {
            message_id: before.id.clone(),
            recipient_id: before.to.clone(),
            conversation: before.conversation.clone(),
            cloud: before.cloud.clone(),
        };
        let mut batch = Batch::default();
        let result = match (batch.put(&message), &before.cloud) {
            (Err(e), _) => Err(e.into()),
            (Ok(_), Some(_)) => {
                let direct = self
                    .schedule()
                    .cloud_callback(&addressee, &step)
                    .into_iter()
                    .collect();
                self.delivery().enqueue_direct_with(direct, batch).await
            }
            (Ok(_), None) => {
                let wanted = self.settings().current().status_filters().notified(status);
                let callbacks = match wanted {
                    true => vec![NewCallback {
                        kind: CallbackKind::StatusChange,
                        body,
                        order_key: Some(message.id.clone()),
                    }],
                    false => Vec::new(),
                };
                self.delivery().enqueue_with(callbacks, batch).await
            }
        };
        match result {
            Ok(ids) => {
                if let Some(step) = message.steps.last() {
                    self.events().publish("status", || {
                        crate::simulator::schedule::status_event(&message.id, &message.to, step)
                    });
                }
                Ok(ids.first().copied())
            }
            Err(e) => {
                self.schedule().restore(addressee, cancelled);
                Err(e)
            }
        }
    }
}
