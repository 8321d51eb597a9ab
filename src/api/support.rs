//! `GET /v1/support`: what Meta's support team would ask for, from this emulator's own state.

use super::auth::state;
use super::{ok, Bearer};
use crate::domain::registration::AccountState;
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

pub async fn get(req: HttpRequest, _who: Bearer) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let account = st.registration.state();
    let (debug_info, shards) = match &account {
        AccountState::Registered { wa_id, shards, .. } => (wa_id.clone(), *shards),
        _ => ("unregistered".to_string(), 0),
    };
    let now_s = crate::wa::time::now_ms() / 1000;
    Ok(ok(json!({ "support": {
        "context": "healthcheck",
        "db_engine": "SLED",
        "debug_info": debug_info,
        "description": format!("wa-onprem-emulator {}", env!("CARGO_PKG_VERSION")),
        "device_iso8601": crate::wa::time::format_utc(now_s),
        "multi_connect": shards > 1,
        "os_name": format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        "role": "primary_master",
        "shards": if shards > 0 { json!([[-1, -1], [0, shards as i64 - 1]]) } else { json!([]) },
        "socket_conn": if account.is_registered() { "UP" } else { "DN" },
        "callback_queue_size": st.delivery.pending(),
    }})))
}
