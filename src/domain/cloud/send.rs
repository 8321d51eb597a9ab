//! Cloud sends (`POST /{version}/{phone-number-id}/messages`) and customer messages to a Cloud
//! number (`POST /v1/emulator/cloud/inbound`).

use super::limits::Hit;
use super::sinks::Inbound;
use super::Cloud;
use crate::domain::inbound::{InboundRecord, InboundRequest};
use crate::domain::messaging::{conversation_key, Messaging, NewSend};
use crate::graph::errors::from_onprem;
use crate::graph::outbound::{self, Request};
use crate::graph::webhook::CloudSend;
use crate::graph::{ids, GraphError, Version};
use crate::simulator::rules::Action;
use crate::wa::outbound::RecipientType;
use crate::wa::time::now_ms;
use crate::wa::{templates, ApiError};
use serde_json::value::RawValue;
use serde_json::Value;

const WINDOW_MS: u64 = 24 * 3600 * 1000;

/// A paused (132015) or disabled (132016) template cannot be sent; other non-approved ones
/// answer 132001 through the registry check.
fn check_status(
    registered: &[templates::Template],
    name: &str,
    language: &str,
) -> Result<(), GraphError> {
    let found: Vec<_> = registered
        .iter()
        .filter(|t| t.name == name && t.language == language)
        .collect();
    if found.iter().any(|t| t.approved()) {
        return Ok(());
    }
    match found.first().and_then(|t| t.status.as_deref()) {
        Some("PAUSED") => Err(GraphError::new(
            132015,
            format!("Template {name} ({language}) is paused because of low quality"),
        )),
        Some("DISABLED") => Err(GraphError::new(
            132016,
            format!("Template {name} ({language}) has been disabled because of low quality"),
        )),
        _ => Ok(()),
    }
}

impl Cloud {
    /// Unknown numbers answer 100, as the Graph API does for an unknown node.
    pub fn check_number(&self, phone_number_id: &str) -> Result<(), GraphError> {
        match self.config().number(phone_number_id) {
            Some(_) => Ok(()),
            None => Err(GraphError::unknown_object("POST", phone_number_id)),
        }
    }

