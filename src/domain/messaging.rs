//! Sending messages: validate, apply the recipient's rule, store what the app sent exactly as
//! sent, and enqueue its status lifecycle as durable callbacks due at the simulated times.

use super::inbound::InboundRecord;
use super::media::Media;
use super::templates::Templates;
use super::Settings;
use crate::delivery::Delivery;
use crate::events::Events;
use crate::graph::webhook::CloudSend;
use crate::simulator::lifecycle::{self, Conversation, Timing};
use crate::simulator::rules::{self, Action, Rule};
use crate::simulator::schedule::{Addressee, Schedule};
use crate::store::{self, Batch, Record, Store, StoreError};
use crate::wa::templates::{self, Template};
use crate::wa::{ids, outbound, time::now_ms, ApiError};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub use crate::simulator::SentMessage;

/// A valid send, ready to be stored and planned (`Messaging::record_send`).
pub(crate) struct NewSend {
    pub id: String,
    pub to: String,
    pub recipient_type: outbound::RecipientType,
    pub message_type: outbound::MessageType,
    pub request: Box<RawValue>,
    /// When the send was accepted (the time its id was made with).
    pub created_ms: u64,
    /// Which conversation the send belongs to (a wa_id; Cloud prefixes its number).
    pub conversation_key: String,
    /// The category a conversation it opens gets.
    pub category: String,
    pub action: Option<Action>,
    pub cloud: Option<CloudSend>,
}

/// The recipient rules set through the control API.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct StoredRules(Vec<Rule>);
crate::json_singleton!(StoredRules, "config", "recipient_rules");

/// The open conversation with a customer, by wa_id, as data dirs of earlier versions stored it
/// (read at start-up, cleared by reset, no longer written: a conversation is now kept in the
/// record of the message that opened or continued it).
pub(crate) struct OpenConversation {
    pub wa_id: String,
    pub conversation: Conversation,
}

impl Record for OpenConversation {
    const TREE: &'static str = "conversations";
    fn key(&self) -> Vec<u8> {
        self.wa_id.as_bytes().to_vec()
    }
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        store::to_json(&self.conversation)
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(OpenConversation {
            wa_id: String::new(),
            conversation: store::from_json(bytes)?,
        })
    }
}

/// Which conversation a message with `wa_id` belongs to: the wa_id, prefixed with the Cloud
/// number for Cloud API messages.
pub(crate) fn conversation_key(phone_number_id: Option<&str>, wa_id: &str) -> String {
    match phone_number_id {
        Some(n) => ["cloud:", n, ":", wa_id].concat(),
        None => wa_id.to_string(),
    }
}

/// (phone_number_id, wa_id) -> when the customer last wrote to that Cloud number (ms): the
/// customer-service windows.
pub(crate) type CloudWindows = HashMap<(String, String), u64>;

/// Notes a customer message to a Cloud number in `windows` (a later one wins).
pub(crate) fn note_window(windows: &mut CloudWindows, r: InboundRecord) {
    if r.api.as_deref() == Some("cloud") {
        let at = windows
            .entry((r.phone_number_id.unwrap_or_default(), r.from))
            .or_insert(0);
        *at = r.received_ms.max(*at);
    }
}

/// Keeps `c` as the conversation of `key` if it is still open at `open_since` (unix seconds) and
/// lasts longer than the one already there.
fn note_open(
    map: &mut HashMap<String, Conversation>,
    key: String,
    c: &Conversation,
    open_since: u64,
) {
    if c.expiration_timestamp <= open_since {
        return;
    }
    match map.get(&key) {
        Some(have) if have.expiration_timestamp >= c.expiration_timestamp => {}
        _ => {
            map.insert(key, c.clone());
        }
    }
}

