//! `GET|POST /{phone-number-id}/whatsapp_business_profile` (a flat `data[0]` with `vertical`
//! always present) and `GET|POST /{phone-number-id}/whatsapp_commerce_settings`.

use super::params::Params;
use super::phone_numbers::{number_id, post_params};
use super::{app, authorize, version, GraphResult};
use crate::graph::profile::{self, ProfilePatch};
use crate::graph::GraphError;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

pub async fn get_profile(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "GET")?;
    let p = Params::query(&req);
    let fields = match p.fields()? {
        None => None,
        Some(list) => Some(list.names_within(&profile::FIELDS, "WhatsAppBusinessProfile")?),
    };
    let state = app(&req)?.cloud.number_state(&id)?;
    Ok(HttpResponse::Ok().json(json!({ "data": [state.profile.to_json(fields.as_deref())] })))
}

pub async fn update_profile(req: HttpRequest, payload: web::Payload) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "POST")?;
    let p = Params::read(&req, payload).await?;
    let patch = ProfilePatch::parse(p.as_map())?;
    app(&req)?.cloud.update_profile(&id, patch).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// The commerce settings object's id: stable per number (Meta gives it its own id).
fn settings_id(phone_number_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("commerce:{phone_number_id}"));
    let n = u64::from_be_bytes(h[..8].try_into().unwrap_or_default());
    (n % 900_000_000_000_000 + 100_000_000_000_000).to_string()
}

pub async fn get_commerce(req: HttpRequest) -> GraphResult {
    authorize(&req)?;
    version(&req)?;
    let id = number_id(&req, "GET")?;
    let p = Params::query(&req);
    let all = ["is_cart_enabled", "is_catalog_visible", "id"];
    let wanted: Vec<String> = match p.fields()? {
        None => all.iter().map(|s| s.to_string()).collect(),
        Some(list) => list.names_within(&all, "WhatsAppCommerceSettings")?,
    };
    let c = app(&req)?.cloud.number_state(&id)?.commerce;
    let mut item = serde_json::Map::new();
    for name in wanted {
        let v = match name.as_str() {
            "is_cart_enabled" => json!(c.is_cart_enabled),
            "is_catalog_visible" => json!(c.is_catalog_visible),
            _ => continue,
        };
        item.insert(name, v);
    }
    item.insert("id".into(), json!(settings_id(&id)));
    Ok(HttpResponse::Ok().json(json!({ "data": [item] })))
}

/// `POST ...?is_cart_enabled=true&is_catalog_visible=false` (query or body).
pub async fn update_commerce(req: HttpRequest, payload: web::Payload) -> GraphResult {
    let (id, p) = post_params(&req, payload, &["is_cart_enabled", "is_catalog_visible"]).await?;
    let cart = p.bool("is_cart_enabled")?;
    let catalog = p.bool("is_catalog_visible")?;
    if cart.is_none() && catalog.is_none() {
        return Err(GraphError::graph_param(
            "The parameter is_cart_enabled or is_catalog_visible is required",
        )
        .into());
    }
    app(&req)?.cloud.update_commerce(&id, cart, catalog).await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}
