//! A message the app sent, as stored: what it was, its exact request, and the statuses planned
//! (and later forced) for it. The schedule reads these same records back after a restart, so a
//! renamed field is a compile error, not a silently skipped recovery.

use super::lifecycle::{Conversation, Step};
use crate::graph::ids as graph_ids;
use crate::graph::webhook::CloudSend;
use crate::wa::ids;
use crate::wa::outbound::{MessageType, RecipientType};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentMessage {
    pub id: String,
    pub to: String,
    pub recipient_type: RecipientType,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    pub created_ms: u64,
    pub steps: Vec<Step>,
    pub conversation: Conversation,
    /// The request body exactly as the app sent it (its very text).
    pub request: Box<RawValue>,
    /// `cloud` for a Cloud API send (absent for On-Prem sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// A Cloud API send's number, Graph version, pricing category and opaque data: its
    /// statuses go to the Cloud webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudSend>,
}

impl crate::store::Record for SentMessage {
    const TREE: &'static str = "messages";
    fn key(&self) -> Vec<u8> {
        self.store_key().into_bytes()
    }
    fn encode(&self) -> Result<Vec<u8>, crate::store::StoreError> {
        Ok(super::sent_record::encode(self))
    }
    fn decode(bytes: &[u8]) -> Result<Self, crate::store::StoreError> {
        super::sent_record::decode(bytes)
    }
}

/// The key of a Cloud message: the On-Prem id floor of its creation time, then what makes its
/// wamid unique (as short as an On-Prem id), so Cloud and On-Prem messages sort together by
/// creation time. None for a wamid that does not carry its time.
fn cloud_key(wamid: &str) -> Option<(u64, String)> {
    let (t, rest) = graph_ids::outbound_parts(wamid)?;
    let mut key = ids::outbound_id_floor(t);
    key.push('~');
    key.push_str(&rest);
    Some((t, key))
}

impl SentMessage {
    /// Where the message is stored: an On-Prem id sorts by time as it is; a wamid that carries
    /// its creation time goes behind that time (one of an earlier version stays under itself).
    fn store_key(&self) -> String {
        match cloud_key(&self.id) {
            Some((t, key)) if t == self.created_ms => key,
            _ => self.id.clone(),
        }
    }

    /// The keys a message with this id may be stored under, the likelier first (check the id
    /// of what is found: a key is not the id).
    pub fn keys_of(id: &str) -> impl Iterator<Item = String> {
        let timed = cloud_key(id).map(|(_, key)| key);
        timed.into_iter().chain(std::iter::once(id.to_string()))
    }

    /// The latest status whose time has come.
    pub fn status_at(&self, now: u64) -> &str {
        self.steps
            .iter()
            .filter(|s| s.at_ms <= now)
            .max_by_key(|s| s.at_ms)
            .map_or("accepted", |s| s.status.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Record;

    fn message(id: &str, created_ms: u64) -> SentMessage {
        serde_json::from_value(serde_json::json!({
            "id": id, "to": "16315551001", "recipient_type": "individual", "type": "text",
            "created_ms": created_ms, "steps": [], "request": {},
            "conversation": {"id": "c", "expiration_timestamp": 1, "origin": "service"},
        }))
        .unwrap()
    }

    #[test]
    fn messages_are_keyed_in_creation_order_and_found_by_id() {
        let onprem = ids::outbound_message_id_at(2_000);
        let cloud = graph_ids::outbound("16315551001", 1_000);
        let later = graph_ids::outbound("10000000000", 3_000);
        let keys: Vec<Vec<u8>> = [
            message(&cloud, 1_000),
            message(&onprem, 2_000),
            message(&later, 3_000),
        ]
        .iter()
        .map(Record::key)
        .collect();
        assert!(keys[0] < keys[1] && keys[1] < keys[2], "time order");
        assert_eq!(keys[1], onprem.as_bytes(), "an On-Prem id is its key");
        let found: Vec<String> = SentMessage::keys_of(&cloud).collect();
        assert_eq!(
            found[0].as_bytes(),
            keys[0],
            "looked up under its key first"
        );
        // A wamid of an earlier version (random hex) stays under itself.
        assert_eq!(message(&cloud, 999).key(), cloud.as_bytes());
        assert_eq!(found[1], cloud);
        assert_eq!(SentMessage::keys_of(&onprem).collect::<Vec<_>>(), [onprem]);
    }
}