pub struct Messaging {
    /// Open conversations by conversation key: at start-up, every conversation still open in
    /// the records of sent and received messages (and in an earlier version's `conversations`
    /// tree), then each one committed since (so a key missing here has none).
    conversations: Mutex<HashMap<String, Conversation>>,
    /// The customer-service windows found in the same start-up pass over the inbound records,
    /// until the Cloud API takes them (`take_cloud_windows`).
    cloud_windows: Mutex<Option<CloudWindows>>,
    events: Arc<Events>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
    store: Store,
    settings: Arc<Settings>,
    delivery: Arc<Delivery>,
    schedule: Arc<Schedule>,
    pub media: Arc<Media>,
    /// The groups the business created (`/v1/groups`).
    pub groups: super::groups::Groups,
    rules: RwLock<Vec<Rule>>,
    /// The one template registry (On-Prem and Cloud).
    pub templates: Arc<Templates>,
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
            let mut batch = Batch::default();
            batch.remove::<StoredRules>("recipient_rules");
            store.write(batch)?;
        }
        let rules = store
            .get::<StoredRules>("recipient_rules")?
            .map_or_else(|| initial_rules.clone(), |r| r.0);
        let templates = Arc::new(Templates::open(store.clone())?);
        let now = now_ms();
        let open_since = now / 1000;
        let mut conversations = HashMap::new();
        for (k, o) in store.entries::<OpenConversation>()? {
            let key = String::from_utf8_lossy(&k).into_owned();
            note_open(&mut conversations, key, &o.conversation, open_since);
        }
        let schedule = Schedule::open(
            store.clone(),
            settings.status_filters(),
            delivery.clone(),
            events.clone(),
            now.saturating_sub(DAY_MS),
            &mut |m| {
                let number = m.cloud.as_ref().map(|c| c.phone_number_id.as_str());
                let key = conversation_key(number, &m.to);
                note_open(&mut conversations, key, &m.conversation, open_since);
            },
        )?;
        let mut cloud_windows = CloudWindows::new();
        for r in store.all::<InboundRecord>()? {
            if let Some(c) = &r.conversation {
                let key = conversation_key(r.phone_number_id.as_deref(), &r.from);
                note_open(&mut conversations, key, c, open_since);
            }
            note_window(&mut cloud_windows, r);
        }
        let groups = super::groups::Groups::new(
            store.clone(),
            delivery.clone(),
            events.clone(),
            settings.current().wa_id.clone(),
        );
        Ok(Messaging {
            conversations: Mutex::new(conversations),
            cloud_windows: Mutex::new(Some(cloud_windows)),
            groups,
            events,
            metrics,
            store,
            settings,
            delivery,
            schedule,
            media,
            rules: RwLock::new(rules),
            templates,
            initial_rules,
            timing,
            default_cc,
        })
    }

    /// The customer-service windows the start-up pass found (None once taken).
    pub(crate) fn take_cloud_windows(&self) -> Option<CloudWindows> {
        self.cloud_windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
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

    /// The registry as the send checks see it (deleted templates left out).
    pub fn templates(&self) -> Vec<Template> {
        self.templates.for_checks()
    }

    /// Registers the templates sends are checked against (2000/2001); empty = accept any.
    pub async fn set_templates(&self, list: Vec<Template>) -> Result<(), ApiError> {
        self.templates.replace(list).await
    }

    pub(crate) fn delivery_handle(&self) -> Arc<Delivery> {
        self.delivery.clone()
    }

    pub fn rules(&self) -> Vec<Rule> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub async fn set_rules(&self, rules: Vec<Rule>) -> Result<(), ApiError> {
        rules::validate(&rules)?;
        let rules = StoredRules(rules);
        self.store.commit_with(|b| b.put(&rules).map(drop)).await?;
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = rules.0;
        Ok(())
    }

    pub(crate) fn rule_for(&self, wa_id: &str) -> Option<Action> {
        rules::find(&self.rules.read().unwrap_or_else(|p| p.into_inner()), wa_id).cloned()
    }

    /// `POST /v1/messages`: `request` is the body exactly as sent, `body` the same parsed. The message is on disk before
    /// this answers; its statuses happen later, when due (see `simulator::schedule`).
    pub async fn send(&self, request: Box<RawValue>, body: Value) -> Result<String, ApiError> {
        let out = outbound::validate(&body, &self.default_cc, &|id| self.media.mime_type(id))?;
        if out.recipient_type == outbound::RecipientType::Group {
            self.groups.check_send(&out.to)?;
        }
        if let Some(sent) = &out.template {
            templates::check(&self.templates(), sent)?;
        }
        let settings = self.settings.current();
        if settings.webhooks.url.is_none() {
            return Err(ApiError::new(
                1022,
                "Set webhooks.url with PATCH /v1/settings/application before sending: statuses are delivered there",
            ));
        }
        let action = if out.recipient_type == outbound::RecipientType::Individual {
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
        let category = out
            .template
            .as_ref()
            .map(|t| (t.name.as_str(), t.language.code.as_str()));
        let category = templates::category(&self.templates(), category);
        let now = now_ms();
        let message = self
            .record_send(NewSend {
                id: ids::outbound_message_id_at(now),
                created_ms: now,
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
        let now = n.created_ms;
        let steps = lifecycle::plan(n.action.as_ref(), self.timing, now);
        // Its statuses, and those still to come, will need room in the callback queue.
        self.delivery
            .check_room(self.schedule.pending(), steps.len().max(1))?;
        let ticket = self.schedule.begin(now);
        let mut batch = Batch::default();
        let conversation = self.conversation(&n.conversation_key, &n.category, now);
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
        batch.put_new(&message)?;
        self.schedule
            .note_delay(reach.saturating_sub(now), &mut batch)?;
        self.store.commit(batch).await?;
        self.remember(&n.conversation_key, &message.conversation);
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
        let mut sent: Vec<SentMessage> = self.store.all()?;
        sent.retain(|m| {
            to.is_none_or(|t| t == m.to)
                && kind.is_none_or(|k| k == m.message_type.as_str())
                && m.created_ms >= since_ms
                && m.created_ms <= until_ms
        });
        Ok(store::keep_newest(sent, limit, |m| m.created_ms))
    }

    /// Injected inbound messages, oldest first.
    pub fn list_inbound(&self, limit: usize) -> Result<Vec<InboundRecord>, ApiError> {
        let inbound: Vec<InboundRecord> = self.store.all()?;
        Ok(store::keep_newest(inbound, limit, |m| m.received_ms))
    }

    /// The open conversation of a conversation key, or a new one (24 h, its origin `category`).
    /// It is stored with the message record it is for; once that is committed, `remember` it.
    pub fn conversation(&self, key: &str, category: &str, now: u64) -> Conversation {
        let cached = self
            .conversations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned();
        match cached {
            Some(c) if c.expiration_timestamp * 1000 > now => c,
            _ => Conversation {
                id: ids::conversation_id(),
                expiration_timestamp: (now + DAY_MS) / 1000,
                origin: category.into(),
            },
        }
    }

    /// Notes a conversation whose message record is on disk.
    pub(crate) fn remember(&self, key: &str, c: &Conversation) {
        let mut map = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some(have) if have.id == c.id => {}
            _ => {
                map.insert(key.to_string(), c.clone());
            }
        }
    }

    pub fn sent(&self, id: &str) -> Result<Option<SentMessage>, ApiError> {
        for key in SentMessage::keys_of(id) {
            if let Some(m) = self.store.get::<SentMessage>(&key)? {
                if m.id == id {
                    return Ok(Some(m));
                }
            }
        }
        Ok(None)
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
        let mut inbound: InboundRecord = self.store.get(id)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "No inbound message {id}; only received messages can be marked read"
            ))
        })?;
        inbound.read_ms = Some(now_ms());
        self.store
            .commit_with(|b| b.put(&inbound).map(drop))
            .await
            .map_err(ApiError::from)
    }

    /// Forgets messages, planned statuses, conversations and rules changes (the control API's
    /// reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let no_handover = self.schedule.exclusive().await;
        self.store
            .commit_with(|b| {
                b.clear::<SentMessage>()
                    .clear::<InboundRecord>()
                    .clear::<OpenConversation>()
                    .remove::<StoredRules>("recipient_rules");
                super::groups::Groups::clear(b);
                Ok(())
            })
            .await?;
        self.schedule.reset(&no_handover);
        drop(no_handover);
        self.conversations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.templates.reset().await?;
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = self.initial_rules.clone();
        Ok(())
    }
}
