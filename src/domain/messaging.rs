//! Sending messages: validate, apply the recipient's rule, store what the app sent exactly as
//! sent, and enqueue its status lifecycle as durable callbacks due at the simulated times.

use super::media::Media;
use super::Settings;
use crate::delivery::Delivery;
use crate::events::Events;
use crate::graph::webhook::CloudSend;
use crate::simulator::lifecycle::{self, Conversation, Step, Timing};
use crate::simulator::rules::{self, Action, Rule};
use crate::simulator::schedule::{Addressee, Schedule};
use crate::store::{self, Store, StoreError};
use crate::wa::templates::{self, Template};
use crate::wa::{ids, outbound, time::now_ms, ApiError};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// A message the app sent, with the statuses planned (and later forced) for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentMessage {
    pub id: String,
    pub to: String,
    pub recipient_type: String,
    #[serde(rename = "type")]
    pub message_type: String,
    pub created_ms: u64,
    pub steps: Vec<Step>,
    pub conversation: Conversation,
    /// The request body exactly as the app sent it (its very text).
    pub request: Box<RawValue>,
    /// `cloud` for a Cloud API send (absent for On-Prem sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// A Cloud API send's number, Graph version, pricing category and opaque data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudSend>,
}

/// A valid send, ready to be stored and planned (`Messaging::record_send`).
pub(crate) struct NewSend {
    pub id: String,
    pub to: String,
    pub recipient_type: String,
    pub message_type: String,
    pub request: Box<RawValue>,
    /// Which conversation the send belongs to (a wa_id; Cloud prefixes its number).
    pub conversation_key: String,
    /// The category a conversation it opens gets.
    pub category: String,
    pub action: Option<Action>,
    pub cloud: Option<CloudSend>,
}

impl SentMessage {
    /// The latest status whose time has come.
    pub fn status_at(&self, now: u64) -> &str {
        self.steps
            .iter()
            .filter(|s| s.at_ms <= now)
            .max_by_key(|s| s.at_ms)
            .map_or("accepted", |s| s.status.as_str())
    }
}

pub struct Messaging {
    /// Open conversations by wa_id: a write-through cache of the `conversations` tree.
    conversations: Mutex<HashMap<String, Conversation>>,
    events: Arc<Events>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
    store: Store,
    settings: Arc<Settings>,
    delivery: Arc<Delivery>,
    schedule: Arc<Schedule>,
    pub media: Arc<Media>,
    rules: RwLock<Vec<Rule>>,
    templates: RwLock<Vec<Template>>,
    initial_rules: Vec<Rule>,
    timing: Timing,
    default_cc: String,
}

/// How the simulated network behaves: recipient rules, status delays, number normalisation.
pub struct Network {
    pub rules: Vec<Rule>,
    /// The rules come from `--recipient-rules`: they win over rules stored by the API.
    pub rules_from_file: bool,
    pub timing: Timing,
    pub default_cc: String,
}

const DAY_MS: u64 = 24 * 3600 * 1000;

