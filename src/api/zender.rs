//! `/zender/api/{action}/{service}`: Zender's own HTTP API. The fields are PHP's `$_REQUEST`
//! (query string, then an urlencoded or multipart form; a JSON body is ignored, as PHP does), the
//! answer is always HTTP 200 with the code in `status`, PHP's default `text/html` Content-Type
//! and `Access-Control-Allow-Origin: *`. Also the uploads' URLs and the control API's listing.

use super::auth::state;
use super::{ok, read_body, Admin};
use crate::domain::gateways::zender_api::Call;
use crate::graph::multipart;
use crate::sms::zender_api::{Answer, Params, Upload, CONTENT_TYPE};
use crate::wa::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

/// The prefix of every API route.
pub const PREFIX: &str = "/zender/api/";

/// `$_REQUEST` and `$_FILES` of a request. A body PHP would not parse (JSON, too large, broken
/// multipart) adds nothing, as with PHP.
async fn params(req: &HttpRequest, payload: web::Payload, limit: usize) -> Params {
    let mut p = Params::default();
    p.extend(url::form_urlencoded::parse(req.query_string().as_bytes()).into_owned());
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Ok(body) = read_body(req, payload, limit).await else {
        return p;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/x-www-form-urlencoded" {
        p.extend(url::form_urlencoded::parse(&body).into_owned());
    } else if let Some(boundary) = multipart::boundary(&content_type) {
        if let Ok(parts) = multipart::parse(&body, &boundary) {
            for part in parts {
                match part.filename {
                    Some(filename) => p.files.push(Upload {
                        name: part.name,
                        filename: Some(filename),
                        content_type: part.content_type,
                        bytes: part.data,
                    }),
                    None => {
                        p.extend([(part.name, String::from_utf8_lossy(&part.data).into_owned())])
                    }
                }
            }
        }
    }
    p
}

/// The HTTP answer of every API call.
fn answer(a: &Answer) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(a.encode())
}

/// Every `/zender/api/{action}/{service}` route (GET or POST, as the product takes any method).
pub async fn call(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let p = params(&req, payload, st.config.max_media_bytes).await;
    let path = req.path().strip_prefix(PREFIX).unwrap_or_default();
    let (action, service) = path.split_once('/').unwrap_or((path, ""));
    let site = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let a = st
        .gateways
        .zender_api(
            Call {
                action,
                service,
                params: p,
                site,
            },
            &st.messaging.rules(),
        )
        .await;
    Ok(answer(&a))
}

/// `GET /zender/uploads/{id}/{filename}`: a file sent with `media_file` or `document_file`.
pub async fn upload(
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let found = match path.0.parse::<u64>() {
        Ok(id) => st.gateways.zender_upload(id)?,
        Err(_) => None,
    };
    let Some((content_type, bytes)) = found else {
        return Err(ApiError::not_found("No such Zender upload"));
    };
    Ok(HttpResponse::Ok().content_type(content_type).body(bytes))
}

/// `GET /v1/emulator/gateways/zender/messages`: what the API keeps, newest first.
pub async fn messages(req: HttpRequest, _a: Admin) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    Ok(ok(st.gateways.zender_messages()?))
}
