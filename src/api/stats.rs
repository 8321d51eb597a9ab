//! `/v1/stats/app`, `/v1/stats/db` (On-Prem JSON, or `?format=prometheus`) and `/metrics`.

use super::auth::state;
use super::{ok, Monitor};
use crate::metrics::text_to_stats;
use crate::state::AppState;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

/// The text is OpenMetrics 1.0 (`# EOF`, counter families typed without `_total`), so it is sent as
/// such; Prometheus scrapes it.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn app_text(st: &AppState) -> String {
    st.metrics
        .callback_queue_size
        .set(st.delivery.pending() as i64);
    st.metrics.prometheus()
}

/// The data dir's trees and size, as OpenMetrics text.
fn db_text(st: &AppState) -> String {
    let mut out = String::from(
        "# HELP db_tree_entries Records per store tree\n# TYPE db_tree_entries gauge\n",
    );
    let (trees, size) = st.store.sizes().unwrap_or_default();
    for (name, count) in trees {
        out.push_str(&format!("db_tree_entries{{tree=\"{name}\"}} {count}\n"));
    }
    out.push_str(&format!("# HELP db_size_on_disk_bytes Size of the sled database on disk\n# TYPE db_size_on_disk_bytes gauge\ndb_size_on_disk_bytes {size}\n# EOF\n"));
    out
}

fn answer(req: &HttpRequest, section: &str, text: String) -> Result<HttpResponse, ApiError> {
    match req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("format="))
    {
        Some("prometheus") => Ok(HttpResponse::Ok().content_type(OPENMETRICS).body(text)),
        None | Some("json") => Ok(ok(json!({ "stats": { section: text_to_stats(&text) } }))),
        Some(other) => Err(ApiError::invalid(
            "format",
            format!("'{other}' is not json or prometheus"),
        )),
    }
}

pub async fn app(req: HttpRequest, _m: Monitor) -> Result<HttpResponse, ApiError> {
    let text = app_text(state(&req)?);
    answer(&req, "app", text)
}

pub async fn db(req: HttpRequest, _m: Monitor) -> Result<HttpResponse, ApiError> {
    let text = db_text(state(&req)?);
    answer(&req, "db", text)
}

/// `GET /metrics`: every metric as OpenMetrics text (bearer token or API key).
pub async fn metrics(req: HttpRequest, _m: Monitor) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type(OPENMETRICS)
        .body(app_text(state(&req)?)))
}
