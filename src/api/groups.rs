//! `/v1/groups`: create, list, info, subject, invite link, participants, admins, icon, leave;
//! and the control routes that play the customers of a group (`/v1/emulator/groups`).

use super::auth::state;
use super::body::read_body;
use super::{created, ok, ok_empty, Admin, Bearer, Json};
use crate::domain::inbound::InboundRequest;
use crate::wa::groups::ICON_MAX_BYTES;
use crate::wa::ApiError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    subject: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaIdsBody {
    wa_ids: Vec<String>,
}

/// `POST /v1/groups {"subject"}` -> `{"groups":[{"creation_time","id"}]}`.
pub async fn create(
    req: HttpRequest,
    _who: Bearer,
    Json(body): Json<SubjectBody>,
) -> Result<HttpResponse, ApiError> {
    let g = state(&req)?.messaging.groups.create(&body.subject).await?;
    Ok(created(
        json!({ "groups": [{ "creation_time": g.creation_time, "id": g.id }] }),
    ))
}

/// `GET /v1/groups`: the groups the business is in.
pub async fn list(req: HttpRequest, _who: Bearer) -> Result<HttpResponse, ApiError> {
    let groups: Vec<_> = state(&req)?
        .messaging
        .groups
        .list()?
        .into_iter()
        .map(|g| json!({ "creation_time": g.creation_time, "id": g.id }))
        .collect();
    Ok(ok(json!({ "groups": groups })))
}

/// `GET /v1/groups/{id}` -> `{"groups":[{"admins","creation_time","creator","participants","subject"}]}`.
pub async fn info(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let g = state(&req)?.messaging.groups.get(&id)?;
    Ok(ok(json!({ "groups": [g.info()] })))
}

/// `PUT /v1/groups/{id} {"subject"}`.
pub async fn update(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
    Json(body): Json<SubjectBody>,
) -> Result<HttpResponse, ApiError> {
    let groups = &state(&req)?.messaging.groups;
    groups.set_subject(&id, &body.subject).await?;
    Ok(ok_empty())
}

/// `GET /v1/groups/{id}/invite` -> `{"groups":[{"link"}]}`.
pub async fn invite(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let link = state(&req)?.messaging.groups.invite_link(&id)?;
    Ok(ok(json!({ "groups": [{ "link": link }] })))
}

/// `DELETE /v1/groups/{id}/invite`: revokes the link; the next GET shows a new one.
pub async fn revoke_invite(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.messaging.groups.revoke_invite(&id).await?;
    Ok(ok_empty())
}

/// `DELETE /v1/groups/{id}/participants {"wa_ids"}`.
pub async fn remove_participants(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
    Json(body): Json<WaIdsBody>,
) -> Result<HttpResponse, ApiError> {
    let groups = &state(&req)?.messaging.groups;
    groups.remove_participants(&id, &body.wa_ids).await?;
    Ok(ok_empty())
}

/// `PATCH /v1/groups/{id}/admins {"wa_ids"}`.
pub async fn promote(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
    Json(body): Json<WaIdsBody>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?
        .messaging
        .groups
        .promote(&id, &body.wa_ids)
        .await?;
    Ok(ok_empty())
}

/// `DELETE /v1/groups/{id}/admins {"wa_ids"}`.
pub async fn demote(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
    Json(body): Json<WaIdsBody>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?
        .messaging
        .groups
        .demote(&id, &body.wa_ids)
        .await?;
    Ok(ok_empty())
}

