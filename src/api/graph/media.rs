//! Cloud media: `POST /{version}/{phone-number-id}/media` (multipart), `GET /{version}/{media-id}`
//! (metadata with a download URL that expires after 5 minutes), the download itself (bearer
//! token required, 404 when the URL is bad or expired), `DELETE /{version}/{media-id}`.

use super::{app, authorize, version, GraphFailure, GraphResult};
use crate::api::body::read_body;
use crate::graph::{multipart, GraphError};
use crate::wa::time::now_ms;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

const URL_TTL_MS: u64 = 5 * 60 * 1000;
pub const DOWNLOAD_PATH: &str = "/whatsapp_business/attachments/";

fn url_hash(secret: &str, mid: &str, ext: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{mid}:{ext}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

pub async fn upload(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let st = app(&req)?;
    let phone_number_id = req.match_info().get("phone_number_id").unwrap_or("");
    st.cloud.check_number(phone_number_id)?;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multipart::boundary(content_type).ok_or_else(|| {
        GraphFailure(GraphError::invalid(
            "The upload must be multipart/form-data with file, type and messaging_product",
        ))
    })?;
    let bytes = read_body(&req, payload, st.config.max_media_bytes).await?;
    let parts =
        multipart::parse(&bytes, &boundary).map_err(|e| GraphFailure(GraphError::invalid(e)))?;
    let field = |name: &str| parts.iter().find(|p| p.name == name);
    let text =
        |name: &str| field(name).map(|p| String::from_utf8_lossy(&p.data).trim().to_string());
    match text("messaging_product").as_deref() {
        Some("whatsapp") => {}
        Some(_) => {
            return Err(GraphError::new(131009, "messaging_product: must be whatsapp").into())
        }
        None => {
            return Err(
                GraphError::new(131008, "Missing required parameter: messaging_product").into(),
            )
        }
    }
    let file = field("file")
        .ok_or_else(|| GraphFailure(GraphError::new(131008, "Missing required parameter: file")))?;
    let mime = text("type")
        .or_else(|| file.content_type.clone())
        .ok_or_else(|| GraphFailure(GraphError::new(131008, "Missing required parameter: type")))?;
    let meta = st
        .messaging
        .media
        .upload(Some(&mime), &file.data)
        .await
        .map_err(|e| {
            if e.code == 1009 || e.status == 413 {
                GraphFailure(GraphError::new(131053, e.details.unwrap_or_default()))
            } else {
                GraphFailure::from(e)
            }
        })?;
    Ok(HttpResponse::Ok().json(json!({ "id": meta.id })))
}

/// Media ids are answered by `GET /{version}/{id}` only for ids of uploaded media.
pub async fn get(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let st = app(&req)?;
    check_owner(&req)?;
    let id = req.match_info().get("id").unwrap_or("").to_string();
    let (meta, _) = st
        .messaging
        .media
        .get(&id)
        .await
        .map_err(|e| match e.code {
            1006 => unknown_media("get", &id),
            _ => GraphFailure::from(e),
        })?;
    let ext = now_ms() + URL_TTL_MS;
    let hash = url_hash(&st.cloud.config().app_secret, &id, ext);
    let info = req.connection_info();
    let url = format!(
        "{}://{}{DOWNLOAD_PATH}?mid={id}&ext={ext}&hash={hash}",
        info.scheme(),
        info.host()
    );
    Ok(HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": meta.mime_type,
        "sha256": meta.sha256,
        "file_size": meta.size.to_string(),
        "id": meta.id,
    })))
}

pub async fn delete(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    check_owner(&req)?;
    let id = req.match_info().get("id").unwrap_or("").to_string();
    app(&req)?
        .messaging
        .media
        .delete(&id)
        .await
        .map_err(|e| match e.code {
            1006 => unknown_media("delete", &id),
            _ => GraphFailure::from(e),
        })?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `GET <url>` from the metadata, with the bearer token: the bytes, or 404.
pub async fn download(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    let st = app(&req)?;
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let (mid, ext, hash) = (
        q.get("mid"),
        q.get("ext").and_then(|e| e.parse::<u64>().ok()),
        q.get("hash"),
    );
    let not_found = || {
        GraphFailure(GraphError::invalid("This media URL is not valid or has expired: ask GET /{version}/{media-id} for a new one").with_status(404))
    };
    let (Some(mid), Some(ext), Some(hash)) = (mid, ext, hash) else {
        return Err(not_found());
    };
    if ext < now_ms() || url_hash(&st.cloud.config().app_secret, mid, ext) != *hash {
        return Err(not_found());
    }
    let (meta, bytes) = st.messaging.media.get(mid).await.map_err(|_| not_found())?;
    Ok(HttpResponse::Ok().content_type(meta.mime_type).body(bytes))
}

/// Graph's answer for an object id that does not exist (400, code 100), naming the method as Meta does.
fn unknown_media(method: &str, id: &str) -> GraphFailure {
    GraphFailure(GraphError::unknown_object(method, &crate::api::echo(id)))
}

/// `?phone_number_id=` must name a configured number.
fn check_owner(req: &HttpRequest) -> Result<(), GraphFailure> {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    if let Some(id) = q.get("phone_number_id") {
        app(req)?.cloud.check_number(id)?;
    }
    Ok(())
}
