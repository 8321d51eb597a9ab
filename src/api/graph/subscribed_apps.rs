//! `GET|POST|DELETE /{version}/{waba-id}/subscribed_apps`: the emulator's one app and its
//! subscription to the WABA's webhooks (see `domain::cloud::subscriptions`).

use super::params::Params;
use super::templates::waba;
use super::{app, authorize, version, GraphResult};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The app's id: digits derived from the app secret (stable for one configuration).
fn app_id(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]));
    (10u64.pow(14) + n % (9 * 10u64.pow(14))).to_string()
}

pub async fn list(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let waba_id = waba(&req, "get")?;
    let st = app(&req)?;
    let sub = st.cloud.subscription(&waba_id);
    if !sub.subscribed {
        return Ok(HttpResponse::Ok().json(json!({ "data": [] })));
    }
    let id = app_id(&st.cloud.config().app_secret);
    let mut item = json!({"whatsapp_business_api_data": {
        "id": id,
        "name": "wa-onprem-emulator",
        "link": format!("https://www.facebook.com/games/?app_id={id}"),
    }});
    if let Some(u) = sub.override_callback_uri {
        item["override_callback_uri"] = json!(u);
    }
    Ok(HttpResponse::Ok().json(json!({ "data": [item] })))
}

/// Subscribes; `override_callback_uri` (with `verify_token`) sends this WABA's webhooks there
/// after a successful handshake; a POST without it clears the override (as pywa does).
pub async fn subscribe(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let waba_id = waba(&req, "post")?;
    let p = Params::read(&req, payload).await?;
    let uri = p.text("override_callback_uri")?.filter(|u| !u.is_empty());
    let token = p.text("verify_token")?;
    app(&req)?
        .cloud
        .set_subscription(&waba_id, true, uri, token)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

pub async fn unsubscribe(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let waba_id = waba(&req, "delete")?;
    app(&req)?
        .cloud
        .set_subscription(&waba_id, false, None, None)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_app_id_is_15_digits_and_stable() {
        let a = super::app_id("s3cret");
        assert_eq!(a.len(), 15);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a, super::app_id("s3cret"));
    }
}
