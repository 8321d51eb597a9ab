//! Message templates on a WhatsApp Business Account: create, list, edit, delete, and the review
//! lifecycle (PENDING -> APPROVED after `--cloud-template-review-ms`, or any decision of the
//! control API), each decision announced by a signed `message_template_status_update` webhook
//! (quality and category changes by theirs) through the delivery engine. The records live in the
//! one registry (`domain::templates`) that On-Prem sends check too.

use super::Shared;
use crate::delivery::Delivery;
use crate::domain::templates::{TemplateRecord, Templates};
use crate::graph::templates::{
    self as wire, category_update, param_error, quality_update, status_update, subcode,
    template_error, NewTemplate, TemplateInput, TemplateRef,
};
use crate::graph::GraphError;
use crate::wa::time::now_ms;
use serde_json::{json, Value};
use std::sync::Arc;

const DAY_MS: u64 = 24 * 3600 * 1000;
/// Templates per WABA (6,000 for verified portfolios; the emulator uses the basic limit).
pub const TEMPLATE_LIMIT: usize = 250;
/// A deleted name+language cannot be created again for 30 days.
const COOLDOWN_MS: u64 = 30 * DAY_MS;
/// Statuses a control-API decision may set.
pub const DECISIONS: [&str; 7] = [
    "APPROVED",
    "REJECTED",
    "PAUSED",
    "DISABLED",
    "IN_APPEAL",
    "LIMIT_EXCEEDED",
    "ARCHIVED",
];
/// Why a template was rejected (the webhook's `reason`).
pub const REASONS: [&str; 8] = [
    "ABUSIVE_CONTENT",
    "CATEGORY_NOT_AVAILABLE",
    "INCORRECT_CATEGORY",
    "INVALID_FORMAT",
    "NONE",
    "PROMOTIONAL",
    "SCAM",
    "TAG_CONTENT_MISMATCH",
];
pub const QUALITY_SCORES: [&str; 4] = ["GREEN", "YELLOW", "RED", "UNKNOWN"];

/// How templates are reviewed: automatically after `review_ms` unless `manual`.
#[derive(Debug, Clone, Copy)]
pub struct Review {
    pub review_ms: u64,
    pub manual: bool,
}

/// The list filters of `GET /{waba-id}/message_templates` (values matched in any case).
#[derive(Debug, Clone, Default)]
pub struct TemplateFilter {
    pub name: Option<String>,
    pub content: Option<String>,
    pub name_or_content: Option<String>,
    pub status: Option<Vec<String>>,
    pub category: Option<Vec<String>>,
    pub language: Option<Vec<String>>,
    pub quality_score: Option<Vec<String>>,
}

