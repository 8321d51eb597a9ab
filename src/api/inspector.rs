//! The live inspector: one HTML page at `/` and its assets under `/inspector/`, embedded in the
//! binary (plain files, no build step, nothing fetched from elsewhere). The page signs in at
//! `/v1/emulator/session` and then uses the control API and the event stream like any client.

use crate::wa::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};

/// Only the page's own origin: no inline script or style, no framing, no other hosts.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// (file name, content type, bytes) of every asset under `/inspector/`.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("inspector/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/api.js"),
    ),
    (
        "chat.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/chat.js"),
    ),
    (
        "render.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/render.js"),
    ),
    (
        "composer.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/composer.js"),
    ),
    (
        "journal.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/journal.js"),
    ),
    (
        "settings.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/settings.js"),
    ),
    (
        "gateways.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/gateways.js"),
    ),
    (
        "cloud.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/cloud.js"),
    ),
    (
        "account.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/account.js"),
    ),
    (
        "groups.js",
        "text/javascript; charset=utf-8",
        include_str!("inspector/groups.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("inspector/icon.svg"),
    ),
];

const INDEX: &str = include_str!("inspector/index.html");

/// The names `/inspector/{asset}` serves (the OpenAPI spec lists them).
pub fn asset_names() -> Vec<&'static str> {
    ASSETS.iter().map(|(name, _, _)| *name).collect()
}

fn page(content_type: &'static str, body: &'static str) -> HttpResponse {
    let mut answer = HttpResponse::Ok();
    answer
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    answer.body(body)
}

/// `GET /`: the inspector page.
pub async fn index() -> HttpResponse {
    page("text/html; charset=utf-8", INDEX)
}

/// `GET /inspector/{asset}`: a script, the style sheet or the icon.
pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    ASSETS
        .iter()
        .find(|(n, _, _)| *n == name.as_str())
        .map(|(_, content_type, body)| page(content_type, body))
        .ok_or_else(|| {
            ApiError::not_found(format!("No inspector asset {}", super::echo(name.as_str())))
        })
}
