//! `/v1/groups`: groups the business creates and manages, the customers who join them (through
//! the control API), and the `system` notifications each change sends to the webhook.
//!
//! The business is the creator and stays an admin; it cannot be added to other groups (Meta:
//! "A business cannot be added to a group or join a group"). Every change and its notification
//! are one durable commit; changes to one group are serialised by a lock.

use crate::delivery::{CallbackKind, Delivery, NewCallback};
use crate::events::Events;
use crate::store::{Batch, Record, Store, StoreError};
use crate::wa::groups::{self as wire, GroupEvent};
use crate::wa::{ids, time::now_ms, ApiError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The icon of a group, without its bytes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IconMeta {
    pub mime_type: String,
    pub sha256: String,
    pub size: usize,
}

/// A group as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupRecord {
    pub id: String,
    pub subject: String,
    pub creator: String,
    /// Seconds since the epoch.
    pub creation_time: u64,
    pub admins: Vec<String>,
    pub participants: Vec<String>,
    pub invite_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<IconMeta>,
    /// The business left: the group is kept (for the control API) but no longer its own.
    #[serde(default)]
    pub left: bool,
}

crate::json_record!(GroupRecord, "groups", |g| g.id);

impl GroupRecord {
    /// The `Get-Group-Info` item.
    pub fn info(&self) -> Value {
        json!({
            "admins": self.admins,
            "creation_time": self.creation_time,
            "creator": self.creator,
            "participants": self.participants,
            "subject": self.subject,
        })
    }
}

/// The bytes of a group icon, under the group id.
pub(crate) struct GroupIcon {
    pub group_id: String,
    pub bytes: Vec<u8>,
}

impl Record for GroupIcon {
    const TREE: &'static str = "group_icons";
    fn key(&self) -> Vec<u8> {
        self.group_id.as_bytes().to_vec()
    }
    fn encode(&self) -> Result<Vec<u8>, StoreError> {
        Ok(self.bytes.clone())
    }
    fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        Ok(GroupIcon {
            group_id: String::new(),
            bytes: bytes.to_vec(),
        })
    }
}

pub struct Groups {
    store: Store,
    delivery: Arc<Delivery>,
    events: Arc<Events>,
    /// The business's wa_id: creator, first participant and admin of every group.
    business: String,
    lock: tokio::sync::Mutex<()>,
}

/// A change to commit: the group after it, the events it notifies (operator, users, event).
struct Change {
    group: GroupRecord,
    events: Vec<(String, Vec<String>, GroupEvent)>,
}

