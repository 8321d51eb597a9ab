//! How an `ApiError` answers over HTTP: the status of its code, the On-Prem envelope
//! `{"errors":[...],"meta":{...}}`, `Allow` on 405 and `Retry-After` on 429/503.

use crate::wa::{meta, ApiError};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        if self.status == 503 || self.status == 429 {
            res.insert_header((header::RETRY_AFTER, "1"));
        }
        res.json(json!({ "errors": [self.to_json()], "meta": meta() }))
    }
}
