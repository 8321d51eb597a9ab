//! `POST /v1/contacts`: check numbers, get their wa_id.

use super::auth::state;
use super::{ok, Bearer, Json};
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactsCheck {
    #[serde(default)]
    blocking: Option<String>,
    contacts: Vec<String>,
    #[serde(default)]
    force_check: bool,
}

/// Answers at once in both blocking modes (the emulator has nothing to wait for).
pub async fn check(
    req: HttpRequest,
    _who: Bearer,
    Json(body): Json<ContactsCheck>,
) -> Result<HttpResponse, ApiError> {
    if let Some(b) = body.blocking.as_deref() {
        if b != "wait" && b != "no_wait" {
            return Err(ApiError::invalid("blocking", "must be wait or no_wait"));
        }
    }
    if body.contacts.is_empty() {
        return Err(ApiError::invalid(
            "contacts",
            "must hold at least one number",
        ));
    }
    let _ = body.force_check;
    let answers = state(&req)?.messaging.check_contacts(&body.contacts);
    Ok(ok(json!({ "contacts": answers })))
}
