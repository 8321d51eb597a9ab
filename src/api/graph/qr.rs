//! QR codes: `GET|POST /{phone-number-id}/message_qrdls` (list; create, or update with `code`)
//! and `GET|POST|DELETE /{phone-number-id}/message_qrdls/{code}`, parameters from the query or
//! the body. The emulator renders no QR image: `generate_qr_image` is refused (UNCONFIRMED
//! elsewhere, said in the README).

use super::params::Params;
use super::phone_numbers::number_id;
use super::{app, authorize, version, GraphResult};
use crate::domain::cloud::qr::QrCode;
use crate::graph::GraphError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

fn item(q: &QrCode) -> Value {
    json!({
        "code": q.code,
        "prefilled_message": q.prefilled_message,
        "deep_link_url": format!("https://wa.me/message/{}", q.code),
    })
}

fn check_fields(p: &Params) -> Result<(), super::GraphFailure> {
    for f in p.fields()?.unwrap_or_default() {
        match f.name.as_str() {
            "code" | "prefilled_message" | "deep_link_url" => {}
            "qr_image_url" => {
                return Err(GraphError::invalid(
                    "qr_image_url: the emulator renders no QR images; ask for code, prefilled_message and deep_link_url",
                )
                .into())
            }
            other => return Err(GraphError::nonexisting_field(other, "PrefilledMessage").into()),
        }
    }
    Ok(())
}

pub async fn list(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "GET")?;
    check_fields(&Params::query(&req))?;
    let codes = app(&req)?.cloud.qr_codes(&id)?;
    Ok(HttpResponse::Ok().json(json!({ "data": codes.iter().map(item).collect::<Vec<_>>() })))
}

pub async fn get(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "GET")?;
    check_fields(&Params::query(&req))?;
    let code = req.match_info().get("code").unwrap_or("");
    let q = app(&req)?.cloud.qr_code(&id, code, "GET")?;
    Ok(HttpResponse::Ok().json(json!({ "data": [item(&q)] })))
}

/// Create (no code), or update (`code` in the parameters or the path).
pub async fn save(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "POST")?;
    let p = Params::read(&req, payload).await?;
    p.only(&["prefilled_message", "generate_qr_image", "code"])?;
    if p.contains("generate_qr_image") {
        return Err(GraphError::invalid(
            "generate_qr_image: the emulator renders no QR images; leave it out",
        )
        .into());
    }
    let message = p.required("prefilled_message")?;
    let code = match req.match_info().get("code") {
        Some(c) => Some(c.to_string()),
        None => p.text("code")?,
    };
    let q = app(&req)?
        .cloud
        .save_qr_code(&id, code.as_deref(), message)
        .await?;
    Ok(HttpResponse::Ok().json(item(&q)))
}

pub async fn delete(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "DELETE")?;
    let code = req.match_info().get("code").unwrap_or("");
    app(&req)?.cloud.delete_qr_code(&id, code).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}
