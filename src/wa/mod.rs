//! The WhatsApp On-Premises wire model: envelope, error codes, id formats. Pure, no I/O.

pub mod errors;
pub mod groups;
pub mod ids;
pub mod inbound;
pub mod integer;
pub mod invalid;
pub mod outbound;
pub mod templates;
pub mod time;

pub use errors::ApiError;

use serde_json::{json, Value};

/// A content type without its parameters, lower-cased: `Image/PNG; q=1` -> `image/png`.
pub fn mime_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The version string every answer carries in `meta.version`.
pub const API_VERSION: &str = "2.53.2";

/// The `meta` object of every On-Prem answer, typed for answers written without a `Value`.
#[derive(serde::Serialize)]
pub struct Meta {
    api_status: &'static str,
    version: &'static str,
}

pub const META: Meta = Meta {
    api_status: "stable",
    version: API_VERSION,
};

/// The `meta` object of every On-Prem answer.
pub fn meta() -> Value {
    json!({ "api_status": META.api_status, "version": META.version })
}

/// Wraps a data object (e.g. `{"users":[...]}`) with the `meta` envelope.
pub fn envelope(mut data: Value) -> Value {
    match data.as_object_mut() {
        Some(map) => {
            map.insert("meta".into(), meta());
            data
        }
        None => json!({ "meta": meta() }),
    }
}