impl Groups {
    pub fn new(
        store: Store,
        delivery: Arc<Delivery>,
        events: Arc<Events>,
        business: String,
    ) -> Groups {
        Groups {
            store,
            delivery,
            events,
            business,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// `POST /v1/groups`: answers the new group (the business its creator, admin, participant).
    pub async fn create(&self, subject: &str) -> Result<GroupRecord, ApiError> {
        let subject = wire::subject(subject)?;
        let _one = self.lock.lock().await;
        let now = now_ms() / 1000;
        let mut suffix = now;
        while self
            .store
            .contains::<GroupRecord>(wire::group_id(&self.business, suffix))?
        {
            suffix += 1;
        }
        let group = GroupRecord {
            id: wire::group_id(&self.business, suffix),
            subject: subject.clone(),
            creator: self.business.clone(),
            creation_time: now,
            admins: vec![self.business.clone()],
            participants: vec![self.business.clone()],
            invite_code: wire::invite_code(),
            icon: None,
            left: false,
        };
        let created = GroupEvent::Created { subject };
        self.commit(
            Batch::default(),
            Change {
                events: vec![(self.business.clone(), vec![], created)],
                group: group.clone(),
            },
        )
        .await?;
        Ok(group)
    }

    /// The groups the business is in, oldest first.
    pub fn list(&self) -> Result<Vec<GroupRecord>, ApiError> {
        let mut all = self.all()?;
        all.retain(|g| !g.left);
        Ok(all)
    }

    /// Every group, the ones the business left too (the control API's view), oldest first.
    pub fn all(&self) -> Result<Vec<GroupRecord>, ApiError> {
        let mut all: Vec<GroupRecord> = self.store.all()?;
        all.sort_by(|a, b| (a.creation_time, &a.id).cmp(&(b.creation_time, &b.id)));
        Ok(all)
    }

    /// A group the business is in: 1006 when there is no such group, 1005 when it left it.
    pub fn get(&self, id: &str) -> Result<GroupRecord, ApiError> {
        let g = self.find(id)?;
        if g.left {
            return Err(ApiError::forbidden(format!(
                "The business left group {id}; it can no longer see or manage it"
            )));
        }
        Ok(g)
    }

    /// Any stored group, left or not.
    fn find(&self, id: &str) -> Result<GroupRecord, ApiError> {
        self.store
            .get::<GroupRecord>(id)?
            .ok_or_else(|| not_found(id))
    }

    /// `PUT /v1/groups/{id}`.
    pub async fn set_subject(&self, id: &str, subject: &str) -> Result<(), ApiError> {
        let subject = wire::subject(subject)?;
        self.change(id, |g, b| {
            g.group.subject = subject.clone();
            g.events.push((
                b.to_string(),
                vec![],
                GroupEvent::SubjectChanged { subject },
            ));
            Ok(())
        })
        .await
    }

    /// `GET /v1/groups/{id}/invite`.
    pub fn invite_link(&self, id: &str) -> Result<String, ApiError> {
        Ok(wire::invite_link(&self.get(id)?.invite_code))
    }

    /// `DELETE /v1/groups/{id}/invite`: the old link stops working, a new one replaces it.
    pub async fn revoke_invite(&self, id: &str) -> Result<(), ApiError> {
        self.change(id, |g, b| {
            g.group.invite_code = wire::invite_code();
            g.events
                .push((b.to_string(), vec![], GroupEvent::InviteLinkRevoked));
            Ok(())
        })
        .await
    }

    /// `DELETE /v1/groups/{id}/participants {"wa_ids":[...]}`: every wa_id must be a participant
    /// other than the business (which leaves with `/leave`).
    pub async fn remove_participants(&self, id: &str, wa_ids: &[String]) -> Result<(), ApiError> {
        let wa_ids = self.wa_ids(wa_ids)?;
        self.change(id, |g, b| {
            for (i, w) in wa_ids.iter().enumerate() {
                if w == b {
                    return Err(ApiError::invalid(
                        &format!("wa_ids[{i}]"),
                        "is the business itself: leave with POST /v1/groups/{id}/leave",
                    ));
                }
                participant(&g.group, i, w)?;
            }
            g.group.participants.retain(|p| !wa_ids.contains(p));
            g.group.admins.retain(|p| !wa_ids.contains(p));
            g.events.push((b.to_string(), wa_ids, GroupEvent::Left));
            Ok(())
        })
        .await
    }

    /// `PATCH /v1/groups/{id}/admins`: participants become admins (admins stay admins).
    pub async fn promote(&self, id: &str, wa_ids: &[String]) -> Result<(), ApiError> {
        let wa_ids = self.wa_ids(wa_ids)?;
        self.change(id, |g, b| {
            for (i, w) in wa_ids.iter().enumerate() {
                participant(&g.group, i, w)?;
            }
            let new: Vec<String> = wa_ids
                .into_iter()
                .filter(|w| !g.group.admins.contains(w))
                .collect();
            if !new.is_empty() {
                g.group.admins.extend(new.iter().cloned());
                g.events.push((b.to_string(), new, GroupEvent::Promoted));
            }
            Ok(())
        })
        .await
    }

    /// `DELETE /v1/groups/{id}/admins`: admins become plain participants; the creator stays.
    pub async fn demote(&self, id: &str, wa_ids: &[String]) -> Result<(), ApiError> {
        let wa_ids = self.wa_ids(wa_ids)?;
        self.change(id, |g, b| {
            for (i, w) in wa_ids.iter().enumerate() {
                participant(&g.group, i, w)?;
                if *w == g.group.creator {
                    return Err(ApiError::invalid(
                        &format!("wa_ids[{i}]"),
                        format!("{w} created the group and stays its admin"),
                    ));
                }
                if !g.group.admins.contains(w) {
                    return Err(ApiError::invalid(
                        &format!("wa_ids[{i}]"),
                        format!("{w} is not an admin of the group"),
                    ));
                }
            }
            g.group.admins.retain(|a| !wa_ids.contains(a));
            g.events.push((b.to_string(), wa_ids, GroupEvent::Demoted));
            Ok(())
        })
        .await
    }

    /// `POST /v1/groups/{id}/icon`: a JPEG or PNG replaces the icon.
    pub async fn set_icon(
        &self,
        id: &str,
        content_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<(), ApiError> {
        let mime = wire::icon_mime(content_type, bytes)?;
        let icon = IconMeta {
            mime_type: mime.to_string(),
            sha256: hex::encode(Sha256::digest(bytes)),
            size: bytes.len(),
        };
        let _one = self.lock.lock().await;
        let mut group = self.get(id)?;
        group.icon = Some(icon);
        let mut batch = Batch::default();
        batch.put(&GroupIcon {
            group_id: group.id.clone(),
            bytes: bytes.to_vec(),
        })?;
        let events = vec![(self.business.clone(), vec![], GroupEvent::IconChanged)];
        self.commit(batch, Change { group, events }).await
    }

    /// `GET /v1/groups/{id}/icon`: the icon's type and bytes; 1006 when it has none.
    pub fn icon(&self, id: &str) -> Result<(IconMeta, Vec<u8>), ApiError> {
        let group = self.get(id)?;
        let meta = group
            .icon
            .ok_or_else(|| ApiError::not_found(format!("Group {} has no icon", group.id)))?;
        let bytes = self
            .store
            .get::<GroupIcon>(&group.id)?
            .ok_or_else(|| ApiError::not_found(format!("Group {} has no icon", group.id)))?;
        Ok((meta, bytes.bytes))
    }

    /// `DELETE /v1/groups/{id}/icon`: idempotent; notifies only when there was an icon.
    pub async fn delete_icon(&self, id: &str) -> Result<(), ApiError> {
        let _one = self.lock.lock().await;
        let mut group = self.get(id)?;
        if group.icon.take().is_none() {
            return Ok(());
        }
        let mut batch = Batch::default();
        batch.remove::<GroupIcon>(&group.id);
        let events = vec![(self.business.clone(), vec![], GroupEvent::IconDeleted)];
        self.commit(batch, Change { group, events }).await
    }

    /// `POST /v1/groups/{id}/leave`: the business leaves; the group is no longer its own.
    pub async fn leave(&self, id: &str) -> Result<(), ApiError> {
        self.change(id, |g, b| {
            g.group.participants.retain(|p| p != b);
            g.group.admins.retain(|p| p != b);
            g.group.left = true;
            g.events
                .push((b.to_string(), vec![b.to_string()], GroupEvent::Left));
            Ok(())
        })
        .await
    }

    /// Control API: customers join the group (as through its invite link).
    pub async fn join(&self, id: &str, wa_ids: &[String]) -> Result<(), ApiError> {
        let wa_ids = self.wa_ids(wa_ids)?;
        self.change(id, |g, _| {
            for (i, w) in wa_ids.iter().enumerate() {
                if g.group.participants.contains(w) {
                    return Err(ApiError::invalid(
                        &format!("wa_ids[{i}]"),
                        format!("{w} is already a participant of the group"),
                    ));
                }
            }
            let total = g.group.participants.len() + wa_ids.len();
            if total > wire::MAX_PARTICIPANTS {
                return Err(ApiError::invalid(
                    "wa_ids",
                    format!(
                        "the group would have {total} participants; the limit is {}",
                        wire::MAX_PARTICIPANTS
                    ),
                ));
            }
            for w in wa_ids {
                g.group.participants.push(w.clone());
                g.events.push((w.clone(), vec![w], GroupEvent::Joined));
            }
            Ok(())
        })
        .await
    }

    /// Control API: a customer opens an invite link; answers the group joined.
    pub async fn join_by_link(&self, link: &str, wa_id: &str) -> Result<String, ApiError> {
        let code = wire::invite_code_of(link);
        let group = self
            .list()?
            .into_iter()
            .find(|g| g.invite_code == code)
            .ok_or_else(|| {
                ApiError::not_found("No group has that invite link (revoked, or never made)")
            })?;
        self.join(&group.id, &[wa_id.to_string()]).await?;
        Ok(group.id)
    }

    /// Control API: customers leave the group on their own.
    pub async fn customers_leave(&self, id: &str, wa_ids: &[String]) -> Result<(), ApiError> {
        let wa_ids = self.wa_ids(wa_ids)?;
        self.change(id, |g, b| {
            for (i, w) in wa_ids.iter().enumerate() {
                if w == b {
                    return Err(ApiError::invalid(
                        &format!("wa_ids[{i}]"),
                        "is the business: it leaves with POST /v1/groups/{id}/leave",
                    ));
                }
                participant(&g.group, i, w)?;
            }
            g.group.participants.retain(|p| !wa_ids.contains(p));
            g.group.admins.retain(|p| !wa_ids.contains(p));
            for w in wa_ids {
                g.events.push((w.clone(), vec![w], GroupEvent::Left));
            }
            Ok(())
        })
        .await
    }

    /// A send to a group: the group exists and the business is still in it.
    pub fn check_send(&self, id: &str) -> Result<(), ApiError> {
        self.get(id).map(drop)
    }

    /// An inbound message in a group: the business and the sender are participants.
    pub fn check_sender(&self, id: &str, from: &str) -> Result<(), ApiError> {
        let group = self.get(id).map_err(|e| match e.code {
            1006 => ApiError::invalid("group_id", e.details.unwrap_or_default()),
            _ => e,
        })?;
        if !group.participants.iter().any(|p| p == from) {
            return Err(ApiError::invalid(
                "from",
                format!("{from} is not a participant of group {}", group.id),
            ));
        }
        Ok(())
    }

    /// wa_ids as the Contacts API gives them (8 to 15 digits): a non-empty list, duplicates
    /// dropped.
    fn wa_ids(&self, raw: &[String]) -> Result<Vec<String>, ApiError> {
        if raw.is_empty() {
            return Err(ApiError::invalid("wa_ids", "must hold at least one wa_id"));
        }
        let mut out: Vec<String> = Vec::with_capacity(raw.len());
        for (i, w) in raw.iter().enumerate() {
            let w = wire::wa_id(w).ok_or_else(|| {
                ApiError::invalid(
                    &format!("wa_ids[{i}]"),
                    format!(
                        "'{}' is not a wa_id (8 to 15 digits, as POST /v1/contacts answers)",
                        w.chars().take(40).collect::<String>()
                    ),
                )
            })?;
            if !out.iter().any(|o| o == w) {
                out.push(w.to_string());
            }
        }
        Ok(out)
    }

    /// Read, change, commit one group the business is in, under the lock.
    async fn change(
        &self,
        id: &str,
        f: impl FnOnce(&mut Change, &str) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let _one = self.lock.lock().await;
        let mut change = Change {
            group: self.get(id)?,
            events: vec![],
        };
        f(&mut change, &self.business)?;
        self.commit(Batch::default(), change).await
    }

    /// Writes the group with `batch` and enqueues its notifications, in one durable commit.
    async fn commit(&self, mut batch: Batch, change: Change) -> Result<(), ApiError> {
        batch.put(&change.group)?;
        let now = now_ms() / 1000;
        let bodies: Vec<Value> = change
            .events
            .iter()
            .map(|(op, users, ev)| {
                let id = ids::inbound_message_id();
                wire::system_notification(&id, &change.group.id, op, users, ev, now)
            })
            .collect();
        let callbacks = bodies
            .iter()
            .map(|body| NewCallback {
                kind: CallbackKind::InboundMessage,
                body: body.clone(),
                order_key: Some(format!("group:{}", change.group.id)),
            })
            .collect();
        self.delivery.enqueue_with(callbacks, batch).await?;
        for body in bodies {
            self.events.publish("group", || body);
        }
        Ok(())
    }

    /// Forgets every group and icon (the control API's reset), in `batch`.
    pub(crate) fn clear(batch: &mut Batch) {
        batch.clear::<GroupRecord>().clear::<GroupIcon>();
    }
}

/// The wa_id at `i` must be a participant of the group.
fn participant(g: &GroupRecord, i: usize, w: &str) -> Result<(), ApiError> {
    if g.participants.iter().any(|p| p == w) {
        return Ok(());
    }
    Err(ApiError::invalid(
        &format!("wa_ids[{i}]"),
        format!("{w} is not a participant of group {}", g.id),
    ))
}

/// 1006; what cannot be a group id is not echoed back.
fn not_found(id: &str) -> ApiError {
    if wire::looks_like_group_id(id) {
        ApiError::not_found(format!("Group {id} does not exist"))
    } else {
        ApiError::not_found("No such group: that is not a group id")
    }
}