/// `POST /v1/groups/{id}/icon`: the image as the body (`image/jpeg` or `image/png`), or as the
/// file part of a `multipart/form-data` body (the shape of Meta's Postman collection).
pub async fn set_icon(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = read_body(&req, payload, ICON_MAX_BYTES + 64 * 1024).await?;
    let (content_type, bytes) = match content_type
        .as_deref()
        .and_then(crate::graph::multipart::boundary)
    {
        None => (content_type, bytes.to_vec()),
        Some(boundary) => {
            let parts = crate::graph::multipart::parse(&bytes, &boundary)
                .map_err(|e| ApiError::invalid("body", e))?;
            let part = parts
                .into_iter()
                .find(|p| p.content_type.is_some())
                .ok_or_else(|| ApiError::missing("file (a part with the icon image)"))?;
            (part.content_type, part.data)
        }
    };
    st.messaging
        .groups
        .set_icon(&id, content_type.as_deref(), &bytes)
        .await?;
    Ok(ok_empty())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IconQuery {
    format: Option<String>,
}

/// `GET /v1/groups/{id}/icon`: the bytes; with `?format=link`, `{"groups":[{"icon":{"link"}}]}`.
pub async fn get_icon(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let q = web::Query::<IconQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid("query", e))?
        .into_inner();
    let as_link = match q.format.as_deref() {
        None => false,
        Some("link") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("'{}' is not a format; use format=link", super::echo(other)),
            ))
        }
    };
    let (meta, bytes) = state(&req)?.messaging.groups.icon(&id)?;
    if as_link {
        let info = req.connection_info();
        let link = format!(
            "{}://{}/v1/groups/{}/icon",
            info.scheme(),
            info.host(),
            id.as_str()
        );
        return Ok(ok(json!({ "groups": [{ "icon": { "link": link } }] })));
    }
    Ok(HttpResponse::Ok()
        .content_type(meta.mime_type)
        .insert_header(("x-sha256", meta.sha256))
        .body(bytes))
}

/// `DELETE /v1/groups/{id}/icon`.
pub async fn delete_icon(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.messaging.groups.delete_icon(&id).await?;
    Ok(ok_empty())
}

/// `POST /v1/groups/{id}/leave`.
pub async fn leave(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.messaging.groups.leave(&id).await?;
    Ok(ok_empty())
}

/// `GET /v1/emulator/groups`: every group with its id, invite link and whether the business left.
pub async fn control_list(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let groups: Vec<_> = state(&req)?
        .messaging
        .groups
        .all()?
        .into_iter()
        .map(|g| {
            let mut v = g.info();
            v["id"] = json!(g.id);
            v["invite_link"] = json!(crate::wa::groups::invite_link(&g.invite_code));
            v["has_icon"] = json!(g.icon.is_some());
            v["left"] = json!(g.left);
            v
        })
        .collect();
    Ok(ok(json!({ "groups": groups })))
}

/// `POST /v1/emulator/groups/{id}/participants {"wa_ids"}`: customers join the group.
pub async fn control_join(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
    Json(body): Json<WaIdsBody>,
) -> Result<HttpResponse, ApiError> {
    let groups = &state(&req)?.messaging.groups;
    groups.join(&id, &body.wa_ids).await?;
    Ok(ok(json!({ "groups": [groups.get(&id)?.info()] })))
}

/// `DELETE /v1/emulator/groups/{id}/participants {"wa_ids"}`: customers leave on their own.
pub async fn control_leave(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
    Json(body): Json<WaIdsBody>,
) -> Result<HttpResponse, ApiError> {
    let groups = &state(&req)?.messaging.groups;
    groups.customers_leave(&id, &body.wa_ids).await?;
    Ok(ok(json!({ "groups": [groups.get(&id)?.info()] })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    link: String,
    wa_id: String,
}

/// `POST /v1/emulator/groups/join {"link","wa_id"}`: a customer opens an invite link.
pub async fn control_join_link(
    req: HttpRequest,
    _a: Admin,
    Json(body): Json<JoinBody>,
) -> Result<HttpResponse, ApiError> {
    let groups = &state(&req)?.messaging.groups;
    let id = groups.join_by_link(&body.link, &body.wa_id).await?;
    let mut info = groups.get(&id)?.info();
    info["id"] = json!(id);
    Ok(ok(json!({ "groups": [info] })))
}

/// `POST /v1/emulator/groups/{id}/messages`: a participant writes in the group (the body of
/// `POST /v1/emulator/inbound`, its `group_id` set from the path).
pub async fn control_message(
    req: HttpRequest,
    _a: Admin,
    id: web::Path<String>,
    Json(mut body): Json<InboundRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.rest.contains_key("group_id") {
        return Err(ApiError::not_allowed(
            "group_id",
            "the group is the one in the path",
        ));
    }
    let st = state(&req)?;
    st.messaging.groups.get(&id)?;
    body.rest.insert("group_id".into(), json!(id.as_str()));
    let wa_id = st.settings.current().wa_id.clone();
    let (id, callback) = st.messaging.receive(body, &wa_id).await?;
    Ok(ok(
        json!({ "messages": [{ "id": id }], "callbacks": [{ "id": callback }] }),
    ))
}
