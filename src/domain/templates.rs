//! The one template registry both APIs use: templates registered through the control API
//! (`PUT /v1/emulator/templates`, On-Prem's vocabulary) and templates created on a WhatsApp
//! Business Account through the Cloud API (`POST /{waba-id}/message_templates`). Each template is
//! a record of its own in the `templates` tree, keyed by its id; a write-through cache keeps the
//! send checks cheap. On-Prem sends check every template; Cloud sends check those of the sending
//! number's WABA and those registered through the control API.

use crate::delivery::{Delivery, DirectCallback};
use crate::graph::templates::components_of;
use crate::store::{Batch, Store, StoreError};
use crate::wa::templates::{self, Component, Template};
use crate::wa::time::now_ms;
use crate::wa::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::RwLock;

/// One template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    /// Digits, increasing with creation (the Cloud API's template id).
    pub id: String,
    /// None for templates registered through the control API: every WABA can send them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waba_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub language: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<String>,
    /// POSITIONAL or NAMED.
    pub parameter_format: String,
    /// The components in the Cloud API's shape.
    pub components: Vec<Value>,
    /// What a send must supply, in the checks' vocabulary (see `wa::templates`).
    pub checks: Vec<Component>,
    /// PENDING, APPROVED, REJECTED, PAUSED, DISABLED, DELETED, ...
    pub status: String,
    /// NONE, or why it was rejected.
    pub rejected_reason: String,
    /// GREEN, YELLOW, RED or UNKNOWN.
    pub quality_score: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_send_ttl_seconds: Option<i64>,
    pub created_ms: u64,
    /// When a PENDING review decides by itself (None: only a control-API decision will).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due_ms: Option<u64>,
    /// When it was deleted (DELETED keeps the name+language from being reused for 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_ms: Option<u64>,
    /// Edits made while APPROVED (Meta allows 1 a day, 10 in 30 days).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approved_edits_ms: Vec<u64>,
    /// How many times it was paused for low quality (the third time disables it).
    #[serde(default)]
    pub pauses: u32,
}

crate::json_record!(TemplateRecord, "templates", |r| r.id);

/// The singleton list of earlier versions (read once at start and moved into records).
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct StoredTemplates(Vec<Template>);
crate::json_singleton!(StoredTemplates, "config", "templates");

impl TemplateRecord {
    /// The On-Prem view (`GET /v1/emulator/templates`) and the send checks' input.
    pub fn for_checks(&self) -> Template {
        Template {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            language: self.language.clone(),
            category: Some(self.category.to_ascii_lowercase()),
            components: self.checks.clone(),
            status: Some(self.status.clone()),
            id: Some(self.id.clone()),
            waba_id: self.waba_id.clone(),
        }
    }

    /// Whether a Cloud send from `waba_id` can use it.
    pub fn visible_to(&self, waba_id: &str) -> bool {
        self.waba_id.as_deref().is_none_or(|w| w == waba_id)
    }

    pub fn live(&self) -> bool {
        self.status != "DELETED"
    }
}

pub struct Templates {
    store: Store,
    /// Every record, in id order.
    cache: RwLock<Vec<TemplateRecord>>,
    /// Serialises changes: a check-then-write (duplicates, limits) sees no concurrent write.
    change: tokio::sync::Mutex<()>,
}

impl Templates {
    pub fn open(store: Store) -> Result<Templates, StoreError> {
        let t = Templates {
            cache: RwLock::new(store.all::<TemplateRecord>()?),
            store,
            change: tokio::sync::Mutex::new(()),
        };
        if let Some(old) = t.store.get::<StoredTemplates>("templates")? {
            let records = t.registered(old.0)?;
            let mut batch = Batch::default();
            batch.remove::<StoredTemplates>("templates");
            for r in &records {
                batch.put(r)?;
            }
            t.store.write(batch)?;
            t.cache_write().extend(records);
        }
        Ok(t)
    }

