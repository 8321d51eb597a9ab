//! `/v1/emulator/session`: the inspector page's sign-in. The same accounts and password check as
//! `POST /v1/users/login`, but the token travels in an HttpOnly, Secure, SameSite=Strict cookie the
//! page's script cannot read, so no token ever appears in a URL, in the page or in a log.

use super::auth::{check_same_origin, principal, session_cookie, state, SESSION_COOKIE};
use super::{ok, Json};
use crate::wa::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    username: String,
    password: String,
}

fn cookie(value: &str, max_age: Option<u64>) -> String {
    let age = max_age.map_or(String::new(), |s| format!("; Max-Age={s}"));
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; Secure; SameSite=Strict{age}")
}

/// `POST /v1/emulator/session` `{"username","password"}`: sets the session cookie. The inspector
/// drives the control API, so the account must have ROLE_ADMIN.
pub async fn sign_in(req: HttpRequest, Json(body): Json<SignIn>) -> Result<HttpResponse, ApiError> {
    check_same_origin(&req)?;
    let accounts = &state(&req)?.accounts;
    let (token, expires_after) = accounts.login(&body.username, &body.password, None)?;
    let who = accounts.authenticate(&token)?;
    if !who.is_admin() {
        return Err(ApiError::forbidden(format!(
            "User {} has ROLE_USER; the inspector needs ROLE_ADMIN",
            who.username
        )));
    }
    let mut answer = ok(json!({ "session": {
        "username": who.username, "role": who.role, "expires_after": expires_after,
    }}));
    let set = cookie(&token, None);
    answer.headers_mut().insert(
        actix_web::http::header::SET_COOKIE,
        set.parse().map_err(ApiError::internal)?,
    );
    answer.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(answer)
}

/// `GET /v1/emulator/session`: who the session (or bearer token) belongs to; 401 without one.
pub async fn get(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let who = principal(&req)?;
    Ok(ok(
        json!({ "session": { "username": who.username, "role": who.role } }),
    ))
}

/// `DELETE /v1/emulator/session`: revokes the session's token on the server and clears the cookie.
pub async fn sign_out(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    check_same_origin(&req)?;
    let token = session_cookie(&req).ok_or_else(|| {
        ApiError::unauthenticated("No inspector session: sign in at POST /v1/emulator/session")
    })?;
    let accounts = &state(&req)?.accounts;
    // An expired or already revoked token needs no revoking; the cookie is cleared all the same.
    if accounts.authenticate(&token).is_ok() {
        accounts.logout(&token)?;
    }
    let mut answer = ok(json!({}));
    answer.headers_mut().insert(
        actix_web::http::header::SET_COOKIE,
        cookie("", Some(0)).parse().map_err(ApiError::internal)?,
    );
    Ok(answer)
}
