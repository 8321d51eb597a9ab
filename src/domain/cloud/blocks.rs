//! A Cloud number's block list (`/{phone-number-id}/block_users`): only users who wrote to the
//! number in the last 24 hours can be blocked (131047 otherwise), never the number itself
//! (131021), at most 64,000 per number (139101). A blocked user cannot be messaged and what they
//! send is dropped.

use super::Cloud;
use crate::graph::errors::from_onprem;
use crate::graph::GraphError;
use crate::store::Batch;
use crate::wa::time::now_ms;
use serde::{Deserialize, Serialize};

pub const BLOCKLIST_MAX: usize = 64_000;
const WINDOW_MS: u64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockedUser {
    pub phone_number_id: String,
    pub wa_id: String,
    /// What the business sent when blocking.
    pub input: String,
    pub blocked_ms: u64,
}

crate::json_record!(BlockedUser, "cloud_blocks", |r| key(
    &r.phone_number_id,
    &r.wa_id
));

fn key(phone_number_id: &str, wa_id: &str) -> String {
    format!("{phone_number_id}/{wa_id}")
}

/// The keys of every stored block-list entry.
pub(super) fn stored_keys(
    store: &crate::store::Store,
) -> Result<std::collections::HashSet<String>, crate::store::StoreError> {
    Ok(store
        .keys::<BlockedUser>()?
        .into_iter()
        .map(|k| String::from_utf8_lossy(&k).into_owned())
        .collect())
}

/// One item of `block_users`: a phone number (`user`) or a business-scoped user id (`user_id`).
#[derive(Debug, Clone, PartialEq)]
pub enum BlockTarget {
    User(String),
    UserId(String),
}

/// The per-user result of a block or unblock call.
#[derive(Debug, Default)]
pub struct BlockOutcome {
    /// (input, wa_id) of the users blocked or unblocked.
    pub done: Vec<(String, String)>,
    /// (input, wa_id when known, why).
    pub failed: Vec<(String, Option<String>, GraphError)>,
}

impl Cloud {
    /// The number's block list in wa_id order.
    pub fn blocked_users(&self, phone_number_id: &str) -> Result<Vec<BlockedUser>, GraphError> {
        let from = format!("{phone_number_id}/").into_bytes();
        let to = format!("{phone_number_id}0").into_bytes();
        self.store
            .scan::<BlockedUser>(from..to)?
            .collect::<Result<_, _>>()
            .map_err(GraphError::from)
    }

    pub fn is_blocked(&self, phone_number_id: &str, wa_id: &str) -> Result<bool, GraphError> {
        let blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        Ok(!blocked.is_empty() && blocked.contains(&key(phone_number_id, wa_id)))
    }

    /// Notes committed block-list changes for `is_blocked`.
    fn note_blocks(&self, phone_number_id: &str, wa_ids: &[(String, String)], blocked: bool) {
        let mut set = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        for (_, wa_id) in wa_ids {
            let k = key(phone_number_id, wa_id);
            if blocked {
                set.insert(k);
            } else {
                set.remove(&k);
            }
        }
    }

    /// `POST /{phone-number-id}/block_users`: blocks whom it can, says why for the others.
    pub async fn block(
        &self,
        phone_number_id: &str,
        targets: Vec<BlockTarget>,
    ) -> Result<BlockOutcome, GraphError> {
        let _one_writer = self.numbers_lock.lock().await;
        let config = self.config();
        let own = config
            .number(phone_number_id)
            .map(|n| n.display_phone_number.clone())
            .unwrap_or_default();
        let mut size = self.blocked_users(phone_number_id)?.len();
        let now = now_ms();
        let mut out = BlockOutcome::default();
        let mut batch = Batch::default();
        for t in targets {
            let (input, wa_id) = match self.target(t) {
                Ok(pair) => pair,
                Err((input, e)) => {
                    out.failed.push((input, None, e));
                    continue;
                }
            };
            let fail = |e: GraphError| (input.clone(), Some(wa_id.clone()), e);
            if wa_id == own {
                out.failed.push(fail(GraphError::new(
                    131021,
                    "A business number cannot block itself",
                )));
                continue;
            }
            if self.is_blocked(phone_number_id, &wa_id)?
                || out.done.iter().any(|(_, w)| w == &wa_id)
            {
                out.done.push((input, wa_id));
                continue;
            }
            let recent = self
                .last_inbound(phone_number_id, &wa_id)
                .map_err(|e| from_onprem(&e))?
                .is_some_and(|at| at + WINDOW_MS > now);
            if !recent {
                out.failed.push(fail(GraphError::new(
                    131047,
                    "Only users who messaged this number in the last 24 hours can be blocked",
                )));
                continue;
            }
            if size >= BLOCKLIST_MAX {
                out.failed.push(fail(GraphError::new(
                    139101,
                    format!("The block list of this number already holds {BLOCKLIST_MAX} users"),
                )));
                continue;
            }
            batch.put(&BlockedUser {
                phone_number_id: phone_number_id.to_string(),
                wa_id: wa_id.clone(),
                input: input.clone(),
                blocked_ms: now,
            })?;
            size += 1;
            out.done.push((input, wa_id));
        }
        self.store.commit(batch).await?;
        self.note_blocks(phone_number_id, &out.done, true);
        Ok(out)
    }

    /// `DELETE /{phone-number-id}/block_users`: users not on the list count as unblocked.
    pub async fn unblock(
        &self,
        phone_number_id: &str,
        targets: Vec<BlockTarget>,
    ) -> Result<BlockOutcome, GraphError> {
        let _one_writer = self.numbers_lock.lock().await;
        let mut out = BlockOutcome::default();
        let mut batch = Batch::default();
        for t in targets {
            match self.target(t) {
                Ok((input, wa_id)) => {
                    batch.remove::<BlockedUser>(key(phone_number_id, &wa_id));
                    out.done.push((input, wa_id));
                }
                Err((input, e)) => out.failed.push((input, None, e)),
            }
        }
        self.store.commit(batch).await?;
        self.note_blocks(phone_number_id, &out.done, false);
        Ok(out)
    }

    /// (input, wa_id) of a target, or (input, why not).
    fn target(&self, t: BlockTarget) -> Result<(String, String), (String, GraphError)> {
        match t {
            BlockTarget::User(input) => {
                match crate::wa::outbound::normalize_number(&input, &self.default_cc) {
                    Some(wa_id) => Ok((input, wa_id)),
                    None => {
                        let e = GraphError::new(
                            131009,
                            format!(
                                "'{}' is not a phone number",
                                input.chars().take(60).collect::<String>()
                            ),
                        );
                        Err((input, e))
                    }
                }
            }
            BlockTarget::UserId(id) => Err((
                id,
                GraphError::new(
                    131009,
                    "The emulator knows users by phone number only: block by user, not user_id",
                ),
            )),
        }
    }
}
