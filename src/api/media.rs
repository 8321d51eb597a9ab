//! `/v1/media`: upload raw bytes, download them, delete them.

use super::auth::state;
use super::body::read_body;
use super::{created, ok_empty, Bearer};
use crate::wa::ApiError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub async fn upload(
    req: HttpRequest,
    _who: Bearer,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = read_body(&req, payload, st.config.max_media_bytes).await?;
    let meta = st
        .messaging
        .media
        .upload(content_type.as_deref(), &bytes)
        .await?;
    Ok(created(json!({ "media": [{ "id": meta.id }] })))
}

pub async fn download(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (meta, bytes) = state(&req)?.messaging.media.get(&id).await?;
    Ok(HttpResponse::Ok()
        .content_type(meta.mime_type)
        .insert_header(("x-sha256", meta.sha256))
        .body(bytes))
}

pub async fn delete(
    req: HttpRequest,
    _who: Bearer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.messaging.media.delete(&id).await?;
    Ok(ok_empty())
}
