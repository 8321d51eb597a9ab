//! `/v1/certificates`: the webhook CA (admin) and the listener's CA (public download).

use super::auth::state;
use super::body::read_body;
use super::{ok_empty, Admin};
use crate::wa::ApiError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn upload_webhook_ca(
    req: HttpRequest,
    _admin: Admin,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/plain");
    if ct.to_ascii_lowercase().contains("json") {
        return Err(ApiError::new(
            1025,
            "Send the PEM certificate as the raw body with 'Content-Type: text/plain'",
        ));
    }
    let st = state(&req)?;
    let body = read_body(&req, payload, st.config.max_json_bytes).await?;
    st.webhook_ca.set(&body).await?;
    Ok(ok_empty())
}

/// The stored PEM as text/plain, or 404 with no body (as the real API).
pub async fn get_webhook_ca(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    Ok(match state(&req)?.webhook_ca.get() {
        Some(pem) => HttpResponse::Ok().content_type("text/plain").body(pem),
        None => HttpResponse::NotFound().finish(),
    })
}

pub async fn delete_webhook_ca(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    if st.webhook_ca.delete().await? {
        Ok(ok_empty())
    } else {
        Err(ApiError::not_found("No webhook CA certificate is stored"))
    }
}

/// The CA that signed the HTTPS listener's certificate, so clients can pin it (after an upload:
/// the last certificate of the uploaded chain; 404 when it held only the leaf).
pub async fn get_external_ca(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    match state(&req)?.external_cert.ca_pem() {
        Some(pem) => Ok(HttpResponse::Ok().content_type("text/plain").body(pem)),
        None => Err(ApiError::not_found(
            "The uploaded certificate chain holds no CA certificate (only the leaf)",
        )),
    }
}

/// `POST /v1/certificates/external`: the listener's own chain and key (PEM, text/plain), served
/// to every new TLS handshake at once; a bad upload is refused and the old certificate stays.
pub async fn upload_external(
    req: HttpRequest,
    _admin: Admin,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/plain");
    if ct.to_ascii_lowercase().contains("json") {
        return Err(ApiError::new(
            1025,
            "Send the PEM chain and key as the raw body with 'Content-Type: text/plain'",
        ));
    }
    let st = state(&req)?;
    let body = read_body(&req, payload, st.config.max_json_bytes).await?;
    st.external_cert.upload(&body).await?;
    Ok(ok_empty())
}
