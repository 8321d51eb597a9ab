//! A message the app sent, as stored: what it was, its exact request, and the statuses planned
//! (and later forced) for it. The schedule reads these same records back after a restart, so a
//! renamed field is a compile error, not a silently skipped recovery.

use super::lifecycle::{Conversation, Step};
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
}

crate::json_record!(SentMessage, "messages", |m| m.id);

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