impl Messaging {
    pub fn open(
        store: Store,
        settings: Arc<Settings>,
        delivery: Arc<Delivery>,
        media: Arc<Media>,
        events: Arc<Events>,
        metrics: Arc<crate::metrics::Metrics>,
        network: Network,
    ) -> Result<Messaging, StoreError> {
        let Network {
            rules: initial_rules,
            rules_from_file,
            timing,
            default_cc,
        } = network;
        if rules_from_file {
            store.config.remove("recipient_rules")?;
        }
        let rules = store::get_json(&store.config, "recipient_rules")?
            .unwrap_or_else(|| initial_rules.clone());
        let templates = store::get_json(&store.config, "templates")?.unwrap_or_default();
        let schedule = Schedule::open(store.clone(), settings.clone(), delivery.clone())?;
        Ok(Messaging {
            conversations: Mutex::new(HashMap::new()),
            events,
            metrics,
            store,
            settings,
            delivery,
            schedule,
            media,
            rules: RwLock::new(rules),
            templates: RwLock::new(templates),
            initial_rules,
            timing,
            default_cc,
        })
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    pub(crate) fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn events(&self) -> &Events {
        &self.events
    }

    pub(crate) fn default_cc(&self) -> &str {
        &self.default_cc
    }

    pub fn templates(&self) -> Vec<Template> {
        self.templates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Registers the templates sends are checked against (2000/2001); empty = accept any.
    pub async fn set_templates(&self, list: Vec<Template>) -> Result<(), ApiError> {
        templates::validate(&list)?;
        self.put_config("templates", &list).await?;
        *self.templates.write().unwrap_or_else(|p| p.into_inner()) = list;
        Ok(())
    }

    pub fn rules(&self) -> Vec<Rule> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub async fn set_rules(&self, rules: Vec<Rule>) -> Result<(), ApiError> {
        rules::validate(&rules)?;
        self.put_config("recipient_rules", &rules).await?;
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = rules;
        Ok(())
    }

    /// Writes a config record durably; on failure the previous one is put back.
    async fn put_config<T: Serialize>(&self, key: &str, value: &T) -> Result<(), ApiError> {
        self.store.writable()?;
        let before = self.store.config.get(key).map_err(StoreError::from)?;
        let result = match store::put_json(&self.store.config, key, value) {
            Ok(()) => self.store.durable().await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let _ = match before {
                Some(old) => self.store.config.insert(key, old).map(|_| ()),
                None => self.store.config.remove(key).map(|_| ()),
            };
            return Err(e.into());
        }
        Ok(())
    }

    pub(crate) fn rule_for(&self, wa_id: &str) -> Option<Action> {
        rules::find(&self.rules.read().unwrap_or_else(|p| p.into_inner()), wa_id).cloned()
    }

    /// `POST /v1/messages`: `request` is the body exactly as sent, `body` the same parsed. The message is on disk before
    /// this answers; its statuses happen later, when due (see `simulator::schedule`).
    pub async fn send(&self, request: Box<RawValue>, body: Value) -> Result<String, ApiError> {
        let out = outbound::validate(&body, &self.default_cc, &|id| self.media.mime_type(id))?;
        templates::check(
            &self.templates.read().unwrap_or_else(|p| p.into_inner()),
            &out.message_type,
            &body,
        )?;
        let settings = self.settings.current();
        if settings.webhooks.url.is_none() {
            return Err(ApiError::new(
                1022,
                "Set webhooks.url with PATCH /v1/settings/application before sending: statuses are delivered there",
            ));
        }
        let action = if out.recipient_type == "individual" {
            self.rule_for(&out.to)
        } else {
            None
        };
        if action == Some(Action::Invalid) {
            return Err(ApiError::new(
                1013,
                format!("{} is not a WhatsApp user (recipient rule)", out.to),
            ));
        }
        let category = match out.message_type.as_str() {
            "template" => Some((
                &body["template"]["name"],
                &body["template"]["language"]["code"],
            )),
            "hsm" => Some((
                &body["hsm"]["element_name"],
                &body["hsm"]["language"]["code"],
            )),
            _ => None,
        }
        .map(|(n, l)| (n.as_str().unwrap_or(""), l.as_str().unwrap_or("")));
        let category = templates::category(&self.templates(), category);
        let message = self
            .record_send(NewSend {
                id: ids::outbound_message_id(),
                conversation_key: out.to.clone(),
                to: out.to,
                recipient_type: out.recipient_type,
                message_type: out.message_type,
                request,
                category,
                action,
                cloud: None,
            })
            .await?;
        Ok(message.id)
    }

    /// Stores a valid send durably and times its planned statuses (On-Prem and Cloud sends).
    pub(crate) async fn record_send(&self, n: NewSend) -> Result<SentMessage, ApiError> {
        self.store.writable()?;
        // Statuses still to come will need room in the callback queue.
        self.delivery.check_room(self.schedule.pending() + 1)?;
        let now = now_ms();
        let ticket = self.schedule.begin(now);
        let conversation = self.conversation(&n.conversation_key, &n.category, now)?;
        let steps = lifecycle::plan(n.action.as_ref(), self.timing, now);
        let message = SentMessage {
            id: n.id,
            to: n.to,
            recipient_type: n.recipient_type,
            message_type: n.message_type,
            created_ms: now,
            steps,
            conversation,
            request: n.request,
            api: n.cloud.as_ref().map(|_| "cloud".to_string()),
            cloud: n.cloud,
        };
        let reach = message.steps.iter().map(|s| s.at_ms).max().unwrap_or(now);
        let stored = store::put_json(&self.store.messages, &message.id, &message)
            .and_then(|()| self.schedule.note_delay(reach.saturating_sub(now)));
        let durable = match stored {
            Ok(()) => self.store.durable().await,
            Err(e) => Err(e),
        };
        if let Err(e) = durable {
            let _ = self.store.messages.remove(&message.id);
            return Err(e.into());
        }
        ticket.commit(
            Addressee {
                message_id: message.id.clone(),
                recipient_id: message.to.clone(),
                conversation: message.conversation.clone(),
                cloud: message.cloud.clone(),
            },
            &message.steps,
        );
        self.metrics.messages_sent.inc();
        self.events.publish("message_sent", || {
            let mut e = json!({ "id": message.id, "to": message.to, "type": message.message_type });
            if let Some(c) = &message.cloud {
                e["api"] = json!("cloud");
                e["phone_number_id"] = json!(c.phone_number_id);
            }
            e
        });
        Ok(message)
    }

    /// Sent messages, oldest first, filtered by recipient, type and creation time.
    pub fn list_sent(
        &self,
        to: Option<&str>,
        kind: Option<&str>,
        since_ms: u64,
        until_ms: u64,
        limit: usize,
    ) -> Result<Vec<SentMessage>, ApiError> {
        let mut sent: Vec<SentMessage> = store::all_json(&self.store.messages)?;
        sent.retain(|m| {
            to.is_none_or(|t| t == m.to)
                && kind.is_none_or(|k| k == m.message_type)
                && m.created_ms >= since_ms
                && m.created_ms <= until_ms
        });
        Ok(store::keep_newest(sent, limit, |m| m.created_ms))
    }

    /// Injected inbound messages, oldest first.
    pub fn list_inbound(&self, limit: usize) -> Result<Vec<Value>, ApiError> {
        let inbound: Vec<Value> = store::all_json(&self.store.inbound)?;
        Ok(store::keep_newest(inbound, limit, |m| {
            m["received_ms"].as_u64().unwrap_or(0)
        }))
    }

    /// The open conversation with a wa_id, or a new one (24 h) whose origin is `category`.
    pub fn conversation(
        &self,
        wa_id: &str,
        category: &str,
        now: u64,
    ) -> Result<Conversation, ApiError> {
        let mut cache = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        let cached = match cache.get(wa_id) {
            Some(c) => Some(c.clone()),
            None => store::get_json::<Conversation>(&self.store.conversations, wa_id)?,
        };
        if let Some(c) = cached {
            if c.expiration_timestamp * 1000 > now {
                cache.insert(wa_id.to_string(), c.clone());
                return Ok(c);
            }
        }
        let c = Conversation {
            id: ids::conversation_id(),
            expiration_timestamp: (now + DAY_MS) / 1000,
            origin: category.into(),
        };
        store::put_json(&self.store.conversations, wa_id, &c)?;
        cache.insert(wa_id.to_string(), c.clone());
        Ok(c)
    }

    pub fn sent(&self, id: &str) -> Result<Option<SentMessage>, ApiError> {
        Ok(store::get_json(&self.store.messages, id)?)
    }

    /// `POST /v1/contacts`: one answer per input, per the recipient rules.
    pub fn check_contacts(&self, inputs: &[String]) -> Vec<Value> {
        inputs
            .iter()
            .map(
                |input| match outbound::normalize_number(input, &self.default_cc) {
                    Some(wa_id) if self.rule_for(&wa_id) != Some(Action::Invalid) => {
                        json!({ "input": input, "status": "valid", "wa_id": wa_id })
                    }
                    _ => json!({ "input": input, "status": "invalid" }),
                },
            )
            .collect()
    }

    /// `PUT /v1/messages/{id}` with `{"status":"read"}`: marks an inbound message read.
    pub async fn mark_read(&self, id: &str) -> Result<(), ApiError> {
        if self.settings.current().pass_through {
            return Err(ApiError::invalid(
                "status",
                "messages cannot be marked read while pass_through is on",
            ));
        }
        let mut inbound: Value = store::get_json(&self.store.inbound, id)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "No inbound message {id}; only received messages can be marked read"
            ))
        })?;
        self.store.writable()?;
        let before = inbound.clone();
        inbound["read_ms"] = json!(now_ms());
        store::put_json(&self.store.inbound, id, &inbound)?;
        if let Err(e) = self.store.durable().await {
            let _ = store::put_json(&self.store.inbound, id, &before);
            return Err(e.into());
        }
        Ok(())
    }

    /// Forgets messages, planned statuses, conversations and rules changes (the control API's
    /// reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        self.store.writable()?;
        self.schedule.reset().await;
        self.store.messages.clear().map_err(StoreError::from)?;
        self.store.inbound.clear().map_err(StoreError::from)?;
        self.store.conversations.clear().map_err(StoreError::from)?;
        self.conversations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.store
            .config
            .remove("recipient_rules")
            .map_err(StoreError::from)?;
        self.store
            .config
            .remove("templates")
            .map_err(StoreError::from)?;
        self.templates
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = self.initial_rules.clone();
        Ok(())
    }
}
