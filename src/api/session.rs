//! `/v1/emulator/session`: the inspector page's sign-in. The same accounts and password check as
//! `POST /v1/users/login`, but the token travels in an HttpOnly, Secure, SameSite=Strict cookie the
//! page's script cannot read, so no token ever appears in a URL, in the page or in a log.

use super::auth::{check_same_origin, session_cookie, state, SESSION_COOKIE};
use super::{ok, Admin, Json};
use crate::wa::ApiError;
use actix_web::http::header::AUTHORIZATION;
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
    let (token, expires_after) = accounts.login(&body.username, &body.password, None).await?;
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
pub async fn get(Admin(who): Admin) -> Result<HttpResponse, ApiError> {
    Ok(ok(
        json!({ "session": { "username": who.username, "role": who.role } }),
    ))
}

/// `DELETE /v1/emulator/session`: revokes the session cookie's token on the server and clears the
/// cookie. A bearer token is not a session: it is left alone (401; `/v1/users/logout` ends it).
pub async fn sign_out(req: HttpRequest, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let token = session_cookie(&req)
        .filter(|_| !req.headers().contains_key(AUTHORIZATION))
        .ok_or_else(|| {
            ApiError::unauthenticated(
                "No inspector session cookie to end; a bearer token ends at POST /v1/users/logout",
            )
        })?;
    state(&req)?.accounts.logout(&token).await?;
    let mut answer = ok(json!({}));
    answer.headers_mut().insert(
        actix_web::http::header::SET_COOKIE,
        cookie("", Some(0)).parse().map_err(ApiError::internal)?,
    );
    Ok(answer)
}
