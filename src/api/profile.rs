//! `/v1/settings/profile/about`, `/v1/settings/profile/photo` and `/v1/settings/business/profile`
//! (admin), plus the public link `?format=link` answers.

use super::auth::state;
use super::body::read_body;
use super::{ok, ok_empty, Admin, Json};
use crate::domain::profile::{About, BusinessProfileUpdate, Photo, PHOTO_MAX_BYTES};
use crate::wa::ApiError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// Where `?format=link` points: a public (unauthenticated) copy of the photo.
pub const PHOTO_LINK_PATH: &str = "/profile/photo";

pub async fn get_about(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let text = state(&req)?
        .profile
        .about()?
        .map(|a| a.text)
        .unwrap_or_default();
    Ok(ok(
        json!({ "settings": { "profile": { "about": { "text": text } } } }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AboutBody {
    text: String,
}

pub async fn patch_about(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<AboutBody>,
) -> Result<HttpResponse, ApiError> {
    let about = About::parse(body.text)?;
    state(&req)?.profile.set_about(about).await?;
    Ok(ok_empty())
}

/// The `format` query parameter: absent (the image) or `link`.
fn wants_link(req: &HttpRequest) -> Result<bool, ApiError> {
    let mut link = false;
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("format", "link") => link = true,
            ("format", other) => {
                return Err(ApiError::invalid(
                    "format",
                    format!(
                        "'{}' is not supported; use format=link or no format",
                        super::echo(other)
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(link)
}

fn image(photo: &Photo) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type(photo.mime_type.as_str())
        .body(photo.bytes()?))
}

fn no_photo() -> ApiError {
    ApiError::not_found("No profile photo is set; POST one to /v1/settings/profile/photo")
}

/// The image (its own content type), or with `?format=link` the public URL of it.
pub async fn get_photo(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let link = wants_link(&req)?;
    let photo = state(&req)?.profile.photo()?.ok_or_else(no_photo)?;
    if !link {
        return image(&photo);
    }
    let info = req.connection_info();
    let url = format!("{}://{}{PHOTO_LINK_PATH}", info.scheme(), info.host());
    Ok(ok(
        json!({ "settings": { "profile": { "photo": { "link": url } } } }),
    ))
}

/// The photo behind `?format=link`: public, as Meta's link is.
pub async fn public_photo(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let photo = state(&req)?.profile.photo()?.ok_or_else(no_photo)?;
    image(&photo)
}

/// The raw image (`Content-Type: image/jpeg|png`), or `multipart/form-data` with one file part
/// (the Postman collection's `File`).
pub async fn post_photo(
    req: HttpRequest,
    _admin: Admin,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let st = state(&req)?;
    let limit = PHOTO_MAX_BYTES + 64 * 1024;
    let body = read_body(&req, payload, limit).await?;
    let ct = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let photo = match crate::graph::multipart::boundary(ct) {
        Some(boundary) => {
            let parts = crate::graph::multipart::parse(&body, &boundary)
                .map_err(|e| ApiError::invalid("body", format!("not a multipart form: {e}")))?;
            let part = parts
                .into_iter()
                .find(|p| p.filename.is_some() || p.name.eq_ignore_ascii_case("file"))
                .ok_or_else(|| ApiError::missing("File"))?;
            Photo::parse(&part.data)?
        }
        None => Photo::parse(&body)?,
    };
    st.profile.set_photo(photo).await?;
    Ok(ok_empty())
}

pub async fn delete_photo(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    state(&req)?.profile.delete_photo().await?;
    Ok(ok_empty())
}

pub async fn get_business(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let profile = state(&req)?.profile.business()?;
    Ok(ok(
        json!({ "settings": { "business": { "profile": profile } } }),
    ))
}

pub async fn post_business(
    req: HttpRequest,
    _admin: Admin,
    Json(body): Json<BusinessProfileUpdate>,
) -> Result<HttpResponse, ApiError> {
    state(&req)?.profile.update_business(body).await?;
    Ok(ok_empty())
}