    fn cache_write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<TemplateRecord>> {
        self.cache.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Every record, in id (creation) order.
    pub fn all(&self) -> Vec<TemplateRecord> {
        self.cache.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn get(&self, id: &str) -> Option<TemplateRecord> {
        self.cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|t| t.id == id)
            .cloned()
    }

    /// The list On-Prem sends are checked against (and `GET /v1/emulator/templates` shows).
    pub fn for_checks(&self) -> Vec<Template> {
        self.all()
            .iter()
            .filter(|t| t.live())
            .map(TemplateRecord::for_checks)
            .collect()
    }

    /// A new id: 16 digits, increasing (string order is numeric order).
    pub fn new_id(&self) -> Result<String, StoreError> {
        Ok((10u64.pow(15) + self.store.generate_id()?).to_string())
    }

    /// Records for a list registered through the control API (approved unless it says otherwise).
    fn registered(&self, list: Vec<Template>) -> Result<Vec<TemplateRecord>, StoreError> {
        let now = now_ms();
        list.into_iter()
            .map(|t| {
                Ok(TemplateRecord {
                    id: self.new_id()?,
                    waba_id: t.waba_id,
                    namespace: t.namespace,
                    name: t.name,
                    language: t.language,
                    category: t
                        .category
                        .unwrap_or_else(|| "marketing".into())
                        .to_ascii_uppercase(),
                    previous_category: None,
                    sub_category: None,
                    parameter_format: "POSITIONAL".into(),
                    components: components_of(&t.components),
                    checks: t.components,
                    status: t.status.unwrap_or_else(|| "APPROVED".into()),
                    rejected_reason: "NONE".into(),
                    quality_score: "UNKNOWN".into(),
                    message_send_ttl_seconds: None,
                    created_ms: now,
                    review_due_ms: None,
                    deleted_ms: None,
                    approved_edits_ms: Vec::new(),
                    pauses: 0,
                })
            })
            .collect()
    }

    /// `PUT /v1/emulator/templates`: the registry becomes this list (Cloud-created templates
    /// included: the control API sets the whole registry; an empty list accepts any send).
    pub async fn replace(&self, list: Vec<Template>) -> Result<(), ApiError> {
        templates::validate(&list)?;
        let _change = self.change.lock().await;
        let records = self.registered(list)?;
        let mut batch = Batch::default();
        batch.clear::<TemplateRecord>();
        for r in &records {
            batch.put(r)?;
        }
        self.store.commit(batch).await?;
        *self.cache_write() = records;
        Ok(())
    }

    /// Holds off other changes while the caller checks and writes.
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.change.lock().await
    }

    /// Writes `records` (new or changed) with their webhooks in one durable commit, then
    /// updates the cache. Call with `lock()` held.
    pub async fn write(
        &self,
        records: Vec<TemplateRecord>,
        callbacks: Vec<DirectCallback>,
        delivery: &Delivery,
    ) -> Result<(), ApiError> {
        let mut batch = Batch::default();
        for r in &records {
            batch.put(r)?;
        }
        if callbacks.is_empty() {
            self.store.commit(batch).await?;
        } else {
            delivery.enqueue_direct_with(callbacks, batch).await?;
        }
        let mut cache = self.cache_write();
        for r in records {
            match cache.iter_mut().find(|t| t.id == r.id) {
                Some(slot) => *slot = r,
                None => {
                    let at = cache.partition_point(|t| id_order(&t.id, &r.id).is_lt());
                    cache.insert(at, r);
                }
            }
        }
        Ok(())
    }

    /// The earliest automatic review due.
    pub fn next_review(&self) -> Option<u64> {
        self.cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|t| t.status == "PENDING")
            .filter_map(|t| t.review_due_ms)
            .min()
    }

    /// Forgets every template (the control API's reset).
    pub async fn reset(&self) -> Result<(), ApiError> {
        let _change = self.change.lock().await;
        self.store
            .commit_with(|b| {
                b.clear::<TemplateRecord>();
                Ok(())
            })
            .await?;
        self.cache_write().clear();
        Ok(())
    }
}

/// Ids order by length, then digits: numeric order.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
