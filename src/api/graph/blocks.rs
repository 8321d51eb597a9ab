//! `POST|DELETE|GET /{phone-number-id}/block_users`: block and unblock (JSON body, DELETE
//! included), the list (flat `data[{messaging_product, input, wa_id}]`, paged). Some users
//! failing answers HTTP 400 with both the per-user result and the 139100 error, as Meta does.

use super::params::{page_link, Params};
use super::phone_numbers::number_id;
use super::{app, authorize, version, GraphFailure, GraphResult};
use crate::domain::cloud::blocks::{BlockOutcome, BlockTarget};
use crate::graph::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::graph::{ids, GraphError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// `block_users: [{"user": "+1 650..."} | {"user_id": "US.13491208655302741918"}]`.
fn targets(p: &Params) -> Result<Vec<BlockTarget>, GraphFailure> {
    p.only(&["messaging_product", "block_users"])?;
    p.messaging_product()?;
    let list = match p.value("block_users") {
        None | Some(Value::Null) => {
            return Err(GraphError::graph_param("The parameter block_users is required").into())
        }
        Some(v) => v,
    };
    let Value::Array(items) = list else {
        return Err(GraphError::graph_param(
            "Param block_users must be an array of {user} objects",
        )
        .into());
    };
    if items.is_empty() {
        return Err(
            GraphError::graph_param("Param block_users must hold at least one user").into(),
        );
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
            };
            match (text("user"), text("user_id")) {
                (Some(u), None) => Ok(BlockTarget::User(u.to_string())),
                (None, Some(u)) => Ok(BlockTarget::UserId(u.to_string())),
                _ => Err(GraphError::graph_param(format!(
                    "Param block_users[{i}] must be an object with user (a phone number) or user_id"
                ))
                .into()),
            }
        })
        .collect()
}

/// The answer: 200 when every user was handled, else 400 with the list and the 139100 error.
fn answer(out: BlockOutcome, done_key: &str, verb: &str) -> HttpResponse {
    let done: Vec<Value> = out
        .done
        .iter()
        .map(|(input, wa_id)| json!({ "input": input, "wa_id": wa_id }))
        .collect();
    let mut result = json!({ done_key: done });
    if out.failed.is_empty() {
        return HttpResponse::Ok()
            .json(json!({ "messaging_product": "whatsapp", "block_users": result }));
    }
    let failed: Vec<Value> = out
        .failed
        .iter()
        .map(|(input, wa_id, e)| {
            let mut f = json!({ "input": input, "errors": [{
                "message": e.title, "code": e.code, "error_data": { "details": e.details }
            }]});
            if let Some(w) = wa_id {
                f["wa_id"] = json!(w);
            }
            f
        })
        .collect();
    result["failed_users"] = json!(failed);
    HttpResponse::BadRequest().json(json!({
        "messaging_product": "whatsapp",
        "block_users": result,
        "error": {
            "message": "(#139100) Failed to block/unblock users",
            "type": "OAuthException",
            "code": 139100,
            "error_data": { "details": format!("Failed to {verb} some users, see the block_users response list for details") },
            "fbtrace_id": ids::fbtrace_id(),
        }
    }))
}

pub async fn block(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "POST")?;
    let t = targets(&Params::read(&req, payload).await?)?;
    let out = app(&req)?.cloud.block(&id, t).await?;
    Ok(answer(out, "added_users", "block"))
}

pub async fn unblock(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "DELETE")?;
    let t = targets(&Params::read(&req, payload).await?)?;
    let out = app(&req)?.cloud.unblock(&id, t).await?;
    Ok(answer(out, "removed_users", "unblock"))
}

pub async fn list(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "GET")?;
    let p = Params::query(&req);
    p.only(&["limit", "after", "before", "fields"])?;
    let page = p.page_within(DEFAULT_LIMIT, MAX_LIMIT)?;
    let users = app(&req)?.cloud.blocked_users(&id)?;
    let (users, paging) = page.cut(users, |u| u.wa_id.clone(), page_link(&req));
    let data: Vec<Value> = users
        .iter()
        .map(|u| json!({ "messaging_product": "whatsapp", "input": u.input, "wa_id": u.wa_id }))
        .collect();
    let mut body = json!({ "data": data });
    if let Some(p) = paging {
        body["paging"] = p;
    }
    Ok(HttpResponse::Ok().json(body))
}
