//! Message templates on a WhatsApp Business Account: `GET|POST|DELETE
//! /{version}/{waba-id}/message_templates`, and the template branch of `GET|POST /{version}/{id}`
//! (see `objects.rs`) and `POST /{version}/{template-id}/unpause`.

use super::params::{page_link, Params};
use super::{app, authorize, version, GraphFailure, GraphResult};
use crate::domain::cloud::templates::{to_json, TemplateFilter, DEFAULT_FIELDS, TEMPLATE_LIMIT};
use crate::domain::templates::TemplateRecord;
use crate::graph::fields::Fields;
use crate::graph::templates::{param_error, TemplateInput};
use crate::graph::GraphError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// Items per page without `limit` (Graph's usual 25; Meta does not document this edge's).
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 1000;

/// The `{waba_id}` of the path, which must be the WABA of a configured number.
pub(super) fn waba(req: &HttpRequest, method: &str) -> Result<String, GraphFailure> {
    let id = req.match_info().get("waba_id").unwrap_or("").to_string();
    let known = app(req)?
        .cloud
        .config()
        .numbers
        .iter()
        .any(|n| n.waba_id == id);
    if known {
        Ok(id)
    } else {
        Err(GraphError::unknown_object(method, &crate::api::echo(&id)).into())
    }
}

/// A template as answered: the default fields, or those `fields=` names.
pub fn view(t: &TemplateRecord, fields: Option<&Fields>) -> Value {
    let full = to_json(t);
    match fields {
        Some(f) => f.project(&full),
        None => {
            let mut out = serde_json::Map::new();
            for k in DEFAULT_FIELDS {
                if let Some(v) = full.get(k) {
                    out.insert(k.into(), v.clone());
                }
            }
            Value::Object(out)
        }
    }
}

fn input(p: &Params) -> Result<TemplateInput, GraphFailure> {
    // `allow_category_change` is accepted and ignored (Meta ignores it since April 2025).
    p.bool("allow_category_change")?;
    Ok(TemplateInput {
        name: p.text("name")?,
        language: p.text("language")?,
        category: p.text("category")?,
        parameter_format: p.text("parameter_format")?,
        components: p.value("components").filter(|v| !v.is_null()),
        sub_category: p.text("sub_category")?,
        message_send_ttl_seconds: p.integer("message_send_ttl_seconds")?,
    })
}

/// `GET /{waba-id}/message_templates`.
pub async fn list(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let waba_id = waba(&req, "get")?;
    let p = Params::query(&req);
    let fields = p.fields()?;
    let filter = TemplateFilter {
        name: p.text("name")?,
        content: p.text("content")?,
        name_or_content: p.text("name_or_content")?,
        status: p.list("status")?,
        category: p.list("category")?,
        language: p.list("language")?,
        quality_score: p.list("quality_score")?,
    };
    let page = p.page(DEFAULT_LIMIT, MAX_LIMIT)?;
    let st = app(&req)?;
    let all = st.cloud.templates.list(&waba_id, &filter);
    let total = all.len();
    let (items, paging) = page.cut(all, |t| t.id.clone(), page_link(&req));
    let data: Vec<Value> = items.iter().map(|t| view(t, fields.as_ref())).collect();
    let mut body = json!({ "data": data, "paging": paging.unwrap_or_else(|| json!({})) });
    if let Some(wanted) = p.list("summary")? {
        let live = st
            .cloud
            .templates
            .list(&waba_id, &TemplateFilter::default())
            .len();
        let all_keys = wanted.iter().any(|k| k == "true" || k == "1");
        let mut summary = serde_json::Map::new();
        let values = [
            ("total_count", json!(total)),
            ("message_template_count", json!(live)),
            ("message_template_limit", json!(TEMPLATE_LIMIT)),
            ("are_translations_complete", json!(true)),
        ];
        for (k, v) in values {
            if all_keys || wanted.iter().any(|w| w == k) {
                summary.insert(k.into(), v);
            }
        }
        body["summary"] = Value::Object(summary);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /{waba-id}/message_templates`: `{id, status, category}`.
pub async fn create(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let waba_id = waba(&req, "post")?;
    let p = Params::read(&req, payload).await?;
    let new = crate::graph::templates::validate_create(input(&p)?)?;
    let t = app(&req)?.cloud.templates.create(&waba_id, new).await?;
    Ok(HttpResponse::Ok().json(json!({ "id": t.id, "status": t.status, "category": t.category })))
}

/// `DELETE /{waba-id}/message_templates?name=...[&hsm_id=...]` (query or JSON body).
pub async fn delete(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let waba_id = waba(&req, "delete")?;
    let p = Params::read(&req, payload).await?;
    let name = p
        .text("name")?
        .ok_or_else(|| GraphFailure(param_error("The parameter name is required")))?;
    let hsm_id = p.text("hsm_id")?;
    app(&req)?
        .cloud
        .templates
        .delete(&waba_id, &name, hsm_id.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `GET /{template-id}` (the objects dispatch found a template).
pub fn get(req: &HttpRequest, t: &TemplateRecord) -> GraphResult {
    let fields = Params::query(req).fields()?;
    Ok(HttpResponse::Ok().json(view(t, fields.as_ref())))
}

/// `POST /{template-id}`: edit; answers `{success, id, name, category}` (pywa reads all four).
pub async fn edit(req: &HttpRequest, id: &str, p: Params) -> GraphResult {
    let t = app(req)?.cloud.templates.edit(id, input(&p)?).await?;
    Ok(HttpResponse::Ok().json(json!({
        "success": true, "id": t.id, "name": t.name, "category": t.category,
    })))
}

/// `POST /{template-id}/unpause`.
pub async fn unpause(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = req.match_info().get("id").unwrap_or("").to_string();
    let t = app(&req)?.cloud.templates.unpause(&id).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true, "id": t.id, "status": t.status })))
}
