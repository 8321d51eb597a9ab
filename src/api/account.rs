//! `/v1/account` (request a registration code), `/v1/account/verify`, `/v1/account/shards`,
//! `/v1/settings/account/two-step` (all admin), and the control route showing the code.

use super::auth::state;
use super::{created, ok, ok_empty, Admin, Json};
use crate::domain::registration::{AccountState, CodeOutcome, CodeRequest, ShardsRequest};
use crate::wa::{envelope, ApiError};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// `POST /v1/account`: 201 (no data) when the number is registered already, else 202 with
/// `{"account":[{"vname"}]}` and a code sent (read it at `GET /v1/emulator/account`).
pub async fn request_code(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    match state(&req)?.registration.request_code(body).await? {
        CodeOutcome::AlreadyRegistered => Ok(created(json!({}))),
        CodeOutcome::CodeSent { vname } => {
            Ok(HttpResponse::Accepted().json(envelope(json!({ "account": [{ "vname": vname }] }))))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    code: String,
}

/// `POST /v1/account/verify`: 201 with no data once the code matches.
pub async fn verify(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.registration.verify(&body.code).await?;
    Ok(created(json!({})))
}

pub async fn shards(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<ShardsRequest>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.registration.set_shards(body).await?;
    Ok(ok_empty())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinBody {
    pin: String,
}

pub async fn enable_two_step(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<PinBody>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.registration.enable_two_step(&body.pin).await?;
    Ok(ok_empty())
}

pub async fn disable_two_step(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    state(&req)?.registration.disable_two_step().await?;
    Ok(ok_empty())
}

/// `GET /v1/emulator/account`: the registration state, the pending code (the "SMS"), two-step.
pub async fn control(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let reg = &state(&req)?.registration;
    let account = match reg.state() {
        AccountState::CodeSent {
            cc,
            phone_number,
            method,
            vname,
            code,
            requested_at_ms,
        } => json!({
            "state": "code_sent", "cc": cc, "phone_number": phone_number, "method": method,
            "vname": vname, "code": code, "requested_at_ms": requested_at_ms,
        }),
        AccountState::Registered {
            wa_id,
            vname,
            shards,
        } => json!({ "state": "registered", "wa_id": wa_id, "vname": vname, "shards": shards }),
        AccountState::Unregistered => json!({ "state": "unregistered" }),
    };
    Ok(ok(json!({
        "account": account,
        "two_step": { "enabled": reg.two_step_enabled()? },
    })))
}