    /// A send, a mark-as-read or a typing indicator; answers the Graph response body.
    pub async fn send(
        &self,
        messaging: &Messaging,
        phone_number_id: &str,
        version: Version,
        request: Box<RawValue>,
        body: Value,
    ) -> Result<outbound::Answer, GraphError> {
        self.check_number(phone_number_id)?;
        self.check_registered(phone_number_id)?;
        let config = self.config();
        let number = config
            .number(phone_number_id)
            .cloned()
            .ok_or_else(|| GraphError::new(100, ""))?;
        let media = |id: &str| messaging.media.mime_type(id);
        let send = match outbound::validate(body, &self.default_cc, &media)? {
            Request::Read { message_id, .. } => {
                let found = self.store.get::<InboundRecord>(&message_id)?;
                return match found {
                    Some(mut r) if r.phone_number_id.as_deref() == Some(phone_number_id) => {
                        r.read_ms.get_or_insert_with(now_ms);
                        self.store.commit_with(|b| b.put(&r).map(drop)).await?;
                        Ok(outbound::Answer::Read { success: true })
                    }
                    _ => Err(GraphError::invalid(format!(
                        "message_id: {message_id} is not a message received by this number"
                    ))),
                };
            }
            Request::Send(s) => s,
        };
        // The registry as this number's WABA sees it (its own templates and those registered
        // through the control API); Cloud templates have no namespace. Only a template send
        // reads it (a session message's category is "service").
        let registered: Vec<_> = match &send.template {
            None => Vec::new(),
            Some(_) => self
                .templates
                .templates
                .all()
                .iter()
                .filter(|t| t.live() && t.visible_to(&number.waba_id))
                .map(|t| {
                    let mut t = t.for_checks();
                    t.namespace = None;
                    t
                })
                .collect(),
        };
        if let Some(sent) = &send.template {
            check_status(&registered, &sent.name, &sent.language.code)?;
            templates::check(&registered, sent).map_err(|e| from_onprem(&e))?;
        }
        let individual = send.recipient_type == RecipientType::Individual;
        if individual && self.is_blocked(phone_number_id, &send.to)? {
            return Err(GraphError::new(
                131026,
                format!("{} is on the block list of number {phone_number_id}: unblock them first (DELETE /{{version}}/{phone_number_id}/block_users)", send.to),
            ));
        }
        if let (true, Some(allowed)) = (individual, &number.allowed_recipients) {
            if !allowed.iter().any(|a| a == &send.to) {
                return Err(GraphError::new(
                    131030,
                    format!(
                        "{} is not in the allowed list of test number {phone_number_id}",
                        send.to
                    ),
                ));
            }
        }
        let now = now_ms();
        match self.limits.check(phone_number_id, number.throughput_mps, &send.to, now) {
            Ok(()) => {}
            Err(Hit::Throughput) => {
                return Err(GraphError::new(
                    130429,
                    format!("Cloud API message throughput ({} messages per second) has been reached.", number.throughput_mps),
                )
                .with_status(self.throttle_status))
            }
            Err(Hit::Pair) => {
                return Err(GraphError::new(
                    131056,
                    format!("Message failed to send because there were too many messages sent from this phone number to {} in a short period of time.", send.to),
                )
                .with_status(self.throttle_status))
            }
        }
        let template = send
            .template
            .as_ref()
            .map(|t| (t.name.as_str(), t.language.code.as_str()));
        let category = templates::category(&registered, template);
        let action = match individual.then(|| messaging.rule_for(&send.to)).flatten() {
            Some(Action::Invalid) => Some(Action::Fail { code: 131026 }),
            Some(Action::Fail { code }) => Some(Action::Fail {
                code: crate::graph::errors::async_code(code),
            }),
            other => {
                let window_open = self
                    .last_inbound(phone_number_id, &send.to)
                    .map_err(|e| from_onprem(&e))?
                    .is_some_and(|at| at + WINDOW_MS > now);
                if individual && template.is_none() && !window_open {
                    Some(Action::Fail { code: 131047 })
                } else {
                    other
                }
            }
        };
        let message = messaging
            .record_send(NewSend {
                id: ids::outbound(&send.to, now),
                created_ms: now,
                conversation_key: conversation_key(Some(phone_number_id), &send.to),
                to: send.to.clone(),
                recipient_type: send.recipient_type,
                message_type: send.message_type,
                request,
                category: category.clone(),
                action,
                cloud: Some(CloudSend {
                    phone_number_id: phone_number_id.to_string(),
                    version: version.to_string(),
                    category,
                    biz_opaque_callback_data: send.biz_opaque_callback_data,
                }),
            })
            .await
            .map_err(|e| from_onprem(&e))?;
        let is_template = template.is_some();
        Ok(outbound::Answer::sent(
            send.input,
            send.to,
            message.id,
            is_template,
        ))
    }

    /// A customer message to a Cloud number (`phone_number_id` in the body; default the first).
    /// None when the number blocked the sender: the message is dropped, nothing is stored or sent.
    pub async fn inbound(
        &self,
        messaging: &Messaging,
        mut req: InboundRequest,
    ) -> Result<Option<(String, Option<u64>)>, ApiError> {
        let config = self.config();
        let phone_number_id = match req.rest.remove("phone_number_id") {
            None => config
                .numbers
                .first()
                .map(|n| n.phone_number_id.clone())
                .unwrap_or_default(),
            Some(Value::String(s)) => s,
            Some(_) => return Err(ApiError::invalid("phone_number_id", "must be a string")),
        };
        let number = config.number(&phone_number_id).ok_or_else(|| {
            ApiError::invalid(
                "phone_number_id",
                format!("{phone_number_id} is not a configured Cloud number"),
            )
        })?;
        if req.kind == "unsupported" {
            req.kind = "unknown".into();
        }
        if req.kind == "order" {
            let o = req
                .rest
                .get("order")
                .and_then(Value::as_object)
                .ok_or_else(|| ApiError::missing("order"))?;
            o.get("catalog_id")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::missing("order.catalog_id"))?;
            let items = o
                .get("product_items")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| ApiError::missing("order.product_items"))?;
            if let Some(i) = items.iter().position(|item| !item.is_object()) {
                return Err(ApiError::invalid(
                    &format!("order.product_items[{i}]"),
                    "must be an object",
                ));
            }
        }
        let from = crate::wa::outbound::normalize_number(&req.from, &self.default_cc);
        if let Some(f) = &from {
            if self
                .is_blocked(&phone_number_id, f)
                .map_err(ApiError::internal)?
            {
                return Ok(None);
            }
        }
        let sink = Inbound {
            shared: &self.shared,
            phone_number_id: &phone_number_id,
        };
        let result = messaging
            .receive_via(req, &number.display_phone_number, Some(&sink))
            .await?;
        if let Some(from) = from {
            self.note_inbound(&phone_number_id, &from, now_ms());
        }
        Ok(Some(result))
    }
}