fn any_of(list: &Option<Vec<String>>, value: &str) -> bool {
    list.as_ref()
        .is_none_or(|l| l.iter().any(|v| v.eq_ignore_ascii_case(value)))
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl TemplateFilter {
    pub fn matches(&self, t: &TemplateRecord) -> bool {
        let text: String = t
            .components
            .iter()
            .filter_map(|c| c.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n");
        // Deleted templates show only when asked for by status.
        let status_ok = match &self.status {
            None => t.live(),
            some => any_of(some, &t.status),
        };
        status_ok
            && self.name.as_ref().is_none_or(|n| contains(&t.name, n))
            && self.content.as_ref().is_none_or(|c| contains(&text, c))
            && self
                .name_or_content
                .as_ref()
                .is_none_or(|q| contains(&t.name, q) || contains(&text, q))
            && any_of(&self.category, &t.category)
            && any_of(&self.language, &t.language)
            && any_of(&self.quality_score, &t.quality_score)
    }
}

/// The template desk: the registry, the webhook path and the reviewer's alarm.
pub(crate) struct Desk {
    pub templates: Arc<Templates>,
    pub shared: Arc<Shared>,
    pub delivery: Arc<Delivery>,
    pub review: Review,
    pub wake: tokio::sync::Notify,
}

/// The template as Graph answers it (every field; `fields=` cuts it down).
pub fn to_json(t: &TemplateRecord) -> Value {
    let mut v = json!({
        "name": t.name,
        "parameter_format": t.parameter_format,
        "components": t.components,
        "language": t.language,
        "status": t.status,
        "category": t.category,
        "id": t.id,
        "rejected_reason": t.rejected_reason,
        "quality_score": {"score": t.quality_score, "date": t.created_ms / 1000},
    });
    if let Some(s) = &t.sub_category {
        v["sub_category"] = json!(s);
    }
    if let Some(p) = &t.previous_category {
        v["previous_category"] = json!(p);
    }
    if let Some(ttl) = t.message_send_ttl_seconds {
        v["message_send_ttl_seconds"] = json!(ttl);
    }
    v
}

/// The fields answered without `fields=` (Meta's template-management guide).
pub const DEFAULT_FIELDS: [&str; 8] = [
    "name",
    "parameter_format",
    "components",
    "language",
    "status",
    "category",
    "sub_category",
    "id",
];

fn not_found(method: &str, id: &str) -> GraphError {
    GraphError::unknown_object(method, id)
}

impl Desk {
    fn tref(t: &TemplateRecord) -> TemplateRef<'_> {
        TemplateRef {
            id: &t.id,
            name: &t.name,
            language: &t.language,
        }
    }

    /// A signed WABA webhook about `t` (none for templates without a WABA or without a URL).
    fn webhook(
        &self,
        t: &TemplateRecord,
        field: &str,
        value: Value,
    ) -> Option<crate::delivery::DirectCallback> {
        let waba = t.waba_id.as_deref()?;
        let config = self.shared.config();
        self.shared.waba_callback(
            &config,
            waba,
            field,
            value,
            Some(format!("template:{}", t.id)),
        )
    }

    fn status_webhook(
        &self,
        t: &TemplateRecord,
        reason: Option<&str>,
        other_info: Option<Value>,
    ) -> Option<crate::delivery::DirectCallback> {
        let value = status_update(&Self::tref(t), &t.status, reason, &t.category, other_info);
        self.webhook(t, "message_template_status_update", value)
    }

    fn due(&self, now: u64) -> Option<u64> {
        (!self.review.manual).then_some(now + self.review.review_ms)
    }

    pub async fn create(
        &self,
        waba_id: &str,
        new: NewTemplate,
    ) -> Result<TemplateRecord, GraphError> {
        let _change = self.templates.lock().await;
        let now = now_ms();
        let in_waba: Vec<TemplateRecord> = self
            .templates
            .all()
            .into_iter()
            .filter(|t| t.waba_id.as_deref() == Some(waba_id))
            .collect();
        let same = |t: &&TemplateRecord| t.name == new.name && t.language == new.language;
        if in_waba.iter().filter(same).any(|t| t.live()) {
            return Err(template_error(
                subcode::DUPLICATE,
                "Message template already exists",
                format!(
                    "There is already {} content for the template {}: change the name or the language",
                    new.language, new.name
                ),
            ));
        }
        if in_waba
            .iter()
            .filter(same)
            .any(|t| t.deleted_ms.is_some_and(|d| d + COOLDOWN_MS > now))
        {
            return Err(template_error(
                subcode::NAME_IN_COOLDOWN,
                "Message template name is being deleted",
                format!(
                    "{} in {} was deleted less than 30 days ago: the name cannot be used again yet",
                    new.name, new.language
                ),
            ));
        }
        if in_waba.iter().filter(|t| t.live()).count() >= TEMPLATE_LIMIT {
            return Err(template_error(
                subcode::LIMIT_EXCEEDED,
                "Message template limit exceeded",
                format!("This WhatsApp Business Account already has {TEMPLATE_LIMIT} templates"),
            ));
        }
        let record = TemplateRecord {
            id: self.templates.new_id()?,
            waba_id: Some(waba_id.to_string()),
            namespace: None,
            checks: wire::checks_of(&new.components),
            name: new.name,
            language: new.language,
            category: new.category,
            previous_category: None,
            sub_category: new.sub_category,
            parameter_format: new.parameter_format,
            components: new.components,
            status: "PENDING".into(),
            rejected_reason: "NONE".into(),
            quality_score: "UNKNOWN".into(),
            message_send_ttl_seconds: new.message_send_ttl_seconds,
            created_ms: now,
            review_due_ms: self.due(now),
            deleted_ms: None,
            approved_edits_ms: Vec::new(),
            pauses: 0,
        };
        self.templates
            .write(vec![record.clone()], vec![], &self.delivery)
            .await
            .map_err(internal)?;
        self.wake.notify_one();
        Ok(record)
    }

    /// A template of this WABA (or any, for `GET /{template-id}`), not deleted.
    pub fn get(&self, id: &str) -> Option<TemplateRecord> {
        self.templates.get(id).filter(TemplateRecord::live)
    }

    /// The WABA's templates and those registered through the control API (any WABA sends them).
    pub fn list(&self, waba_id: &str, filter: &TemplateFilter) -> Vec<TemplateRecord> {
        self.templates
            .all()
            .into_iter()
            .filter(|t| t.visible_to(waba_id) && filter.matches(t))
            .collect()
    }

    /// `POST /{template-id}`: new components/category/TTL/format, back to PENDING review.
    pub async fn edit(&self, id: &str, input: TemplateInput) -> Result<TemplateRecord, GraphError> {
        let _change = self.templates.lock().await;
        let now = now_ms();
        let mut t = self.get(id).ok_or_else(|| not_found("post", id))?;
        if !["APPROVED", "REJECTED", "PAUSED"].contains(&t.status.as_str()) {
            return Err(param_error(format!(
                "Template {id} is {}: only APPROVED, REJECTED or PAUSED templates can be edited",
                t.status
            )));
        }
        if input.components.is_none()
            && input.category.is_none()
            && input.message_send_ttl_seconds.is_none()
            && input.parameter_format.is_none()
        {
            return Err(param_error(
                "Send at least one of components, category, message_send_ttl_seconds, parameter_format",
            ));
        }
        let category = match &input.category {
            Some(c) => wire::category(c)?,
            None => t.category.clone(),
        };
        if t.status == "APPROVED" && category != t.category {
            return Err(param_error(format!(
                "The category of an approved template cannot change (it is {})",
                t.category
            )));
        }
        let format = match &input.parameter_format {
            Some(f) => wire::parameter_format(Some(f))?,
            None => t.parameter_format.clone(),
        };
        let components = match &input.components {
            Some(c) => wire::components(c, &format, &category)?,
            None => t.components.clone(),
        };
        let ttl = match input.message_send_ttl_seconds {
            Some(s) => wire::ttl(Some(s), &category)?,
            None => t.message_send_ttl_seconds,
        };
        if t.status == "APPROVED" {
            t.approved_edits_ms.retain(|at| at + 30 * DAY_MS > now);
            if t.approved_edits_ms.iter().any(|at| at + DAY_MS > now) {
                return Err(param_error(
                    "An approved template can be edited once in 24 hours",
                ));
            }
            if t.approved_edits_ms.len() >= 10 {
                return Err(param_error(
                    "An approved template can be edited 10 times in 30 days",
                ));
            }
            t.approved_edits_ms.push(now);
        }
        t.checks = wire::checks_of(&components);
        t.components = components;
        t.category = category;
        t.parameter_format = format;
        t.message_send_ttl_seconds = ttl;
        t.status = "PENDING".into();
        t.rejected_reason = "NONE".into();
        t.review_due_ms = self.due(now);
        self.templates
            .write(vec![t.clone()], vec![], &self.delivery)
            .await
            .map_err(internal)?;
        self.wake.notify_one();
        Ok(t)
    }

    /// `DELETE /{waba-id}/message_templates?name=[&hsm_id=]`: every language of the name, or
    /// the one template `hsm_id`. DISABLED templates cannot be deleted.
    pub async fn delete(
        &self,
        waba_id: &str,
        name: &str,
        hsm_id: Option<&str>,
    ) -> Result<usize, GraphError> {
        let _change = self.templates.lock().await;
        let now = now_ms();
        let targets: Vec<TemplateRecord> = self
            .templates
            .all()
            .into_iter()
            .filter(|t| t.waba_id.as_deref() == Some(waba_id) && t.live() && t.name == name)
            .filter(|t| hsm_id.is_none_or(|h| t.id == h))
            .collect();
        if targets.is_empty() {
            return Err(param_error(match hsm_id {
                Some(h) => {
                    format!("No template {h} named {name} in WhatsApp Business Account {waba_id}")
                }
                None => format!("No template named {name} in WhatsApp Business Account {waba_id}"),
            }));
        }
        if let Some(t) = targets.iter().find(|t| t.status == "DISABLED") {
            return Err(param_error(format!(
                "Template {} ({}) is DISABLED and cannot be deleted",
                t.id, t.language
            )));
        }
        let mut records = Vec::new();
        let mut callbacks = Vec::new();
        for mut t in targets {
            t.status = "DELETED".into();
            t.deleted_ms = Some(now);
            t.review_due_ms = None;
            callbacks.extend(self.status_webhook(&t, None, None));
            records.push(t);
        }
        let n = records.len();
        self.templates
            .write(records, callbacks, &self.delivery)
            .await
            .map_err(internal)?;
        Ok(n)
    }

    /// A review decision: the new status with its webhook (`reason` for rejections; a pause says
    /// which one it is, the third pause disables).
    pub async fn decide(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Result<TemplateRecord, GraphError> {
        let _change = self.templates.lock().await;
        let mut t = self.get(id).ok_or_else(|| not_found("post", id))?;
        self.apply(&mut t, status, reason).await?;
        Ok(t)
    }

    async fn apply(
        &self,
        t: &mut TemplateRecord,
        status: &str,
        reason: Option<&str>,
    ) -> Result<(), GraphError> {
        let mut status = status.to_string();
        let mut other_info = None;
        if status == "PAUSED" {
            t.pauses += 1;
            if t.pauses >= 3 {
                status = "DISABLED".into();
            } else {
                let (title, hours) = if t.pauses == 1 {
                    ("FIRST_PAUSE", 3)
                } else {
                    ("SECOND_PAUSE", 6)
                };
                other_info = Some(
                    json!({"title": title, "description": format!("Your template has been paused for {hours} hours because of low quality.")}),
                );
            }
        }
        if status == "DISABLED" {
            other_info = Some(
                json!({"title": "DISABLED", "description": "Your template has been disabled because of repeated low quality."}),
            );
        }
        if status == "APPROVED" && t.status == "PAUSED" {
            other_info = Some(
                json!({"title": "UNPAUSE", "description": "Your template has been unpaused."}),
            );
        }
        let reason = match status.as_str() {
            "REJECTED" => reason.unwrap_or("INVALID_FORMAT"),
            _ => reason.unwrap_or("NONE"),
        };
        t.status = status;
        t.rejected_reason = if t.status == "REJECTED" {
            reason.into()
        } else {
            "NONE".into()
        };
        t.review_due_ms = None;
        let mut callback = self.status_webhook(t, Some(reason), other_info);
        if let (Some(cb), "DISABLED") = (&mut callback, t.status.as_str()) {
            // `disable_info` rides along on disables.
            if let Ok(mut body) = serde_json::from_str::<Value>(&cb.body) {
                body["entry"][0]["changes"][0]["value"]["disable_info"] =
                    json!({"disable_date": now_ms() / 1000});
                let config = self.shared.config();
                cb.body = body.to_string();
                cb.headers = crate::domain::cloud::sinks::signed_headers(&config, &cb.body);
            }
        }
        self.templates
            .write(
                vec![t.clone()],
                callback.into_iter().collect(),
                &self.delivery,
            )
            .await
            .map_err(internal)
    }

    /// A quality rating change with its `message_template_quality_update` webhook.
    pub async fn rate(&self, id: &str, score: &str) -> Result<TemplateRecord, GraphError> {
        let _change = self.templates.lock().await;
        let mut t = self.get(id).ok_or_else(|| not_found("post", id))?;
        let previous = std::mem::replace(&mut t.quality_score, score.to_string());
        let value = quality_update(&Self::tref(&t), &previous, score);
        let cb = self.webhook(&t, "message_template_quality_update", value);
        self.templates
            .write(vec![t.clone()], cb.into_iter().collect(), &self.delivery)
            .await
            .map_err(internal)?;
        Ok(t)
    }

    /// Meta recategorises a template: `template_category_update` (the completed change).
    pub async fn recategorise(
        &self,
        id: &str,
        category: &str,
    ) -> Result<TemplateRecord, GraphError> {
        let _change = self.templates.lock().await;
        let mut t = self.get(id).ok_or_else(|| not_found("post", id))?;
        let previous = std::mem::replace(&mut t.category, category.to_string());
        t.previous_category = Some(previous.clone());
        let value = category_update(&Self::tref(&t), &previous, category);
        let cb = self.webhook(&t, "template_category_update", value);
        self.templates
            .write(vec![t.clone()], cb.into_iter().collect(), &self.delivery)
            .await
            .map_err(internal)?;
        Ok(t)
    }

    /// `POST /{template-id}/unpause`.
    pub async fn unpause(&self, id: &str) -> Result<TemplateRecord, GraphError> {
        let _change = self.templates.lock().await;
        let mut t = self.get(id).ok_or_else(|| not_found("post", id))?;
        if t.status != "PAUSED" {
            return Err(param_error(format!(
                "Template {id} is {}: only a PAUSED template can be unpaused",
                t.status
            )));
        }
        self.apply(&mut t, "APPROVED", None).await?;
        Ok(t)
    }

    /// Approves every PENDING template whose review is due (`now`); answers how many.
    async fn review_due(&self, now: u64) -> usize {
        let _change = self.templates.lock().await;
        let due: Vec<TemplateRecord> = self
            .templates
            .all()
            .into_iter()
            .filter(|t| t.status == "PENDING" && t.review_due_ms.is_some_and(|d| d <= now))
            .collect();
        let mut n = 0;
        for mut t in due {
            match self.apply(&mut t, "APPROVED", None).await {
                Ok(()) => n += 1,
                Err(e) => {
                    tracing::warn!(template = %t.id, error = %e, "template review not recorded; retried")
                }
            }
        }
        n
    }

    /// The reviewer: sleeps until the next due review (or a change), then decides it.
    pub async fn run(self: Arc<Self>) {
        loop {
            let now = now_ms();
            match self.templates.next_review() {
                Some(due) if due <= now => {
                    if self.review_due(now).await == 0 {
                        // A failing store: try again shortly rather than spin.
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    }
                }
                Some(due) => {
                    let wait = std::time::Duration::from_millis(due - now);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = self.wake.notified() => {}
                    }
                }
                None => self.wake.notified().await,
            }
        }
    }
}

fn internal(e: crate::wa::ApiError) -> GraphError {
    crate::graph::errors::from_onprem(&e)
}
